"""The progress header: position, counts, filter and order, and a bar.

No clock and nothing else that changes on its own, so screenshots are stable.

Each line is one widget drawing its parts as the stylesheet would lay them
out as separate widgets (position | counts, then walk | 1-cell gap | bar |
percentage): a header of nine widgets (two rows, four texts, a ProgressBar
of three) cost more to mount and style at start-up than the card itself, and
``ProgressBar.update`` half a millisecond per card.  ``show`` only stores
what to draw.  The parts' styles are component classes of the header (in
app.tcss); the bar is drawn by :func:`triage.ui.renderables.progress_strip`.
"""

from __future__ import annotations

from typing import ClassVar, Self

from rich.style import Style as RichStyle
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widget import Widget

from triage.model import Counts
from triage.ui.renderables import (
    PERCENT_WIDTH,
    background,
    bar_filled,
    first_line,
    progress_strip,
)
from triage.vocab import DECIDED_WORDS, DECK_KINDS

GAP = 1  # between the walk and the bar
WALK_KEPT = 12  # cells of the walk kept before the pace is left out
NARROW = 80  # below this width the bar takes at most a third of the line
_WALK_RULES: RulesMap = {"text_wrap": "nowrap", "text_overflow": "ellipsis"}


class _LineVisual(Visual):
    """One header line.  ``str()`` is its leading text (the position, the
    walk), as it was of the Static that showed it."""

    def __init__(self, header: ProgressHeader, first: bool) -> None:
        self.header = header
        self.first = first

    def __str__(self) -> str:
        header = self.header
        return (header.position_content if self.first else header.walk_content).plain

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        # The header's style, not the line's: the parts' styles are the
        # header's component classes.
        style = self.header.visual_style
        base = background(style)
        if self.first:
            return [self._first_line(width, style, options)]
        return [self._second_line(width, style, base, options)]

    def _first_line(self, width: int, style: Style, options: RenderOptions) -> Strip:
        """The position (bold, the rest of the line) and the counts (their
        width), in the longest wording that fits: words shorten, numbers stay."""
        header = self.header
        position_content, counts = header.first_line_forms(width)
        counts_width = min(counts.cell_length, width)
        position_width = width - counts_width
        position_style = header.get_visual_style("header--position")
        position = first_line(position_content, position_width, position_style, options)
        parts = [position.adjust_cell_length(position_width, background(position_style))]
        if counts_width:
            parts.append(first_line(counts, counts_width, style, options))
        return Strip.join(parts)

    def _second_line(
        self, width: int, style: Style, base: RichStyle, options: RenderOptions
    ) -> Strip:
        """The walk (muted, cut with an ellipsis), a gap, the bar and the percentage."""
        header = self.header
        progress_width = header.progress_width(width)
        header.bar_width = max(progress_width - PERCENT_WIDTH, 0)
        gap = min(GAP, width - progress_width)
        walk_width = width - progress_width - gap
        walk_style = header.get_visual_style("header--walk")
        walk_options = RenderOptions(
            options.get_style, _WALK_RULES, options.selection, options.selection_style
        )
        # The pace goes right of the walk while the walk keeps a dozen cells.
        pace = header.pace_content
        pace_width = pace.cell_length + GAP if pace.cell_length else 0
        if walk_width - pace_width < min(WALK_KEPT, header.walk_content.cell_length):
            pace_width = 0
        walk_width -= pace_width
        parts = []
        if walk_width:
            walk = first_line(header.walk_content, walk_width, walk_style, walk_options)
            parts.append(walk.adjust_cell_length(walk_width, background(walk_style)))
        if pace_width:
            pace_style = header.get_visual_style("header--pace")
            line = first_line(pace, pace_width - GAP, pace_style, options)
            parts.append(line.adjust_cell_length(pace_width - GAP, background(pace_style)))
            parts.append(Strip.blank(GAP, base))
        if gap:
            parts.append(Strip.blank(gap, base))
        parts.append(self._bar(progress_width, style, options))
        return Strip.join(parts)

    def _bar(self, width: int, style: Style, options: RenderOptions) -> Strip:
        """The bar and its percentage, in the header's bar colours."""
        header = self.header
        filled = header.filled
        bar_style = header.get_component_rich_style(
            "header--bar-complete" if filled >= 1 else "header--bar"
        )
        return progress_strip(
            header,
            width,
            filled=filled,
            fraction=header.fraction,
            bar_style=bar_style,
            style=style,
            options=options,
        )


class HeaderLine(Widget):
    """A line of the header (``#header-position``, ``#header-walk``)."""

    def __init__(self, header: ProgressHeader, *, first: bool, id: str) -> None:
        super().__init__(id=id)
        self._visual = _LineVisual(header, first)

    def render(self) -> RenderResult:
        return self._visual


class ProgressHeader(Vertical):
    """Position, counts, filter and order, and the share of cards decided."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "header--position",
        "header--walk",
        "header--pace",
        "header--bar",
        "header--bar-complete",
    }

    def __init__(self, *, id: str | None = None) -> None:
        self._lines: tuple[HeaderLine, ...] = ()
        super().__init__(id=id)
        self.position_content = Content("")
        self.walk_content = Content("")
        self.pace_content = Content("")
        self._positions: list[str] = [""]
        self._counts: list[CountsForm] = [("", "", "", "")]
        self.fraction = 0.0  # decided / contacts, as the percentage shows it
        self.filled = 0.0  # the share of the bar drawn filled
        self.bar_width = 0  # cells of the bar when last drawn (0: not yet)
        self._walk_shown: tuple[str, str, float, int] | None = None
        self._lines = (
            HeaderLine(self, first=True, id="header-position"),
            HeaderLine(self, first=False, id="header-walk"),
        )

    def compose(self) -> ComposeResult:
        yield from self._lines

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        # The lines draw with this widget's component styles; when those
        # change (the -wide bar, a theme) Textual refreshes only this widget.
        super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        for line in self._lines:
            line.refresh(repaint=repaint)
        return self

    def show(
        self,
        *,
        index: int | None,
        total: int,
        outside: bool,
        counts: Counts,
        walk: str,
        pace: str = "",
        kind: str = DECK_KINDS[0],
    ) -> None:
        """Called for every card: the second line is redrawn only when its
        text, its pace, its bar or its percentage changes.  ``kind``: the
        deck kind, whose words the counts use (kept, to withdraw)."""
        # Only the wording that fits is made into Content, when drawn.
        self._positions = position_forms(index, total, outside)
        self._counts = counts_forms(counts, kind)
        self.position_content = Content(self._positions[0])
        total_cards = max(counts.contacts, 1)
        fraction = min(max((counts.invite + counts.skip) / total_cards, 0.0), 1.0)
        # As Textual's Bar does: once drawn, the filled share is rounded down
        # to whole half-cells of the bar's width at the time of the update.
        filled = bar_filled(fraction, self.bar_width)
        self.fraction = fraction
        position_line, walk_line = self._lines
        position_line.refresh()
        shown = (walk, pace, filled, round(fraction * 100))
        if shown != self._walk_shown:
            self._walk_shown = shown
            self.walk_content = Content(walk)
            self.pace_content = Content(pace)
            self.filled = filled
            walk_line.refresh()

    def first_line_forms(self, width: int) -> tuple[Content, Content]:
        position, counts = fit(self._positions, self._counts, width)
        return Content(position), counts_content(counts)

    def progress_width(self, width: int) -> int:
        """Cells of the bar and its percentage in a header ``width`` cells wide
        (at most a third of a narrow one, so the walk and the pace keep room)."""
        styles = self.get_component_styles("header--bar")
        wanted = int(styles.width.value) if styles.width else 24
        if width < NARROW:
            wanted = min(wanted, max(width // 3, PERCENT_WIDTH + 4))
        return min(wanted, width)


COUNTS_GAP = 2  # cells between the position and the counts


CountsForm = tuple[str, str, str, str]  # invited, skipped, undecided, the gap between


def position_forms(index: int | None, total: int, outside: bool) -> list[str]:
    """``card 12 of 150`` down to ``12/150``: shorter words, the same numbers."""
    of = f"{total:,}"
    if index is not None:
        n = f"{index + 1:,}"
        return [f"card {n} of {of}", f"{n} of {of}", f"{n}/{of}"]
    if outside:
        return [
            f"card – of {of} (this one is outside the filter)",
            f"card – of {of} (outside the filter)",
            f"–/{of} (outside the filter)",
            f"–/{of} (outside)",
            f"–/{of}",
        ]
    return [f"card – of {of}", f"–/{of}"]


# The counts' shorter words by deck kind (the longest are vocab's DECIDED_WORDS).
SHORT_WORDS: dict[str, tuple[str, str, str]] = {
    "address_book": ("inv", "skip", "undec"),
    "recovery": ("kept", "withdraw", "undec"),
}


def counts_forms(counts: Counts, kind: str = DECK_KINDS[0]) -> list[CountsForm]:
    """The counts by decision in the words of the deck kind (``3 invited``,
    ``3 kept``), in shorter words as the line narrows."""
    invite, skip, undecided = (f"{n:,}" for n in (counts.invite, counts.skip, counts.undecided))
    words = DECIDED_WORDS[kind]
    short_invite, short_skip, short_undecided = SHORT_WORDS[kind]
    return [
        (
            f"{invite} {words['invite']}",
            f"{skip} {words['skip']}",
            f"{undecided} {words['undecided']}",
            "  ",
        ),
        (
            f"{invite} {short_invite}",
            f"{skip} {short_skip}",
            f"{undecided} {short_undecided}",
            "  ",
        ),
        (f"+{invite}", f"-{skip}", f"?{undecided}", " "),
    ]


def _length(form: CountsForm) -> int:
    invite, skip, undecided, gap = form
    return len(invite) + len(skip) + len(undecided) + 2 * len(gap)


def fit(positions: list[str], counts: list[CountsForm], width: int) -> tuple[str, CountsForm]:
    """The longest wording of the position and the counts that fits
    ``width`` with two cells between them, the position shortened first
    (the counts' words matter more); the shortest otherwise.  The counts
    come with those two cells in front."""
    for count in counts:
        for position in positions:
            if len(position) + COUNTS_GAP + _length(count) <= width:
                invite, skip, undecided, gap = count
                return position, (" " * COUNTS_GAP + invite, skip, undecided, gap)
    invite, skip, undecided, gap = counts[-1]
    return positions[-1], (" " + invite, skip, undecided, gap)


def counts_content(form: CountsForm) -> Content:
    invite, skip, undecided, gap = form
    lead = len(invite) - len(invite.lstrip(" "))
    return Content.assemble(
        invite[:lead],
        (invite[lead:], "$text-success"),
        gap,
        (skip, "$text-error"),
        gap,
        (undecided, "$text-warning"),
    )
