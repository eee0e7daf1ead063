"""The ``review`` use case: config, the deck lock, then the walk-through.

The lock is an OS file lock held for as long as the window is open, so a
second window on the same deck is refused with the holder's PID and a
killed window never blocks the next one.
"""

from __future__ import annotations

from triage.store import Deck, Store


def review(store: Store, deck: Deck, *, order: str) -> int:
    from triage.cli import StateError, UsageError
    from triage.config import ConfigError, load_config
    from triage.lock import DeckLocked

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
        store.prepare_order(deck, order)
        from triage.ui.app import ReviewApp

        app = ReviewApp(store, deck, order=order, config=config)
        app.run()
    finally:
        lock.release()
    return int(app.return_code or 0)
