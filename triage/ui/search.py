"""Incremental search by name, email or organisation.

The screen asks a callable for results (the review screen passes one that
calls ``Store.search``), lightly debounced so fast typing runs one query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from triage.model import Contact

DEBOUNCE = 0.12
LIMIT = 50

Searcher = Callable[[str, int], list[Contact]]


def describe(c: Contact) -> Content:
    parts = [c.name or "(no name)", c.org, c.primary_email or ""]
    return Content(" — ".join(p for p in parts if p))


class SearchScreen(ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without moving"),
        Binding("down", "move(1)", "Next result", show=False),
        Binding("up", "move(-1)", "Previous result", show=False),
    ]

    def __init__(self, searcher: Searcher) -> None:
        super().__init__()
        self.searcher = searcher
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-dialog", classes="dialog"):
            yield Label("Search name, email or organisation", classes="dialog-title")
            yield Input(placeholder="type to search", id="search-input")
            yield OptionList(id="search-results")
            yield Static(id="search-status")
            yield Static("enter go · ↑↓ choose · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
        field.focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.run_search)

    def run_search(self) -> None:
        self._timer = None
        text = self.query_one(Input).value
        results = self.searcher(text, LIMIT) if text.strip() else []
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(describe(c), id=str(c.id)) for c in results])
        if results:
            options.highlighted = 0
        status = self.query_one("#search-status", Static)
        if not text.strip():
            status.update("")
        elif not results:
            status.update("no match")
        else:
            more = "+" if len(results) >= LIMIT else ""
            status.update(f"{len(results)}{more} found")

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    @on(Input.Submitted)
    def _submit(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self.run_search()
        options = self.query_one(OptionList)
        if options.highlighted is None:
            if self.query_one(Input).value.strip():
                self.notify("No match to go to.", severity="warning")
            return
        option = options.get_option_at_index(options.highlighted)
        self.dismiss(int(option.id or 0))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
