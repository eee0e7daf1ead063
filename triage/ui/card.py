"""The contact card: everything known about one person, in plain words.

One widget (:class:`CardBody`) draws the name, the subtitle and every row,
each part the way the stylesheet would lay it out as widgets of its own (a
Label of 13 cells beside a Static, a margin under the name).  It replaced
some thirty widgets: those had to be mounted and styled before the first card
could be painted, and each card refreshed several of them.  Drawing the next
card is one refresh.  The parts' styles are the widget's component classes
(in app.tcss); the visuals that draw them are in :mod:`triage.ui.renderables`.
Data is wrapped in :class:`Content` so text from an address book is never
read as markup.
"""

from __future__ import annotations

from typing import ClassVar, Self

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

from triage.model import FLAG_BITS, Contact
from triage.store import Store
from triage.store.network import Mark, mark_of
from triage.ui import words
from triage.ui.renderables import (
    RowVisual,
    StackVisual,
    TextVisual,
    background,
    first_line,
)
from triage.vocab import FLAG_LABELS

# (row id, label) in the order the card shows them.
ROWS: tuple[tuple[str, str], ...] = (
    ("email", "Email"),
    ("phone", "Phone"),
    ("profile", "LinkedIn"),
    ("website", "Website"),
    ("city", "City"),
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

NO_PROFILE = "No LinkedIn profile known: an upload would invite them to join LinkedIn"
# Flags whose reason is a sentence in network_marks (connected only when the
# person's own row has no connection date: another deck said it).
_MARKED = FLAG_BITS["pending"] | FLAG_BITS["locked"] | FLAG_BITS["name_match"]


def network_lines(c: Contact, mark: Mark | None) -> tuple[list[str], list[str]]:
    """(the LinkedIn row, the Flags row): the profile URL, the one learnt
    from another deck or the warning that there is none; the flags, a
    network flag said by its reason (which deck, since or until when)."""
    if c.profile_url:
        profile = [c.profile_url]
    elif mark is not None and mark.profile:
        profile = [mark.profile]
    elif c.has("no_profile"):
        profile = [NO_PROFILE]
    else:
        profile = []
    flags = [p for p in words.flag_phrases(c) if p != FLAG_LABELS["no_profile"]]
    if mark is not None and mark.sentence:
        said = "already connected" if mark.state == "connected" else FLAG_LABELS[mark.state]
        flags = [mark.sentence if p == said else p for p in flags]
    return profile, flags


def needs_mark(c: Contact) -> bool:
    """Whether the card must read the person's network mark: only when a
    flag came from another row (one small query, not on every card)."""
    return bool(c.flags & _MARKED or (c.has("connected") and not c.connected_on))


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
# Lines of source notes shown at once, under and from TALL terminal lines.
NOTES_LINES_SHORT, NOTES_LINES_TALL, TALL = 3, 8, 40


class WindowVisual(RowVisual):
    """A row showing ``lines`` of its value from the card's ``notes_offset``;
    under the label, which lines these are and the keys that scroll them."""

    def __init__(
        self,
        body: CardBody,
        label: Content,
        value: Content,
        label_style: Style,
        value_style: Style,
        label_width: int,
        lines: int,
    ) -> None:
        super().__init__(label, value, label_style, value_style, label_width)
        self.body = body
        self.lines = lines

    def get_height(self, rules: RulesMap, width: int) -> int:
        return min(super().get_height(rules, width), self.lines)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        full = super().render_strips(width, None, style, options)
        body, total = self.body, len(full)
        body.notes_hidden = max(total - self.lines, 0)
        if not body.notes_hidden:
            return full
        offset = body.notes_offset = min(body.notes_offset, body.notes_hidden)
        label_width = min(self.label_width, width)
        shown = full[offset : offset + self.lines]
        column = [
            self.label.plain,
            f"{offset + 1}–{offset + len(shown)} of {total}",
            "shift+↓↑",
        ]
        pad = background(self.label_style)
        out = []
        for y, line in enumerate(shown):
            text = Content(column[y]) if y < len(column) else Content("")
            left = first_line(text, label_width, self.label_style, options)
            out.append(
                Strip.join(
                    [left.adjust_cell_length(label_width, pad), line.crop(label_width, width)]
                )
            )
        return out if height is None else out[:height]


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
        self.notes_offset = 0  # the first line of the notes in view
        self.notes_hidden = 0  # lines of the notes out of view when last drawn

    def render(self) -> RenderResult:
        style = self.get_visual_style
        parts: list[Visual] = []
        if self._head is not None:
            name, subtitle = self._head
            parts.append(TextVisual(name, style("card--name")))
            if subtitle.plain:
                parts.append(TextVisual(subtitle, style("card--subtitle")))
            parts.append(TextVisual(Content(""), self.visual_style, fill=False))  # a margin
        hide_from = self.get_component_styles("card--from").display == "none"
        label_style = style("card--label")
        value_style = style("card--value")
        for row_id, value in self._rows:
            if row_id == "from" and hide_from:
                continue
            row_style = style(f"card--{row_id}") if row_id in STYLED_VALUES else value_style
            label = self._labels[row_id]
            if row_id == "notes":
                parts.append(
                    WindowVisual(
                        self, label, value, label_style, row_style, LABEL_WIDTH, self.notes_lines
                    )
                )
            else:
                parts.append(RowVisual(label, value, label_style, row_style, LABEL_WIDTH))
        return StackVisual(parts)

    @property
    def notes_lines(self) -> int:
        """Lines of the source notes in view: a long note scrolls in its field
        so the name, the decision and the provenance stay on screen."""
        return NOTES_LINES_SHORT if self.app.size.height < TALL else NOTES_LINES_TALL

    def scroll_notes(self, step: int) -> bool:
        """Move the notes' window ``step`` lines; False when it cannot move."""
        offset = max(0, min(self.notes_offset + step, self.notes_hidden))
        if offset == self.notes_offset:
            return False
        self.notes_offset = offset
        self.refresh()
        return True

    def show(self, head: tuple[str, str] | None, values: dict[str, list[str]]) -> None:
        """``head``: the name and the subtitle (None: no card); ``values``:
        the lines of each row, a row without any being left out."""
        rows = [(row_id, "\n".join(values[row_id])) for row_id, _ in ROWS if values.get(row_id)]
        shown = (head, rows)
        if shown != self._shown:
            self._shown = shown
            self.notes_offset = self.notes_hidden = 0
            self._head = None if head is None else (Content(head[0]), Content(head[1]))
            self._rows = [(row_id, Content(text)) for row_id, text in rows]
            self.refresh()


class ContactCard(Vertical):
    """One person.  ``show(None, text)`` draws an explanatory empty card."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._empty: Static | None = None  # mounted the first time there is no card
        self._body = CardBody(id="card-body")

    @property
    def body(self) -> CardBody:
        return self._body

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
        mark = None
        if needs_mark(c):
            store = getattr(self.app, "store", None)
            if isinstance(store, Store):
                mark = mark_of(store, c.id)
        profile, flags = network_lines(c, mark)
        values: dict[str, list[str]] = {
            "email": words.email_lines(c),
            "phone": words.phone_lines(c),
            "profile": profile,
            "website": [c.website] if c.website else [],
            "city": [c.city] if c.city else [],
            "flags": flags,
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
        return StackVisual(
            [
                TextVisual(Content("From"), title, fill=False),
                TextVisual(self._from, self.get_visual_style("side--from")),
                TextVisual(Content(""), plain, fill=False),  # a margin
                TextVisual(Content("Quick tags"), title, fill=False),
                TextVisual(self._tags, plain),
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
