"""The walk-through without a screen: one card at a time over a deck.

:class:`Walk` owns the cursor, the order, the filter and the card's place in
the walk; every call that changes something (a decision, a tag, a note, an
undo, a move) is committed by the store before it returns, then answered
with a :class:`WalkView`, an immutable account of what to draw.  The window
only turns keys into calls and draws the views; tests drive the same walk
without a window.

It is built to stay instant on 100,000 contacts:

* only the card on screen is read (``Store.contact``); the card after it in
  the unfiltered walk is read by :meth:`Walk.prefetch` once the card is on
  screen, so a decision shows the next card without reading the store;
* the card's place follows from the previous card's when stepping or
  deciding; ``Store.walk_index`` (a COUNT that grows with the place) runs
  only when it cannot;
* counts by decision come from the store's cache, the totals of tag and flag
  filters are counted once and kept until a tag changes;
* the write-ahead log is copied into the database every
  :data:`CHECKPOINT_EVERY` cards (:meth:`Walk.checkpoint`), while a card is
  read rather than inside a decision's commit.

This module never imports Textual.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from triage.model import (
    ALL,
    BLOCKED,
    INVITE,
    SKIP,
    UNDECIDED,
    UPLOAD_WALK,
    UPLOADABLE,
    Change,
    Contact,
    Counts,
    Deck,
    DeckStatus,
    WalkFilter,
    upload_blockers,
)
from triage.store import Store
from triage.vocab import (
    DECIDED_WORDS,
    DECISION_VERBS,
    DECK_KINDS,
    FLAG_LABELS,
    command,
    filter_label,
    order_label,
)

# Cards shown between two checkpoints of the write-ahead log (each card follows
# at most one change, a decision writing about six pages).
CHECKPOINT_EVERY = 32
SKIP_FILTER = WalkFilter(SKIP)
SEARCH_LIMIT = 50

# Why a bulk skip is refused: the whole deck (or the whole walk) skipped at
# once would be an "accept all" in reverse; in a recovery deck skip means
# withdraw, which LinkedIn answers by refusing a new invitation for weeks.
BULK_NO_FILTER = "Choose a filter first (f): bulk skip works on a filter."
BULK_RECOVERY = (
    "A recovery deck has no bulk withdraw: decide each invitation on its own (s),"
    " as a withdrawn person cannot be invited again for up to three weeks."
)


def bulk_criterion(flt: WalkFilter) -> bool:
    """Whether ``flt`` names some people (a flag, a tag, a source file, or
    the people an upload cannot invite), not the deck or the walk of
    everyone an upload can invite."""
    return bool(flt.tags or flt.flags or flt.sources or flt.reach == BLOCKED)


@dataclass(frozen=True, slots=True)
class WalkView:
    """What to draw after a walk call.

    ``index`` is the card's 0-based place among the ``total`` cards of the
    filter (None when there is no card or it is outside the filter);
    ``revision`` grows each time the card is (re)read, so a view with the
    revision of the one before only brings a ``message``.  ``summary``: the
    last undecided card is decided, the summary is to open.
    ``cannot_upload``: how many people of the deck an upload cannot invite
    (no usable email, already connected or invited), the ones the default
    walk leaves out (0 in a recovery deck).
    """

    deck: str
    kind: str
    contact: Contact | None
    index: int | None
    total: int
    counts: Counts
    filter: WalkFilter
    order: str
    tags: tuple[str, ...]
    can_undo: bool
    revision: int
    message: str = ""
    warning: bool = False
    summary: bool = False
    can_redo: bool = False
    cannot_upload: int = 0

    @property
    def outside(self) -> bool:
        """The card shown is not one of the filter's (reached by undo)."""
        return self.contact is not None and self.index is None

    @property
    def position(self) -> str:
        """``card 3 of 120``; ``card – of 120`` with no card or outside the filter."""
        if self.index is not None:
            return f"card {self.index + 1:,} of {self.total:,}"
        if self.contact is not None:
            return f"card – of {self.total:,} (this one is outside the filter)"
        return f"card – of {self.total:,}"

    @property
    def filter_label(self) -> str:
        return filter_label(self.filter, self.kind)

    @property
    def walk_label(self) -> str:
        return f"filter: {self.filter_label}{self.outside_note} · order: {self.order}"

    @property
    def outside_note(self) -> str:
        """`` · 107 outside (f)`` when the walk leaves out people an upload
        cannot invite: they are one filter away."""
        if self.filter.reach != UPLOADABLE or not self.cannot_upload:
            return ""
        return f" · {self.cannot_upload:,} outside (f)"

    @property
    def empty_text(self) -> str:
        """What the card area says when there is no card."""
        if self.counts.contacts == 0:
            return (
                f"Deck '{self.deck}' has no contacts yet. Import some with:\n"
                f"  {command('import', 'FILE', '--deck', self.deck)}"
            )
        if self.filter.reach == UPLOADABLE and self.counts.contacts == self.cannot_upload:
            return (
                f"Nobody in deck '{self.deck}' can be invited by an upload (no usable email,"
                f" already connected or invited). Press f to walk the {self.cannot_upload:,}"
                " others."
            )
        return f"No card matches the filter '{self.filter_label}'. Press f."

    def verb(self, decision: str) -> str:
        """How this deck kind words a decision key: ``invite`` or ``keep``."""
        return DECISION_VERBS[self.kind][decision]


def default_filter(kind: str) -> WalkFilter:
    """Where a walk starts: in an address book, the people an upload can
    invite (the others are one filter away); a recovery deck, everyone."""
    return UPLOAD_WALK if kind == DECK_KINDS[0] else ALL


@dataclass(slots=True)
class WalkStart:
    """Where a walk resumes: the card (None: the deck is empty), its place in
    the walk of ``filter``, and what the first view needs."""

    contact: Contact | None
    index: int | None
    can_undo: bool
    tags: list[str] = field(default_factory=list)
    can_redo: bool = False
    filter: WalkFilter = ALL


def find_start(store: Store, deck: Deck, order: str, flt: WalkFilter | None = None) -> WalkStart:
    """The card the cursor points at, else the first undecided card of the
    walk, else its first card; the counts are cached by the store on the
    way.  ``flt``: the walk to start (the deck kind's default); when it holds
    nobody, the walk of everyone."""
    deck_id = deck.id
    if flt is None:
        flt = default_filter(deck.kind)
    if flt != ALL and store.walk_count(deck_id, flt) == 0:
        flt = ALL
    contact: Contact | None = None
    cursor = store.cursor(deck_id)
    if cursor is not None:
        try:
            found = store.contact(cursor)
        except KeyError:
            pass
        else:
            if found.deck_id == deck_id:
                contact = found
    if contact is None:
        first = store.next_undecided(deck_id, order, None, flt)
        if first is None:
            first = store.walk_first(deck_id, order, flt)
        contact = store.contact(first) if first is not None else None
    index = None
    if contact is not None and flt.matches(contact):
        index = store.walk_index(deck_id, order, flt, contact.id)
    store.counts(deck_id)  # cached by the store: every view reads it
    return WalkStart(
        contact,
        index,
        store.can_undo(deck_id),
        store.quick_tags(deck_id),
        store.can_redo(deck_id),
        flt,
    )


class Walk:
    """The walk-through of one deck.  Not thread-safe (neither is the store)."""

    def __init__(
        self,
        store: Store,
        deck: Deck,
        *,
        order: str = "event",
        kind: str = DECK_KINDS[0],
        start: WalkStart | None = None,
    ) -> None:
        """``start``: where to resume, when it was looked up already
        (:func:`find_start`, which runs otherwise)."""
        if kind not in DECK_KINDS:
            raise ValueError(f"unknown deck kind {kind}")
        self.store = store
        self.deck = deck
        self.kind = kind
        self._order = order
        if start is None:
            start = find_start(store, deck, order, default_filter(kind))
        self._filter: WalkFilter = start.filter
        self._current: int | None = start.contact.id if start.contact is not None else None
        self._contact: Contact | None = start.contact
        self._can_undo = start.can_undo
        self._can_redo = start.can_redo
        self._tags = tuple(start.tags)
        # The current card's place when known without a COUNT, and the totals
        # of tag/flag filters (COUNT queries, slow on big decks).
        self._index: int | None = None
        self._totals: dict[WalkFilter, int] = {}
        # The card after the current one in the unfiltered walk, once read by
        # prefetch(): (current card, order, next card's id, next card).
        self._next: tuple[int, str, WalkFilter, int | None, Contact | None] | None = None
        self._revision = 0
        self._checkpointed = 0
        store.changed_elsewhere()  # from now on, an import elsewhere is noticed
        self._view = self._show(start.index, contact=start.contact)

    # -- what is shown ---------------------------------------------------------

    @property
    def view(self) -> WalkView:
        return self._view

    @property
    def contact(self) -> Contact | None:
        return self._contact

    @property
    def current_id(self) -> int | None:
        return self._current

    @property
    def filter(self) -> WalkFilter:
        return self._filter

    @property
    def order(self) -> str:
        return self._order

    def total(self, flt: WalkFilter | None = None) -> int:
        """How many cards a filter holds (the current one by default)."""
        flt = self._filter if flt is None else flt
        if flt.counted or flt.reach_only:
            return self.store.walk_count(self.deck.id, flt)  # O(1): cached counts
        if flt not in self._totals:
            self._totals[flt] = self.store.walk_count(self.deck.id, flt)
        return self._totals[flt]

    def status(self) -> DeckStatus:
        """Counts by decision, tag, flag and source (summary, filter chooser)."""
        return self.store.status(self.deck)

    def cannot_upload(self) -> int:
        """How many people an upload cannot invite (0 in a recovery deck)."""
        if self.kind != DECK_KINDS[0]:
            return 0
        return self.store.blocked(self.deck.id)

    def search(self, text: str, limit: int = SEARCH_LIMIT) -> list[Contact]:
        """Cards whose name, organisation, title or email contain ``text``
        (case and accents aside)."""
        return self.store.search(self.deck.id, text, limit)

    def refresh(self) -> bool:
        """Notice what another process committed (an import while the window
        is open): the counts, totals and tags are read again, and the walk
        sees the new people from the next card on.  Cheap (``PRAGMA
        data_version``): called before every move."""
        store = self.store
        if not store.changed_elsewhere():
            return False
        store.forget_counts()
        if self._order != "event":  # the new people get their places in it
            store.prepare_order(self.deck, self._order)
        self._totals.clear()
        self._next = None
        self._index = None
        self._tags = tuple(store.quick_tags(self.deck.id))
        self._can_undo = store.can_undo(self.deck.id)
        self._can_redo = store.can_redo(self.deck.id)
        return True

    def _show(
        self,
        index: int | None = None,
        *,
        contact: Contact | None = None,
        message: str = "",
        warning: bool = False,
        summary: bool = False,
    ) -> WalkView:
        """A view of the current card.  ``index`` is its place in the walk and
        ``contact`` the card itself when the caller has them already."""
        store, deck_id = self.store, self.deck.id
        c = contact
        if c is None and self._current is not None:
            c = store.contact(self._current)
        self._contact = c
        if c is not None and self._filter.matches(c):
            if index is None:
                index = store.walk_index(deck_id, self._order, self._filter, c.id)
        else:
            index = None
        self._index = index
        self._next = None
        self._revision += 1
        self._view = WalkView(
            deck=self.deck.name,
            kind=self.kind,
            contact=c,
            index=index,
            total=self.total(),
            counts=store.counts(deck_id),
            filter=self._filter,
            order=self._order,
            tags=self._tags,
            can_undo=self._can_undo,
            revision=self._revision,
            message=message,
            warning=warning,
            summary=summary,
            can_redo=self._can_redo,
            cannot_upload=self.cannot_upload(),
        )
        return self._view

    def _say(self, message: str = "", *, warning: bool = False) -> WalkView:
        """The view as it is, with a message (or none: nothing happened)."""
        self._view = dataclasses.replace(
            self._view,
            message=message,
            warning=warning,
            summary=False,
            can_undo=self._can_undo,
            can_redo=self._can_redo,
        )
        return self._view

    def _go(self, contact_id: int, index: int | None = None, *, message: str = "") -> WalkView:
        """Show a card and remember it as the place to resume."""
        with self.store.transaction():
            self.store.set_cursor(self.deck.id, contact_id)
        self._current = contact_id
        return self._show(index, message=message)

    # -- the quiet moments between keys ------------------------------------------

    def prefetch(self, contact_id: int) -> None:
        """Read the card after ``contact_id`` in the walk (of everyone, or of
        the people an upload can invite) if it is still the one shown: call
        it once the card is on screen."""
        c = self._contact
        if c is None or c.id != contact_id or not self._filter.reach_only or self._next:
            return
        step = self.store.walk_step(self.deck.id, self._order, self._filter, contact_id, +1)
        following = self.store.contact(step) if step is not None else None
        self._next = (contact_id, self._order, self._filter, step, following)

    @property
    def needs_checkpoint(self) -> bool:
        return self._revision - self._checkpointed >= CHECKPOINT_EVERY

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database now, while the card is
        read.  Left to SQLite, the copy (every 1,000 pages: about 160
        decisions) runs inside a commit, so inside a key press: 5-10 ms.
        Durability does not depend on it: every change is in the log."""
        self._checkpointed = self._revision
        self.store.checkpoint()

    # -- deciding --------------------------------------------------------------

    def decide(self, decision: str) -> WalkView:
        """Record ``invite`` or ``skip`` on the card shown, then show the next
        card: the next undecided one in a walk of everyone (or of the people
        an upload can invite), the next of the filter otherwise.  Inviting
        someone an upload cannot carry is recorded, with a warning."""
        if decision not in (INVITE, SKIP):
            raise ValueError(f"not a decision to make: {decision}")
        self.refresh()
        c = self._contact
        if c is None:
            return self._say()
        store, deck_id = self.store, self.deck.id
        nxt, index, following = self._after(c, decision)
        before = c.decision
        if before != decision:
            store.decide(c.id, decision, cursor_id=c.id if nxt is None else nxt)
            self._changed()
            # Totals counted for filters of decisions and more are out of date.
            self._totals = {f: n for f, n in self._totals.items() if not f.decisions}
        elif nxt is not None:
            with store.transaction():
                store.set_cursor(deck_id, nxt)
        warning = self._upload_warning(c) if decision == INVITE else ""
        if store.counts(deck_id).undecided == 0 and (before == UNDECIDED or nxt is None):
            return self._show(summary=True, message=warning, warning=bool(warning))
        if nxt is None:
            label = filter_label(self._filter, self.kind)
            if self._filter.reach_only and before == UNDECIDED:
                done = f"Everyone in '{label}' is decided."
                if self._filter.reach == UPLOADABLE:
                    done += f" {self.cannot_upload():,} others are one filter away (f)."
                return self._show(
                    summary=not warning,
                    message=" ".join(filter(None, (warning, done))),
                    warning=bool(warning),
                )
            return self._show(
                message=" ".join(filter(None, (warning, f"That was the last card in '{label}'.")))
                + " Press f to change the filter.",
                warning=bool(warning),
            )
        self._current = nxt
        return self._show(index, contact=following, message=warning, warning=bool(warning))

    def _upload_warning(self, c: Contact) -> str:
        """What to say when ``c`` is invited but a LinkedIn upload cannot
        carry them (the decision stands: the person decides)."""
        if self.kind != DECK_KINDS[0]:
            return ""
        blockers = upload_blockers(c)
        if not blockers:
            return ""
        who = c.name or "(no name)"
        why = ", ".join(FLAG_LABELS[f] for f in blockers)
        return f"Invited {who}, but a LinkedIn upload cannot carry them ({why})."

    def _after(self, c: Contact, decision: str) -> tuple[int | None, int | None, Contact | None]:
        """The card to show after deciding about ``c``, its place in the walk
        when that follows without a COUNT, and the card itself when it had
        to be read to find it."""
        store, deck_id, flt, order = self.store, self.deck.id, self._filter, self._order
        if flt.reach_only:
            # Usually the very next card, read anyway to be shown (most often
            # already, by prefetch): its place follows from this one's.
            known = self._next
            if known is not None and known[:3] == (c.id, order, flt):
                step, following = known[3], known[4]
            else:
                step = store.walk_step(deck_id, order, flt, c.id, +1)
                following = store.contact(step) if step is not None else None
            if step is not None and following is not None and following.decision == UNDECIDED:
                return step, None if self._index is None else self._index + 1, following
            return store.next_undecided(deck_id, order, c.id, flt), None, None
        nxt = store.walk_step(deck_id, order, flt, c.id, +1)
        if nxt is None and flt.decisions == {UNDECIDED}:
            # The cards still to decide: past the end, back to the first.
            first = store.walk_first(deck_id, order, flt)
            return (None, None, None) if first == c.id else (first, 0, None)
        if self._index is None or nxt is None:
            return nxt, None, None
        # A card the decision takes out of the filter leaves its place to
        # the next one.
        leaves = not flt.matches(dataclasses.replace(c, decision=decision))
        return nxt, self._index if leaves else self._index + 1, None

    def _changed(self) -> None:
        """A change was made: it can be undone, and what was undone before
        it can no longer be redone (the store's journal forgets it too)."""
        self._can_undo = True
        self._can_redo = False

    def second_pass(self) -> WalkView:
        """Walk the skipped people again."""
        self.refresh()
        first = self.store.walk_first(self.deck.id, self._order, SKIP_FILTER)
        if first is None:
            return self._say("Nobody was skipped, so there is no second pass to make.")
        self._filter = SKIP_FILTER
        return self._go(first, 0, message="Second pass: only the people you skipped.")

    # -- skipping a filter's undecided cards at once --------------------------------

    def bulk_skip_refusal(self) -> str:
        """Why the undecided cards of this walk cannot be skipped at once
        ('' when they can): only a filter naming some people qualifies, and
        never in a recovery deck."""
        if self.kind != DECK_KINDS[0]:
            return BULK_RECOVERY
        if not bulk_criterion(self._filter):
            return BULK_NO_FILTER
        return ""

    def bulk_skip_count(self) -> int:
        """How many undecided cards of the filter :meth:`bulk_skip` would skip
        (0 when it is refused)."""
        if self.bulk_skip_refusal():
            return 0
        return self.store.bulk().count(self.deck.id, self._filter)

    def bulk_skip(self) -> WalkView:
        """Skip every undecided card of the filter, in one transaction and
        one journal entry (``u`` undoes it in one step).  A decided card
        stays as it is; nothing is ever invited.  The walk stays on the card
        shown while the filter holds it, else goes to the filter's next card;
        a filter left empty (it held only undecided cards) gives way to the
        deck kind's default walk, at its next undecided card."""
        self.refresh()
        refusal = self.bulk_skip_refusal()
        if refusal:
            return self._say(refusal, warning=True)
        c = self._contact
        label = filter_label(self._filter, self.kind)
        if c is None:
            return self._say(f"No undecided card in '{label}': nothing to skip.")
        store, deck_id = self.store, self.deck.id
        done = store.bulk().skip(deck_id, self._filter, label, c.id)
        if not done.cards:
            return self._say(f"No undecided card in '{label}': nothing to skip.")
        self._changed()
        self._totals.clear()
        self._next = None
        cards = f"{done.cards:,} undecided {'card' if done.cards == 1 else 'cards'}"
        message = f"Skipped {cards} of '{label}'. Press u to undo it in one step."
        summary = store.counts(deck_id).undecided == 0
        c = store.contact(c.id)
        if self._filter.matches(c):
            return self._show(contact=c, message=message, summary=summary)
        order = self._order
        nxt = store.walk_step(deck_id, order, self._filter, c.id, +1)
        if nxt is None:
            nxt = store.walk_first(deck_id, order, self._filter)
        if nxt is None:
            # The filter held only undecided cards: it is empty now.
            self._filter = default_filter(self.kind)
            if store.walk_count(deck_id, self._filter) == 0:
                self._filter = ALL
            nxt = store.next_undecided(deck_id, order, c.id, self._filter)
            if nxt is None:
                nxt = store.walk_first(deck_id, order, self._filter) or c.id
            message += f" Back to the walk of '{filter_label(self._filter, self.kind)}'."
        with store.transaction():
            store.set_cursor(deck_id, nxt)
        self._current = nxt
        return self._show(message=message, summary=summary)

    # -- moving ----------------------------------------------------------------

    def step(self, direction: int) -> WalkView:
        """The next (+1) or previous (-1) card of the filter."""
        self.refresh()
        found = self.store.walk_step(
            self.deck.id, self._order, self._filter, self._current, direction
        )
        if found is None:
            if self._filter != ALL and self.total() == 0:
                return self._say(
                    f"No card is in the filter '{filter_label(self._filter, self.kind)}'."
                    " Press f to change it."
                )
            return self._say(
                "This is the last card." if direction > 0 else "This is the first card."
            )
        return self._go(found, None if self._index is None else self._index + direction)

    def jump(self, contact_id: int) -> WalkView:
        """Go to a card found by search, clearing a filter it is not in."""
        self.refresh()
        c = self.store.contact(contact_id)
        message = ""
        if not self._filter.matches(c):
            self._filter = ALL
            message = "Filter cleared to show that card."
        with self.store.transaction():
            self.store.set_cursor(self.deck.id, contact_id)
        self._current = contact_id
        return self._show(contact=c, message=message)

    def goto(self, number: int) -> WalkView:
        """Go to card ``number`` (from 1) of the filter."""
        self.refresh()
        total = self.total()
        if total == 0:
            return self._say("No cards to go to in this filter.")
        if not 1 <= number <= total:
            return self._say(f"There is no card {number:,}: this filter holds {total:,}.")
        found = self.store.walk_nth(self.deck.id, self._order, self._filter, number - 1)
        if found is None:
            return self._say(f"There is no card {number:,}.")
        return self._go(found, number - 1)

    def apply_filter(self, flt: WalkFilter) -> WalkView:
        """Walk only the cards of ``flt``, staying on the card shown when it is
        one of them.  A filter with no card is refused."""
        self.refresh()
        if self.total(flt) == 0:
            return self._say(f"No card matches '{filter_label(flt, self.kind)}'.", warning=True)
        self._filter = flt
        c = self._contact
        if c is not None and flt.matches(c):
            return self._show()
        deck_id, order = self.deck.id, self._order
        found = self.store.walk_step(deck_id, order, flt, self._current, +1)
        if found is None:
            found = self.store.walk_first(deck_id, order, flt)
        if found is None:  # emptied since it was counted
            return self._show()
        return self._go(found)

    def set_order(self, order: str) -> WalkView:
        self.store.prepare_order(self.deck, order)
        self._order = order
        return self._show(message=f"Walk order: {order_label(order)}")

    # -- changing ----------------------------------------------------------------

    def undo(self) -> WalkView:
        """Revert the latest change (of any session) and show its card,
        clearing a filter the card is not in."""
        self.refresh()
        change = self.store.undo(self.deck.id)
        if change is None:
            return self._say("Nothing to undo.")
        self._can_undo = self.store.can_undo(self.deck.id)
        self._can_redo = True
        return self._show_change(change, "Undone")

    def redo(self) -> WalkView:
        """Make again what the latest undo reverted (durably, as any change),
        and show its card.  A new change after an undo leaves nothing to
        redo, as in every editor."""
        self.refresh()
        change = self.store.redo(self.deck.id)
        if change is None:
            self._can_redo = False
            return self._say("Nothing to redo.")
        self._can_undo = True
        self._can_redo = self.store.can_redo(self.deck.id)
        return self._show_change(change, "Redone")

    def _show_change(self, change: Change, done: str) -> WalkView:
        """The card an undo or redo touched, saying what it did."""
        self._totals.clear()
        c = self.store.contact(change.contact_id)
        if not self._filter.matches(c):
            self._filter = ALL
        self._current = c.id
        who = c.name or "(no name)"
        if change.kind in ("tag", "tags"):  # quick tags go by use: they may reorder
            self._tags = tuple(self.store.quick_tags(self.deck.id))
        if change.kind == "decision":
            text = f"{done}: decision on {who} (now {DECIDED_WORDS[self.kind][change.detail]})"
        elif change.kind == "tag":
            text = f"{done}: tag '{change.detail}' on {who}"
        elif change.kind == "bulk":
            from triage.store.bulk import describe as describe_bulk

            bulk = describe_bulk(change.detail)
            cards = f"{bulk.cards:,} {'card' if bulk.cards == 1 else 'cards'}"
            now = "undecided again" if done == "Undone" else "skipped again"
            text = f"{done}: the skip of {cards} of '{bulk.filter}' ({now})"
        elif change.kind == "tags":
            text = f"{done}: the change to tag '{change.detail}' on every card"
        elif change.kind == "withdrawn":
            text = (
                f"{done}: {who} is stamped withdrawn" + (" again" if done == "Undone" else "")
                if change.detail
                else f"{done}: withdrawn stamp on {who}"
            )
        else:
            text = f"{done}: note change on {who}"
        return self._show(contact=c, message=text)

    def toggle_tag(self, tag: str | None) -> WalkView:
        """Add the tag to the card shown, or remove it."""
        c = self._contact
        if c is None or not tag:
            return self._say()
        on = self.store.toggle_tag(c.id, tag)
        return self._tags_changed(f"Tag '{tag}' {'added' if on else 'removed'}")

    # -- tags of the card and of the deck (the tag dialog) ------------------------

    def tag_counts(self) -> dict[str, int]:
        """Every tag of the deck with how many cards carry it."""
        return self.store.tag_counts(self.deck.id)

    def _known(self, tag: str) -> str:
        """The deck's own spelling of ``tag`` (case aside), else ``tag`` tidied."""
        tag = " ".join(tag.split())
        folded = tag.casefold()
        return next((t for t in self.tag_counts() if t.casefold() == folded), tag)

    def _tags_changed(self, message: str) -> WalkView:
        self._changed()
        self._tags = tuple(self.store.quick_tags(self.deck.id))
        self._totals.clear()
        return self._show(message=message)

    def add_tag(self, tag: str) -> WalkView:
        """Put a tag on the card shown: one the deck has, whatever the case
        it is typed in, or a new one.  Never takes one off."""
        c = self._contact
        if c is None or not tag.strip():
            return self._say()
        name = self._known(tag)
        if name.casefold() in (t.casefold() for t in c.tags):
            return self._say(f"'{name}' is already on this card.")
        self.store.set_tag(c.id, name, True)
        return self._tags_changed(f"Tag '{name}' added")

    def remove_tag(self, tag: str) -> WalkView:
        """Take a tag off the card shown."""
        c = self._contact
        if c is None:
            return self._say()
        name = self._known(tag)
        if not self.store.set_tag(c.id, name, False):
            return self._say(f"'{name}' is not on this card.")
        return self._tags_changed(f"Tag '{name}' removed")

    def rename_tag(self, old: str, new: str) -> WalkView:
        """Rename a tag on every card; into a tag the deck has (case aside),
        the two are merged."""
        c = self._contact
        new = " ".join(new.split())
        counts = self.tag_counts()
        if c is None or not new or new == old or old not in counts:
            return self._say()
        same = new.casefold() == old.casefold()
        target = new if same else self._known(new)
        merged = not same and target in counts
        cards = self.store.retag(self.deck.id, c.id, old, target)
        what = "merged into" if merged else "renamed to"
        return self._tags_changed(
            f"Tag '{old}' {what} '{target}' on {cards:,} {'card' if cards == 1 else 'cards'}"
        )

    def delete_tag(self, tag: str) -> WalkView:
        """Take a tag off every card and out of the deck."""
        c = self._contact
        if c is None or tag not in self.tag_counts():
            return self._say()
        cards = self.store.retag(self.deck.id, c.id, tag, None)
        return self._tags_changed(
            f"Tag '{tag}' deleted from {cards:,} {'card' if cards == 1 else 'cards'}"
        )

    def quick_tag(self, number: int) -> WalkView:
        """Toggle quick tag ``number``: the deck's nine most used tags."""
        if self._contact is None:
            return self._say()
        if not 1 <= number <= len(self._tags):
            return self._say(
                f"No quick tag {number} yet. Press t to create a tag: "
                "the nine tags used most are quick tags 1–9."
            )
        return self.toggle_tag(self._tags[number - 1])

    def set_note(self, text: str) -> WalkView:
        """Save the personal invitation note of the card shown."""
        c = self._contact
        if c is None or text == c.note:
            return self._say()
        self.store.set_note(c.id, text)
        self._changed()
        return self._show(message="Note saved." if text else "Note removed.")
