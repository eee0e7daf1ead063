"""The filter chooser: one line per option with how many cards it holds,
several ticked at once.

Each option is a one-criterion :class:`WalkFilter` (a reach, a decision, a
tag, a flag or a source file); the ticked ones make one filter: options of
one kind widen it (invited *or* skipped), kinds narrow it (invited *and*
tagged work).  Space ticks, enter shows the cards, escape keeps the walk.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from triage.model import ALL, BLOCKED, FLAGS, UPLOADABLE, DeckStatus, WalkFilter
from triage.ui.ticks import TickList
from triage.ui.words import FLAG_LABELS
from triage.vocab import REACH_LABELS

Choice = tuple[WalkFilter, str, int]


def filter_choices(st: DeckStatus, cannot_upload: int = 0) -> list[Choice]:
    """Every option worth offering, with its label and how many cards of the
    deck it holds; ``cannot_upload``: the people an upload cannot invite."""
    out: list[Choice] = [
        (WalkFilter(reach=UPLOADABLE), REACH_LABELS[UPLOADABLE], st.contacts - cannot_upload),
        (WalkFilter(reach=BLOCKED), REACH_LABELS[BLOCKED], cannot_upload),
        (WalkFilter("undecided"), "undecided", st.undecided),
        (WalkFilter("invite"), "invited", st.invite),
        (WalkFilter("skip"), "skipped", st.skip),
    ]
    out += [(WalkFilter("tag", t), f"tag: {t}", n) for t, n in st.tags.items()]
    out += [
        (WalkFilter("flag", f), f"flag: {FLAG_LABELS[f]}", st.flags.get(f, 0))
        for f in FLAGS
        if st.flags.get(f, 0)
    ]
    if len(st.sources) > 1:
        out += [(WalkFilter("source", s), f"from: {s}", n) for s, n in st.sources.items()]
    return out


def combine(chosen: list[WalkFilter]) -> WalkFilter:
    """One filter of the ticked options: any of each kind, every kind."""
    reaches = {f.reach for f in chosen if f.reach}
    return WalkFilter(
        decisions={d for f in chosen for d in f.decisions},
        tags={t for f in chosen for t in f.tags},
        flags={x for f in chosen for x in f.flags},
        sources={s for f in chosen for s in f.sources},
        reach=reaches.pop() if len(reaches) == 1 else "",
    )


def ticked(option: WalkFilter, current: WalkFilter) -> bool:
    """Whether ``option`` is part of ``current`` (shown ticked)."""
    if option == ALL:
        return current == ALL
    return (
        option.decisions <= current.decisions
        and option.tags <= current.tags
        and option.flags <= current.flags
        and option.sources <= current.sources
        and (not option.reach or option.reach == current.reach)
    )


def fit_label(label: str, width: int) -> str:
    """``label`` with room for two cells after it, cut with an ellipsis."""
    return label if len(label) <= width - 2 else label[: max(width - 3, 1)] + "…"


class _Options(TickList[int]):
    """The options; enter shows the cards (space ticks)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.choose", "Show", show=False),
    ]


class FilterScreen(ModalScreen[WalkFilter | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Keep the current filter"),
    ]

    def __init__(self, choices: list[Choice], current: WalkFilter) -> None:
        super().__init__()
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        # Each count on its option's line: a label too long for the dialog
        # (70 cells at most, less borders, paddings, the box and the count) is cut.
        room = min(70, self.app.size.width) - 22
        width = min(max((len(label) for _, label, _ in self.choices), default=10) + 2, room)
        options = []
        for i, (flt, label, count) in enumerate(self.choices):
            on = ticked(flt, self.current)
            options.append(
                Selection(
                    Content(f"{fit_label(label, width):<{width}}{count:>8,}"),
                    i,
                    on,
                    disabled=count == 0 and not on and flt != ALL,
                )
            )
        with Vertical(id="filter-dialog", classes="dialog"):
            yield Label("Show only", classes="dialog-title")
            yield _Options(*options, id="filter-options")
            yield Static("space tick · enter show · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(_Options)
        for i, (flt, _, _) in enumerate(self.choices):
            if ticked(flt, self.current):
                options.highlighted = i
                break
        options.focus()

    @on(SelectionList.SelectionToggled)
    def _toggled(self, event: SelectionList.SelectionToggled[int]) -> None:
        """Everyone (``all``) and the other options exclude each other."""
        options = self.query_one(_Options)
        index = event.selection.value
        if index not in options.selected:
            return
        everyone = [i for i, (flt, _, _) in enumerate(self.choices) if flt == ALL]
        drop = [i for i in options.selected if (i in everyone) != (index in everyone)]
        for i in drop:
            options.deselect(i)

    def chosen(self) -> WalkFilter:
        selected = self.query_one(_Options).selected
        return combine([self.choices[i][0] for i in sorted(selected)])

    def action_choose(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)
