"""Keys typed ahead of a dialog go into the dialog.

Textual hands a key to the widget focused when the key arrives, and checks
the bindings only when the key comes back up to the app unhandled.  Typed in
one burst (``/anna``, ``g5`` enter), the keys after ``/`` were all handed to
the card before ``/`` had opened the search; they came back up to an app
whose screen was now the search, were bound to nothing there, and were lost.
The keys that arrived while the dialog was still mounting went to the dialog
screen itself rather than to its field, and were lost too.

:class:`TypeAhead` keeps both kinds in order:

* from the moment a screen is pushed until it is mounted and its field
  focused, arriving keys are held, then handed on in the order typed;
* after a key that may close the dialog (enter, escape, its own keys), the
  keys typed after it wait until it has closed, then go to the screen below;
* a key that comes back up after the screen it was handed to stopped being
  the active one is handed again, to the screen now active.
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import Any

from textual import events
from textual.app import App
from textual.screen import Screen

# At the latest, held keys are handed on after this long (a screen that
# never finishes mounting must not swallow the keyboard).
HOLD_AT_MOST = 1.0
# After a key that may close a dialog, the keys typed after it wait for the
# dialog to close, at most this long (enter on a number out of range does not).
SETTLE = 0.3
# Keys handed on and not yet back up: only the latest few can come back.
REMEMBERED = 64


class TypeAhead:
    """Used by the app: :meth:`arrived` for every key from the terminal,
    :meth:`came_back` for every key that bubbled up unhandled."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._held: list[events.Key] | None = None
        self._hold = 0  # which hold is on: a late release of an old one is ignored
        self._sent: deque[tuple[events.Key, Screen[Any]]] = deque(maxlen=REMEMBERED)

    def watch_screens(self) -> None:
        """Start holding whenever a screen that is not mounted yet is pushed."""
        self.app.screen_change_signal.subscribe(self.app, self._screen_changed, immediate=True)

    @property
    def holding(self) -> bool:
        return self._held is not None

    def _screen_changed(self, screen: Screen[Any]) -> None:
        if screen.is_mounted:
            # Back on a screen that is open already (a dialog closed): what
            # was held while it closed goes to it.
            if self._held is not None:
                self.app.call_later(self._release, self._hold)
            return
        if self._held is None:
            self._held = []
        hold = self._new_hold(HOLD_AT_MOST)
        # Runs once the screen has composed and mounted (its on_mount focuses
        # the field, through the app's queue); the release is queued after that.
        screen.call_later(self.app.call_later, self._release, hold)

    def _new_hold(self, at_most: float) -> int:
        self._hold += 1
        hold = self._hold
        self.app.set_timer(at_most, partial(self._release, hold))
        return hold

    async def _release(self, hold: int) -> None:
        if hold != self._hold or self._held is None:
            return
        held, self._held = self._held, None
        while held:
            key = held.pop(0)
            await self._hand_on(key)
            if held and self._may_close(key):
                # The rest waits until the dialog has closed (or did not).
                self._held = held
                self._new_hold(SETTLE)
                return

    def _may_close(self, key: events.Key) -> bool:
        """Enter, escape and the screen's own keys may close it: the keys
        typed after them belong to the screen underneath."""
        return not key.is_printable or key.key in self.app.screen.active_bindings

    async def arrived(self, event: events.Key) -> bool:
        """A key from the terminal: True when it is held (nothing more to do)."""
        if self._held is not None:
            self._held.append(event)
            return True
        self._sent.append((event, self.app.screen))
        return False

    async def came_back(self, event: events.Key) -> bool:
        """A key that bubbled up to the app unhandled: True when it was handed
        again, to the screen opened since it was typed (its bindings are then
        not to be checked)."""
        sent_to = None
        for i, (key, screen) in enumerate(self._sent):
            if key is event:
                sent_to = screen
                del self._sent[i]
                break
        if sent_to is None or sent_to is self.app.screen:
            return False
        event.stop()
        event.prevent_default()
        again = events.Key(event.key, event.character)
        if self._held is not None:
            self._held.append(again)
        else:
            await self._hand_on(again)
        return True

    async def _hand_on(self, key: events.Key) -> None:
        """As the app does with a key from the terminal."""
        self._sent.append((key, self.app.screen))
        await App.on_event(self.app, key)
