"""The contact card: everything known about one person, in plain words.

The rows are built once and updated in place for each card (no re-mounting),
so drawing the next card costs a handful of ``Static.update`` calls.  Data is
wrapped in :class:`Content` so text from an address book is never read as
markup.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

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


class CardRow(Horizontal):
    """A label and its value; hidden when there is nothing to say."""

    def __init__(self, row_id: str, label: str) -> None:
        super().__init__(id=f"row-{row_id}", classes="card-row")
        self.label = label
        self.row_id = row_id

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="card-label")
        yield Static(id=f"value-{self.row_id}", classes="card-value")

    def show(self, lines: list[str]) -> None:
        # A class, not ``display``: the stylesheet also hides some rows by width.
        self.set_class(not lines, "-blank")
        if lines:
            self.query_one(".card-value", Static).update(Content("\n".join(lines)))


class ContactCard(Vertical):
    """One person.  ``show(None, text)`` draws an explanatory empty card."""

    def compose(self) -> ComposeResult:
        with Vertical(id="card-head"):
            yield Static(id="card-name")
            yield Static(id="card-subtitle")
        yield Static(id="card-empty")
        for row_id, label in ROWS:
            yield CardRow(row_id, label)

    def show(self, c: Contact | None, empty_text: str = "") -> None:
        self.set_class(c is None, "-empty")
        self.set_class(c is not None and c.decision == "invite", "-invite")
        self.set_class(c is not None and c.decision == "skip", "-skip")
        empty = self.query_one("#card-empty", Static)
        empty.display = c is None
        name = self.query_one("#card-name", Static)
        subtitle = self.query_one("#card-subtitle", Static)
        if c is None:
            empty.update(Content(empty_text))
            self.query_one("#card-head").display = False
            for row in self.query(CardRow):
                row.show([])
            self.border_subtitle = ""
            return
        self.query_one("#card-head").display = True
        name.update(Content(c.name or "(no name)"))
        sub = words.subtitle(c)
        subtitle.display = bool(sub)
        subtitle.update(Content(sub))
        values: dict[str, list[str]] = {
            "email": words.email_lines(c),
            "phone": words.phone_lines(c),
            "flags": words.flag_phrases(c),
            "notes": c.notes.splitlines() if c.notes.strip() else [],
            "labels": [", ".join(c.labels)] if c.labels else [],
            "tags": [", ".join(c.tags)] if c.tags else [],
            "note": c.note.splitlines() if c.note.strip() else [],
            "from": [words.provenance(c)] if c.sources else [],
            "decision": [words.decision_phrase(c)],
        }
        for row in self.query(CardRow):
            row.show(values[row.row_id])
        self.border_subtitle = words.decision_phrase(c)


class SidePanel(Vertical):
    """Provenance and quick tags, shown beside the card on wide terminals."""

    def compose(self) -> ComposeResult:
        yield Label("From", classes="side-title")
        yield Static(id="side-from")
        yield Label("Quick tags", classes="side-title")
        yield Static(id="side-tags")

    def show(self, c: Contact | None, quick_tags: list[str]) -> None:
        lines = [f"{s.file} line {s.line}" for s in c.sources] if c is not None else []
        self.query_one("#side-from", Static).update(Content("\n".join(lines) or "—"))
        tags = [f"{i}  {t}" for i, t in enumerate(quick_tags[:9], 1)]
        self.query_one("#side-tags", Static).update(
            Content("\n".join(tags) or "none yet (t creates tags)")
        )
