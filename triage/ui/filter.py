"""The filter chooser: all, undecided, invited, skipped, each tag, each flag."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from triage.model import FLAGS, DeckStatus, WalkFilter
from triage.ui.words import FLAG_LABELS


def filter_choices(st: DeckStatus) -> list[tuple[WalkFilter, str, int]]:
    """Every filter worth offering, with its label and how many cards it holds."""
    out: list[tuple[WalkFilter, str, int]] = [
        (WalkFilter("all"), "all cards", st.contacts),
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
    return out


class FilterScreen(ModalScreen[WalkFilter | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Keep the current filter"),
    ]

    def __init__(self, choices: list[tuple[WalkFilter, str, int]], current: WalkFilter) -> None:
        super().__init__()
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        width = max((len(label) for _, label, _ in self.choices), default=10) + 2
        options = [
            Option(
                Content(f"{label:<{width}}{count:>8,}"),
                id=str(i),
                disabled=count == 0 and flt.kind != "all",
            )
            for i, (flt, label, count) in enumerate(self.choices)
        ]
        with Vertical(id="filter-dialog", classes="dialog"):
            yield Label("Show only", classes="dialog-title")
            yield OptionList(*options, id="filter-options")
            yield Static("enter choose · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for i, (flt, _, _) in enumerate(self.choices):
            if flt == self.current:
                options.highlighted = i
                break
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)][0])

    def action_cancel(self) -> None:
        self.dismiss(None)
