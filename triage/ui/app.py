"""ReviewApp: the Textual application around the walk-through screen.

It applies the user's keymap and theme, hosts the command palette entries
and opens the export dialog; the cards themselves live in
:mod:`triage.ui.review_screen`.
"""

from __future__ import annotations

import gc
import os
import sqlite3
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import Notify
from textual.screen import Screen

from triage.config import Config
from triage.model import Deck
from triage.store import Store
from triage.ui.keys import SKIP_ALL
from triage.ui.review_screen import ReviewScreen
from triage.ui.settings import settle
from triage.ui.start import StartLookup
from triage.ui.typeahead import TypeAhead
from triage.vocab import orders_for

# The dialogs' and the summary's styles: not parsed before the first card.
DIALOGS_CSS = Path(__file__).with_name("dialogs.tcss")

# (title, help, action on the review screen) for the command palette.
PALETTE: tuple[tuple[str, str, str], ...] = (
    ("Invite", "Invite this person and go to the next undecided card", "invite"),
    ("Skip", "Skip this person and go to the next undecided card", "skip"),
    (
        SKIP_ALL,
        "Asks first, with the count; decided cards stay as they are; u undoes it",
        "skip_all",
    ),
    ("Next card", "Go to the next card without deciding", "next"),
    ("Previous card", "Go back one card", "previous"),
    ("Undo", "Undo the last change", "undo"),
    ("Tag", "Add or remove a tag on this card", "tag"),
    ("Note", "Write the personal invitation note", "note"),
    ("Open profile", "Open the profile in the browser (or mail the person)", "open"),
    ("Copy email", "Copy the primary email address", "copy"),
    ("Search", "Find a card by name, email or organisation", "search"),
    ("Filter", "Show only undecided, invited, skipped, a tag or a flag", "filter"),
    ("Go to card", "Jump to card number N", "goto"),
    ("Help", "Show every key", "help"),
)


class ReviewApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "triage"
    # From 120 columns the provenance moves to a side panel beside the card.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    # Under 20 lines the dialogs close up: one-line buttons, no blank lines.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]  # noqa: RUF012

    def __init__(
        self,
        store: Store,
        deck: Deck,
        *,
        order: str = "event",
        config: Config | None = None,
        cursor_blink: bool = True,
        start: StartLookup | None = None,
        resume_gc: bool = False,
        meet: int | None = None,
    ) -> None:
        """``start``: the first card, being looked up already (see
        :mod:`triage.ui.start`); looked up when the screen mounts otherwise.
        ``resume_gc``: the garbage collector was paused for the start-up
        (``triage.review``) and is to resume after the first paint."""
        super().__init__()
        self.store = store
        self.deck = deck
        self.order = order
        self.config = config or Config()
        self.cursor_blink = cursor_blink
        self._start = start
        self._resume_gc = resume_gc
        self.meet = meet
        self._cards: ReviewScreen | None = None  # the walk-through's screen, once made
        self.sub_title = deck.name
        self._clashes_reported = False
        # A damaged database found while the window is open: the window
        # closes and the command reports it in one line (exit 3).
        self.database_error: sqlite3.DatabaseError | None = None
        self._typeahead = TypeAhead(self)

    def _handle_exception(self, error: Exception) -> None:
        """Damage in the database is a state problem, not a crash: close the
        window without Textual's traceback and let ``review`` report it."""
        if isinstance(error, sqlite3.DatabaseError) and not isinstance(
            error, sqlite3.ProgrammingError
        ):
            self.database_error = error
            self.exit(return_code=3)
            return
        super()._handle_exception(error)

    def get_default_screen(self) -> Screen[Any]:
        start, self._start = self._start, None
        screen = ReviewScreen
        if self.deck.kind == "recovery":
            from triage.ui.recover_card import RecoveryScreen

            screen = RecoveryScreen
        self._cards = screen(
            self.store, self.deck, order=self.order, config=self.config, start=start, meet=self.meet
        )
        return self._cards

    def session_line(self) -> str:
        """The session in one line, for the terminal once the window closed
        ('' when no card was shown)."""
        session = self._cards.session if self._cards is not None else None
        return session.line() if session is not None else ""

    def on_ready(self) -> None:
        """The first card is on screen: if ``review`` paused the garbage
        collector for the start-up, what the start-up built (it lives as long
        as the window) is frozen out of its sight and collecting resumes; the
        card takes the focus."""
        if self._resume_gc:
            self._resume_gc = False
            gc.freeze()
            gc.enable()
        if self._cards is not None:
            self._cards.first_painted()
        self._dialog_styles()

    def _dialog_styles(self) -> None:
        """Add the dialogs' stylesheet (parsed when next needed, on its own:
        the sources parsed already are kept)."""
        if not self.stylesheet.has_source(os.path.abspath(DIALOGS_CSS), ""):
            self.stylesheet.read(DIALOGS_CSS)

    def _load_screen_css(self, screen: Screen[Any]) -> None:
        # A dialog opened before the first card was painted (keys typed
        # during the start-up) finds its styles too.
        if not isinstance(screen, ReviewScreen):
            self._dialog_styles()
        super()._load_screen_css(screen)

    async def on_event(self, event: events.Event) -> None:
        # Keys typed while a dialog opens go into it (triage.ui.typeahead).
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and await self._typeahead.arrived(event)
        ):
            return
        await super().on_event(event)

    async def on_key(self, event: events.Key) -> None:
        await self._typeahead.came_back(event)

    def on_notify(self, event: Notify) -> None:
        """One notice at a time, everywhere: a new one replaces the one shown,
        and the same notice again while it still shows is not repeated (a
        held key would otherwise stack copies over the header and the card)."""
        new = event.notification
        showing = [n for n in self._notifications if not n.has_expired]
        if any(n.message == new.message and n.severity == new.severity for n in showing):
            event.prevent_default()
            return
        if showing:
            self._notifications.clear()  # Textual's handler adds the new one and redraws

    def on_mount(self) -> None:
        self._typeahead.watch_screens()
        # `triage review` said these on stderr already (and settled the
        # config); a config handed over unsettled is settled here.
        for warning in settle(self.config):
            self.notify(warning, severity="warning", markup=False)
        self.theme = self.config.theme
        self.set_keymap(self.config.keymap)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: object) -> None:
        if self._clashes_reported:
            return
        self._clashes_reported = True
        names = ", ".join(sorted({b.id or b.action for b in clashed_bindings}))
        self.notify(
            f"The keymap in the config gives one key to several actions ({names}).",
            severity="warning",
            markup=False,
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, ReviewScreen):
            return
        for title, text, action in getattr(screen, "PALETTE", PALETTE):
            yield SystemCommand(title, text, partial(screen.run_action, action))
        if self.deck.kind != "recovery":
            yield SystemCommand("Export", "Export the people you invited", self.action_export)
        for order in orders_for(self.deck.kind):
            yield SystemCommand(
                f"Walk order: {order}",
                f"Walk the cards in {order} order",
                partial(screen.set_order, order),
            )

    def action_export(self) -> None:
        """Open the export dialog; it confirms, writes and notifies by itself."""
        if self.deck.kind == "recovery":  # nobody of a recovery deck is to be invited
            from triage.ui.recover_card import CHECKLIST_HINT

            self.notify(CHECKLIST_HINT, markup=False)
            return
        # Imported here: the dialog and its writers cost start-up time.
        from triage.ui.export_screen import ExportScreen

        self.push_screen(
            ExportScreen(self.store.path.parent, self.deck, self.config), self._exported
        )

    def _exported(self, written: str | None) -> None:
        """A summary under the dialog shows the new to-export count."""
        from triage.ui.summary import SummaryScreen

        if written and isinstance(self.screen, SummaryScreen):
            self.screen.show_status(self.store.status(self.deck))
