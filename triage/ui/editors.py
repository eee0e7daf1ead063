"""Small modal editors: the invitation note, the tag picker and go-to-card.

Each one only returns a value (``None`` when cancelled); the review screen
calls the store, so nothing here writes to the database.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static, TextArea


def _blink(screen: Screen[Any]) -> bool:
    return bool(getattr(screen.app, "cursor_blink", True))


class NoteEditor(ModalScreen[str | None]):
    """The personal invitation note, with a live count against the limit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the note"),
    ]

    def __init__(self, person: str, note: str, limit: int) -> None:
        super().__init__()
        self.person = person
        self.note = note
        self.limit = limit

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Label(Content(f"Invitation note for {self.person}"), classes="dialog-title")
            yield TextArea(self.note, id="note-text", soft_wrap=True)
            with Horizontal(classes="dialog-buttons"):
                yield Static(id="note-counter")
                yield Button("Save", id="note-save", variant="primary")
                yield Button("Cancel", id="note-cancel")
            yield Static("ctrl+s save · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.cursor_blink = _blink(self)
        area.move_cursor(area.document.end)
        area.focus()
        self._count()

    def _text(self) -> str:
        return self.query_one(TextArea).text.strip()

    @on(TextArea.Changed)
    def _count(self) -> None:
        n = len(self._text())
        counter = self.query_one("#note-counter", Static)
        counter.update(f"{n} / {self.limit}")
        counter.set_class(n > self.limit, "-over")

    @on(Button.Pressed, "#note-save")
    def action_save(self) -> None:
        text = self._text()
        if len(text) > self.limit:
            self.notify(
                f"The note has {len(text)} characters; the limit is {self.limit}. "
                "Shorten it to save.",
                severity="error",
            )
            return
        self.dismiss(text)

    @on(Button.Pressed, "#note-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class TagPicker(ModalScreen[str | None]):
    """Type a tag (existing ones autocomplete; right arrow accepts the
    completion); Enter toggles it on the card, creating it if new."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing tags"),
    ]

    def __init__(self, person: str, deck_tags: list[str], card_tags: list[str]) -> None:
        super().__init__()
        self.person = person
        self.deck_tags = deck_tags
        self.card_tags = card_tags

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-dialog", classes="dialog"):
            yield Label(Content(f"Tag {self.person}"), classes="dialog-title")
            yield Input(
                placeholder="tag name",
                id="tag-input",
                suggester=SuggestFromList(self.deck_tags, case_sensitive=False),
            )
            yield Static(id="tag-preview")
            on_card = ", ".join(self.card_tags) or "none"
            yield Static(Content(f"On this card: {on_card}"), id="tag-current")
            quick = "  ".join(f"{i} {t}" for i, t in enumerate(self.deck_tags[:9], 1))
            yield Static(Content(f"Quick tags: {quick or 'none yet'}"), id="tag-quick")
            yield Static("enter toggle · → complete · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = _blink(self)
        field.focus()
        self._preview("")

    def _canonical(self, text: str) -> str | None:
        folded = text.casefold()
        return next((t for t in self.deck_tags if t.casefold() == folded), None)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._preview(event.value)

    def _preview(self, value: str) -> None:
        text = " ".join(value.split())
        preview = self.query_one("#tag-preview", Static)
        if not text:
            preview.update("Type a tag; existing tags autocomplete.")
            return
        known = self._canonical(text)
        if known is None:
            preview.update(Content(f"Enter adds the new tag '{text}'"))
        elif known.casefold() in (t.casefold() for t in self.card_tags):
            preview.update(Content(f"Enter removes '{known}' from this card"))
        else:
            preview.update(Content(f"Enter adds '{known}'"))

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        text = " ".join(event.value.split())
        self.dismiss(self._canonical(text) or text if text else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class GotoDialog(ModalScreen[int | None]):
    """Jump to card N of the current walk."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without moving"),
    ]

    def __init__(self, total: int, where: str) -> None:
        super().__init__()
        self.total = total
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-dialog", classes="dialog"):
            yield Label(Content(f"Go to card ({self.where})"), classes="dialog-title")
            yield Input(
                placeholder=f"1–{self.total}", restrict=r"[0-9]*", max_length=9, id="goto-input"
            )
            yield Static("enter go · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = _blink(self)
        field.focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        if not event.value:
            self.dismiss(None)
            return
        number = int(event.value)
        if not 1 <= number <= self.total:
            self.notify(f"Choose a number from 1 to {self.total}.", severity="warning")
            return
        self.dismiss(number)

    def action_cancel(self) -> None:
        self.dismiss(None)
