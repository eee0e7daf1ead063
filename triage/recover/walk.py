"""The recovery deck's walk: keep or withdraw each pending invitation, then
the checklist mode, where ``w`` stamps "withdrawn on DATE" on the card once
the invitation is withdrawn on LinkedIn (journaled: undo takes it back).

Never imports Textual; the window draws what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from triage.ingest.profiles import profile_key
from triage.model import SKIP, Contact, Deck
from triage.recover.pending import name_key
from triage.store import Store
from triage.store.recovery import Match
from triage.walk import Walk, WalkStart, WalkView

DEFAULT_ORDER = "newest"


@dataclass(slots=True, frozen=True)
class CardFacts:
    """What the recovery card shows beyond the contact: the stamp, and the
    people of the address-book decks who are the invitee."""

    withdrawn_at: str
    elsewhere: tuple[Match, ...]


def card_facts(store: Store, c: Contact) -> CardFacts:
    recovery = store.recovery()
    url = profile_key(c.profile_url)
    path = urlsplit("https://" + url).path if url else ""
    wanted = name_key(c.name)
    found = tuple(
        m
        for m in recovery.matches(c.name, path)
        if (url and profile_key(m.profile_url) == url)
        or (name_key(m.name) == wanted and not (url and m.profile_url))
    )
    return CardFacts(recovery.withdrawn_at(c.id), found)


class RecoveryWalk(Walk):
    """:class:`~triage.walk.Walk` with the words of a recovery deck and the
    withdrawn stamp."""

    def __init__(
        self,
        store: Store,
        deck: Deck,
        *,
        order: str = DEFAULT_ORDER,
        start: WalkStart | None = None,
    ) -> None:
        store.prepare_order(deck, order)  # the sent-date ranks, after a build
        super().__init__(store, deck, order=order, kind="recovery", start=start)

    def facts(self, c: Contact) -> CardFacts:
        return card_facts(self.store, c)

    def stamp_withdrawn(self) -> WalkView:
        """Stamp "withdrawn on DATE" on the card shown (marked withdraw) and
        go to the next card of the filter; on a stamped card, clear it."""
        c = self.contact
        if c is None:
            return self._say()
        if c.decision != SKIP:
            return self._say(
                "Mark this invitation withdraw (s) before stamping it withdrawn.", warning=True
            )
        recovery = self.store.recovery()
        on = not recovery.withdrawn_at(c.id)
        at = recovery.set_withdrawn(c.id, on)
        self._changed()
        who = c.name or "(no name)"
        if not on:
            return self._show(message=f"{who}: the withdrawn stamp is cleared.")
        message = f"{who}: withdrawn on {at[:10]}. LinkedIn allows a new invitation in 3 weeks."
        deck_id = self.deck.id
        nxt = self.store.walk_step(deck_id, self.order, self.filter, c.id, +1)
        if nxt is None:
            return self._show(message=message + " That was the last card of this filter.")
        with self.store.transaction():
            self.store.set_cursor(deck_id, nxt)
        self._current = nxt
        return self._show(message=message)
