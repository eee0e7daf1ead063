"""The ``review`` use case: config, the deck lock, then the walk-through.

The lock is an OS file lock held for as long as the window is open, so a
second window on the same deck is refused with the holder's PID and a
killed window never blocks the next one.  Textual is imported only once the
deck is locked, while the first card is looked up (``triage.ui.start``).

Start-up (Textual's import, the widgets) allocates hundreds of thousands of
objects that live as long as the window, so the cyclic garbage collector is
paused until the first card has been painted: its passes over them would only
delay that card.  ``ReviewApp.on_ready`` then freezes them (``gc.freeze``) and
resumes collecting, so the collections during the walk scan only what the
walk allocates.
"""

from __future__ import annotations

import gc
import os
import sys

from triage.model import Deck
from triage.store import Store


def review(store: Store, deck: Deck, *, order: str, meet: int | None = None) -> int:
    """``meet``: the session ends with the summary after that many decisions.
    Once the window has closed, the session is said in one line."""
    from triage.cli.errors import StateError, UsageError
    from triage.config import ConfigError, load_config
    from triage.store.lock import DeckLocked

    try:
        config = load_config()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    lock = store.lock(deck)
    try:
        lock.acquire(deck.name)
    except DeckLocked as exc:
        raise StateError(str(exc)) from None
    try:
        if not _reads_a_terminal() and not _served():
            # Textual would draw, then spin on the closed input for ever.
            raise UsageError(
                "review needs a terminal: its standard input is a file, a pipe or closed"
                " (use `triage status` or `triage export` in scripts)"
            )
        if deck.kind == "address_book":
            # Who is connected, pending or locked, as every deck now says.
            from triage.store.network import ensure_current

            ensure_current(store, config.relock_days)
        store.prepare_order(deck, order)
        # The first card is looked up on a thread while Textual is imported;
        # the store is left to that thread until the screen (or the finally
        # below) has waited for it.
        from triage.ui.start import StartLookup

        start = StartLookup(store, deck, order)
        collecting = gc.isenabled()
        gc.disable()  # until the first paint (ReviewApp.on_ready)
        try:
            from triage.ui.app import ReviewApp
            from triage.ui.settings import settle

            # What the config says that cannot apply, before the window opens.
            for warning in config.warnings + settle(config):
                print(f"triage: warning: {warning}", file=sys.stderr)
            app = ReviewApp(
                store,
                deck,
                order=order,
                config=config,
                start=start,
                resume_gc=collecting,
                meet=meet,
            )
            app.run()
        finally:
            start.wait()
            if collecting:
                gc.enable()
    finally:
        lock.release()
    if app.database_error is not None:
        from triage.store.files import describe_db_error

        raise StateError(describe_db_error(store.path, app.database_error))
    line = app.session_line()
    if line:
        print(line)
    return int(app.return_code or 0)


def _served() -> bool:
    """``triage serve`` runs this command behind Textual's web driver, whose
    input is the server's pipe: the one case without a terminal that works."""
    driver = os.environ.get("TEXTUAL_DRIVER", "")
    return os.environ.get("TRIAGE_SERVED") == "1" and driver.startswith(
        "textual.drivers.web_driver:"
    )


def _reads_a_terminal() -> bool:
    stdin = sys.__stdin__
    try:
        return stdin is not None and stdin.isatty()
    except ValueError:  # closed
        return False
