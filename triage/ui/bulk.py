"""The confirmation of a bulk skip: the filter in words, how many undecided
cards it skips, and that decided cards stay as they are.  Nothing happens
before the explicit "Skip them" (``y`` or the button); escape, ``n`` and
the "Cancel" button (focused, so enter cancels) leave everything as it was.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


def question(cards: int, label: str) -> str:
    """``Skip the 312 undecided cards of: flag: role address?`` and what it
    leaves alone."""
    what = "the undecided card" if cards == 1 else f"the {cards:,} undecided cards"
    return (
        f"Skip {what} of: {label}? Decided cards stay as they are: nobody is"
        " invited and no decision made by hand changes. u undoes it in one step."
    )


class ConfirmBulkSkip(ModalScreen[bool]):
    """The explicit "yes, skip these cards" step."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "Cancel", id="triage.bulk.cancel",
                tooltip="Close without skipping anyone"),
        Binding("y", "answer(True)", "Skip them", id="triage.bulk.yes",
                tooltip="Skip every undecided card of the filter"),
        Binding("n", "answer(False)", "Cancel", id="triage.bulk.no", show=False,
                tooltip="Close without skipping anyone"),
    ]  # fmt: skip

    def __init__(self, cards: int, label: str) -> None:
        super().__init__()
        self.cards = cards
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="bulk-dialog", classes="dialog"):
            yield Label("Skip every undecided card in this filter", classes="dialog-title")
            yield Static(Content(question(self.cards, self.label)), id="bulk-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Skip them", id="bulk-yes", variant="error")
                yield Button("Cancel", id="bulk-no")
            yield Static("y skip them · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#bulk-no", Button).focus()

    @on(Button.Pressed, "#bulk-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#bulk-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
