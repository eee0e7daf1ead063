"""The contact card: everything known about one person, in plain words.

One widget (:class:`CardBody`) draws the name, the subtitle and every row,
each part the way the stylesheet would lay it out as widgets of its own (a
Label of 13 cells beside a Static, a margin under the name).  It replaced
some thirty widgets: those had to be mounted and styled before the first card
could be painted, and each card refreshed several of them.  Drawing the next
card is one refresh; the parts' styles are the widget's component classes.
Data is wrapped in :class:`Content` so text from an address book is never
read as markup.
"""

from __future__ import annotations

from typing import ClassVar, Self

from rich.style import Style as RichStyle
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widget import Widget
from textual.widgets import Static

from triage.model import Contact
from triage.ui import words

# (row id, label) in the order the card shows them.
ROWS: tuple[tuple[str, str], ...] = (
    ("email", "Email"),
    ("phone", "Phone"),
    ("flags", "Flags"),
    ("notes", "Notes"),
    ("labels", "Labels"),
    ("tags", "Tags"),
    ("note", "Invite note"),
    ("from", "From"),
    ("decision", "Decision"),
)
# Rows whose value has a style of its own (a component class card--<row>).
STYLED_VALUES = ("flags", "note", "decision")


def set_text(static: Static, content: Content) -> None:
    """``static.update(content)`` unless it already shows exactly that: an
    update re-visualises the widget and asks for a new layout."""
    old = static.content
    if isinstance(old, Content) and old.plain == content.plain and old.spans == content.spans:
        return
    static.update(content)


class CardScroll(VerticalScroll, inherit_bindings=False):
    """Scrolls a long card with up/down/page keys; left and right stay free
    for moving between cards."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]


LABEL_WIDTH = 13  # cells of the label column


class _RowVisual(Visual):
    """A row drawn the way a Label of LABEL_WIDTH cells beside a Static
    would draw it: the label on the first line, the value wrapping in its
    own column, each padded with its own background."""

    def __init__(self, label: Content, value: Content, label_style: Style, value_style: Style):
        self.label = label
        self.value = value
        self.label_style = label_style
        self.value_style = value_style

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return LABEL_WIDTH + self.value.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return LABEL_WIDTH + self.value.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return max(1, self.value.get_height(rules, max(width - LABEL_WIDTH, 1)))

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        label_width = min(LABEL_WIDTH, width)
        value_width = width - label_width
        label_pad = _bg(self.label_style)
        value_pad = _bg(self.value_style)
        label = self.label.render_strips(label_width, 1, self.label_style, options)
        first = (label[0] if label else Strip([])).adjust_cell_length(label_width, label_pad)
        values = self.value.render_strips(value_width, None, self.value_style, options)
        if not values:
            values = [Strip([])]
        under_label = Strip.blank(label_width, _bg(style))
        lines = [
            Strip.join(
                [first if y == 0 else under_label, line.adjust_cell_length(value_width, value_pad)]
            )
            for y, line in enumerate(values)
        ]
        return lines if height is None else lines[:height]


class _TextVisual(Visual):
    """Text the width of the stack, padded with its own background (a Static
    of that width), or with the stack's (``fill=False``: a Label as wide as
    its text).  Empty text is one blank line: a margin."""

    def __init__(self, content: Content, style: Style, *, fill: bool = True) -> None:
        self.content = content
        self.style = style
        self.fill = fill

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return max(1, self.content.get_height(rules, width)) if self.content.plain else 1

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        pad = _bg(self.style if self.fill else style)
        if not self.content.plain:
            return [Strip.blank(width, pad)]
        strips = self.content.render_strips(width, height, self.style, options)
        return [strip.adjust_cell_length(width, pad) for strip in strips or [Strip([])]]


class _StackVisual(Visual):
    """Visuals one under the other."""

    def __init__(self, parts: list[Visual]) -> None:
        self.parts = parts

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max((p.get_optimal_width(rules, container_width) for p in self.parts), default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return sum(p.get_height(rules, width) for p in self.parts)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        lines = [
            line for part in self.parts for line in part.render_strips(width, None, style, options)
        ]
        return lines if height is None else lines[:height]


def _bg(style: Style) -> RichStyle:
    """What Textual pads a widget's lines with: its background."""
    return RichStyle(bgcolor=style.rich_style.bgcolor)


class _SizedByContent(Widget):
    """A widget whose height follows what it draws: every refresh is a
    layout.  Textual refreshes a widget without one when only its component
    styles change (the From row hidden on a wide screen), and what a panel
    kept while hidden may be longer or shorter when it shows again."""

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        return super().refresh(*regions, repaint=repaint, layout=True, recompose=recompose)


class CardBody(_SizedByContent):
    """The name, the subtitle and the rows that have something to say."""

    # Not scoped: the decision's colour follows the card's class, and the
    # From row hides beside the side panel (the screen's -wide class).
    SCOPED_CSS = False
    DEFAULT_CSS = """
    CardBody {
        width: 1fr;
        height: auto;
    }
    CardBody > .card--name {
        text-style: bold;
        color: $text-primary;
    }
    CardBody > .card--subtitle {
        color: $text-muted;
    }
    CardBody > .card--label {
        color: $text-muted;
    }
    CardBody > .card--flags {
        color: $text-warning;
    }
    CardBody > .card--note {
        text-style: italic;
    }
    #card.-invite CardBody > .card--decision {
        color: $text-success;
        text-style: bold;
    }
    #card.-skip CardBody > .card--decision {
        color: $text-error;
        text-style: bold;
    }
    Screen.-wide CardBody > .card--from {
        display: none;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "card--name",
        "card--subtitle",
        "card--label",
        "card--value",
        "card--from",
        *(f"card--{row_id}" for row_id in STYLED_VALUES),
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._labels = {row_id: Content(label) for row_id, label in ROWS}
        self._head: tuple[Content, Content] | None = None  # name, subtitle
        self._rows: list[tuple[str, Content]] = []
        self._shown: tuple[tuple[str, str] | None, list[tuple[str, str]]] = (None, [])

    def render(self) -> RenderResult:
        style = self.get_visual_style
        parts: list[Visual] = []
        if self._head is not None:
            name, subtitle = self._head
            parts.append(_TextVisual(name, style("card--name")))
            if subtitle.plain:
                parts.append(_TextVisual(subtitle, style("card--subtitle")))
            parts.append(_TextVisual(Content(""), self.visual_style, fill=False))  # a margin
        hide_from = self.get_component_styles("card--from").display == "none"
        label_style = style("card--label")
        value_style = style("card--value")
        for row_id, value in self._rows:
            if row_id == "from" and hide_from:
                continue
            row_style = style(f"card--{row_id}") if row_id in STYLED_VALUES else value_style
            parts.append(_RowVisual(self._labels[row_id], value, label_style, row_style))
        return _StackVisual(parts)

    def show(self, head: tuple[str, str] | None, values: dict[str, list[str]]) -> None:
        """``head``: the name and the subtitle (None: no card); ``values``:
        the lines of each row, a row without any being left out."""
        rows = [(row_id, "\n".join(values[row_id])) for row_id, _ in ROWS if values.get(row_id)]
        shown = (head, rows)
        if shown != self._shown:
            self._shown = shown
            self._head = None if head is None else (Content(head[0]), Content(head[1]))
            self._rows = [(row_id, Content(text)) for row_id, text in rows]
            self.refresh()


class ContactCard(Vertical):
    """One person.  ``show(None, text)`` draws an explanatory empty card."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._empty: Static | None = None  # mounted the first time there is no card
        self._body = CardBody(id="card-body")

    def compose(self) -> ComposeResult:
        yield self._body

    def show(self, c: Contact | None, empty_text: str = "") -> None:
        # set_class restyles only when a class actually changes.
        self.set_class(c is None, "-empty")
        self.set_class(c is not None and c.decision == "invite", "-invite")
        self.set_class(c is not None and c.decision == "skip", "-skip")
        empty = self._empty
        if c is None:
            if empty is None:
                self._empty = Static(Content(empty_text), id="card-empty")
                self.mount(self._empty, before=self._body)
            else:
                empty.display = True
                set_text(empty, Content(empty_text))
            self._body.show(None, {})
            if self.border_subtitle:
                self.border_subtitle = ""
            return
        if empty is not None:
            empty.display = False
        decision = words.decision_phrase(c)
        values: dict[str, list[str]] = {
            "email": words.email_lines(c),
            "phone": words.phone_lines(c),
            "flags": words.flag_phrases(c),
            "notes": c.notes.splitlines() if c.notes.strip() else [],
            "labels": [", ".join(c.labels)] if c.labels else [],
            "tags": [", ".join(c.tags)] if c.tags else [],
            "note": c.note.splitlines() if c.note.strip() else [],
            "from": [words.provenance(c)] if c.sources else [],
            "decision": [decision],
        }
        self._body.show((c.name or "(no name)", words.subtitle(c)), values)
        if self.border_subtitle != decision:
            self.border_subtitle = decision


class SidePanel(_SizedByContent):
    """Provenance and quick tags, shown beside the card on wide terminals.

    Hidden (narrow terminals), it only keeps what to show: the screen's
    -wide class changes its ``side--shown`` component style, for which
    Textual refreshes it, and it draws what it kept."""

    # Not scoped: it follows the screen's -wide class.
    SCOPED_CSS = False
    DEFAULT_CSS = """
    SidePanel > .side--title {
        text-style: bold;
        color: $text-secondary;
    }
    SidePanel > .side--from {
        color: $text-muted;
    }
    SidePanel > .side--shown {
        display: none;
    }
    Screen.-wide SidePanel > .side--shown {
        display: block;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"side--title", "side--from", "side--shown"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._from = Content("—")
        self._tags = Content("none yet (t creates tags)")
        self._kept: tuple[str, str] = (self._from.plain, self._tags.plain)

    def render(self) -> RenderResult:
        from_text, tags_text = self._kept
        if (from_text, tags_text) != (self._from.plain, self._tags.plain):
            self._from, self._tags = Content(from_text), Content(tags_text)
        title = self.get_visual_style("side--title")
        plain = self.visual_style
        return _StackVisual(
            [
                _TextVisual(Content("From"), title, fill=False),
                _TextVisual(self._from, self.get_visual_style("side--from")),
                _TextVisual(Content(""), plain, fill=False),  # a margin
                _TextVisual(Content("Quick tags"), title, fill=False),
                _TextVisual(self._tags, plain),
            ]
        )

    def show(self, c: Contact | None, quick_tags: list[str]) -> None:
        lines = words.provenance_lines(c) if c is not None else []
        tags = [f"{i}  {t}" for i, t in enumerate(quick_tags[:9], 1)]
        kept = ("\n".join(lines) or "—", "\n".join(tags) or "none yet (t creates tags)")
        if kept != self._kept:
            self._kept = kept
            if self.display:
                self.refresh()
