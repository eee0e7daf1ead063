"""Small modal editors: the invitation note, the tag picker and go-to-card.

Each one only returns a value (``None`` when cancelled); the review screen
calls the store, so nothing here writes to the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option


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


class Tagging(Protocol):
    """What the tag dialog asks of the review screen, which makes each
    change through the walk (so it is saved, and undone by ``u``)."""

    def card_tags(self) -> list[str]: ...

    def deck_tags(self) -> dict[str, int]: ...

    def quick_tags(self) -> list[str]: ...

    def add(self, tag: str) -> None: ...

    def remove(self, tag: str) -> None: ...

    def rename(self, old: str, new: str) -> None: ...

    def delete(self, tag: str) -> None: ...


class TagInput(Input):
    """Enter hands the text to the dialog at once, not by a message: an
    escape typed right after it then closes the dialog only after the tag
    is on the card."""

    # In a browser (triage serve) ctrl+w closes the tab: a second key.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+alt+backspace", "delete_left_word", "Delete word", show=False),
    ]

    def __init__(self, on_enter: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_enter = on_enter

    async def action_submit(self) -> None:
        self.on_enter(self.value)


class TagList(OptionList):
    """The deck's tags; keys act on the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x,delete", "screen.remove_tag", "Remove", tooltip="Take it off this card"),
        Binding("r", "screen.rename_tag", "Rename", tooltip="Rename it on every card"),
        Binding("ctrl+d", "screen.delete_tag", "Delete", tooltip="Delete it from every card"),
    ]


class TagPicker(ModalScreen[None]):
    """The card's tags and the deck's.  Type a tag and press enter to put it
    on the card (a tag the deck has is reused whatever its case; a new one is
    created); in the list, ``x`` takes the highlighted tag off the card,
    ``r`` renames it and ``ctrl+d`` deletes it, on every card.  It stays
    open for as many tags as wanted, until escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Close the tag dialog"),
        Binding("down", "to_list", "List", show=False, tooltip="Choose a tag in the list"),
    ]

    def __init__(self, person: str, tags: Tagging) -> None:
        super().__init__()
        self.person = person
        self.tags = tags
        self._names: list[str] = []  # the list's tags, in its order
        self._renaming: str | None = None
        self._deleting: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-dialog", classes="dialog"):
            yield Label(Content(f"Tags of {self.person}"), classes="dialog-title")
            yield TagInput(
                self._enter, placeholder="tag name", select_on_focus=False, id="tag-input"
            )
            yield Static(id="tag-preview")
            yield TagList(id="tag-list")
            yield Static(
                "enter add · ↓ list: x remove, r rename, ctrl+d delete · esc close",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        field = self.query_one(TagInput)
        field.cursor_blink = _blink(self)
        field.focus()
        self._refresh()

    # -- what is shown ---------------------------------------------------------

    def _refresh(self) -> None:
        """The list and the completions, after a change."""
        counts = self.tags.deck_tags()
        on_card = {t.casefold() for t in self.tags.card_tags()}
        quick = {t: n for n, t in enumerate(self.tags.quick_tags()[:9], 1)}
        names = sorted(counts, key=lambda t: (t not in quick, quick.get(t, 0), t.casefold()))
        options = self.query_one(TagList)
        keep = options.highlighted
        kept = self._names[keep] if keep is not None and keep < len(self._names) else None
        self._names = names
        width = min(max((len(t) for t in names), default=4), 40)
        options.clear_options()
        options.add_options(
            [
                Option(
                    Content(
                        f"{quick.get(t, ' ')} {'✓' if t.casefold() in on_card else ' '} "
                        f"{_cut(t, width):<{width}} {counts[t]:>7,}"
                    )
                )
                for t in names
            ]
        )
        if kept in names:
            options.highlighted = names.index(kept)
        field = self.query_one(TagInput)
        field.suggester = SuggestFromList(list(counts), case_sensitive=False)
        self._preview(field.value)

    def _canonical(self, text: str) -> str | None:
        folded = text.casefold()
        return next((t for t in self.tags.deck_tags() if t.casefold() == folded), None)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._preview(event.value)

    def _preview(self, value: str) -> None:
        text = " ".join(value.split())
        preview = self.query_one("#tag-preview", Static)
        counts = self.tags.deck_tags()
        if self._renaming is not None:
            old = self._renaming
            cards = _cards(counts.get(old, 0))
            if not text or text == old:
                preview.update(Content(f"Type a new name for '{old}' ({cards}); escape keeps it."))
                return
            known = self._canonical(text)
            if known is not None and known.casefold() != old.casefold():
                preview.update(Content(f"Enter merges '{old}' ({cards}) into '{known}'."))
            else:
                preview.update(Content(f"Enter renames '{old}' to '{text}' on {cards}."))
            return
        if not text:
            preview.update("Type a tag and press enter; existing tags complete with →.")
            return
        known = self._canonical(text)
        if known is None:
            folded = text.casefold()
            completes = next((t for t in counts if t.casefold().startswith(folded)), None)
            then = f" · → completes '{completes}'" if completes else " and adds it."
            preview.update(Content(f"Enter creates the tag '{text}'{then}"))
        elif known.casefold() in (t.casefold() for t in self.tags.card_tags()):
            preview.update(Content(f"'{known}' is already on this card."))
        else:
            preview.update(Content(f"Enter adds '{known}' (on {_cards(counts[known])})."))

    # -- changes ----------------------------------------------------------------

    def _enter(self, value: str) -> None:
        text = " ".join(value.split())
        field = self.query_one(TagInput)
        self._deleting = None
        if self._renaming is not None:
            old, self._renaming = self._renaming, None
            if text:
                self.tags.rename(old, text)
        elif text:
            self.tags.add(text)
        field.value = ""
        self._refresh()

    def _highlighted(self) -> str | None:
        index = self.query_one(TagList).highlighted
        return self._names[index] if index is not None and index < len(self._names) else None

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self._deleting = None
        if event.option_index < len(self._names):
            self.tags.add(self._names[event.option_index])
            self._refresh()

    def action_remove_tag(self) -> None:
        tag = self._highlighted()
        self._deleting = None
        if tag is not None:
            self.tags.remove(tag)
            self._refresh()

    def action_rename_tag(self) -> None:
        tag = self._highlighted()
        self._deleting = None
        if tag is None:
            return
        self._renaming = tag
        field = self.query_one(TagInput)
        field.value = tag
        field.cursor_position = len(tag)
        field.focus()
        self._preview(tag)

    def action_delete_tag(self) -> None:
        tag = self._highlighted()
        if tag is None:
            return
        if self._deleting != tag:
            self._deleting = tag
            cards = _cards(self.tags.deck_tags().get(tag, 0))
            self.query_one("#tag-preview", Static).update(
                Content(f"ctrl+d again deletes '{tag}' from {cards} (u undoes it).")
            )
            return
        self._deleting = None
        self.tags.delete(tag)
        self._refresh()

    def action_to_list(self) -> None:
        options = self.query_one(TagList)
        if options.option_count:
            options.focus()
            if options.highlighted is None:
                options.highlighted = 0

    def action_close(self) -> None:
        if self._renaming is not None:  # escape leaves the rename, not the dialog
            self._renaming = None
            field = self.query_one(TagInput)
            field.value = ""
            self._preview("")
            return
        self.dismiss(None)


def _cards(n: int) -> str:
    return f"{n:,} {'card' if n == 1 else 'cards'}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


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
