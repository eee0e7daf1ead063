"""The help screen, built from the live bindings so remapped keys show up
with the keys the user actually set."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

HelpRow = tuple[str, str]


def help_rows(
    app: App[object],
    bindings: Iterable[Binding],
    ids: Iterable[str],
    texts: dict[str, str] | None = None,
) -> list[HelpRow]:
    """(keys, what it does) for every binding id, in the order of ``ids``;
    several keys for one id are joined with ' / '.  ``texts`` overrides the
    binding's own words (the quick tags name their tag)."""
    keys: dict[str, list[str]] = {}
    text: dict[str, str] = {}
    for b in bindings:
        if b.id is None:
            continue
        shown = app.get_key_display(b)
        if shown not in keys.setdefault(b.id, []):
            keys[b.id].append(shown)
        text.setdefault(b.id, b.tooltip or b.description)
    text.update(texts or {})
    return [(" / ".join(keys[i]), text[i]) for i in ids if i in keys]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", tooltip="Back to the cards"),
    ]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _ in self.rows), default=4) + 2
        lines = [f"{keys:<{width}}{what}" for keys, what in self.rows]
        palette = self.app.get_key_display(Binding(self.app.COMMAND_PALETTE_BINDING, ""))
        lines.append(f"{palette:<{width}}Command palette: every action by name")
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(Content("\n".join(lines)), id="help-keys")
                yield Static(
                    Content(
                        "Quick tags 1–9 are the nine tags used most (t adds, removes, "
                        "renames and deletes tags). Every change is saved the moment you "
                        "make it. There is no 'invite all': each person is picked by hand."
                    ),
                    id="help-footnote",
                )
            yield Static("escape close", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
