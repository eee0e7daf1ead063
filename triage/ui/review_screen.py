"""The walk-through: one card, the keys that decide about it, and the walk.

Every change calls the store synchronously inside the key handler (the store
commits with ``synchronous=FULL``) before the next card is drawn.  Only the
card on screen is loaded (``Store.contact``); counts come from the store's
cache and the position from ``walk_index`` only when it cannot be followed
from the previous card (its COUNT grows with the place in the walk).

The dialogs and the summary are imported when first opened: the first card
is painted without them (``bench/bench_review.py`` measures start-up).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer

from triage.config import Config
from triage.model import ALL, DECISIONS, UNDECIDED, Contact, Deck, WalkFilter
from triage.store import Store
from triage.ui import words
from triage.ui.card import CardScroll, ContactCard, SidePanel
from triage.ui.header import ProgressHeader
from triage.ui.keys import BINDING_IDS, review_bindings
from triage.ui.start import StartLookup

SKIP_FILTER = WalkFilter("skip")
# Cards drawn between two checkpoints of the write-ahead log (each card follows
# at most one change, a decision writing about six pages).
CHECKPOINT_EVERY = 32


_DECISION_WORDS = {"undecided": "undecided", "invite": "invited", "skip": "skipped"}


class ReviewScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = review_bindings()
    # The card scroller is focused once the first card is painted (on_mount):
    # focusing restyles it and the card, work the first paint need not wait for.
    AUTO_FOCUS = None

    def __init__(
        self,
        store: Store,
        deck: Deck,
        *,
        order: str,
        config: Config,
        start: StartLookup | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.deck = deck
        self.order = order
        self.config = config
        self.flt: WalkFilter = ALL
        self.current_id: int | None = None
        self.contact: Contact | None = None
        # Where the walk resumes, possibly still being looked up on a thread
        # (triage.ui.start): the store is not touched before on_mount.
        self._start = start
        self._can_undo = False
        self._tags: list[str] = []
        # The current card's place in the walk when known without asking the
        # store (stepping), and the totals of tag/flag filters: both are COUNT
        # queries that get slow on big decks, so they are not re-run per card.
        self._index: int | None = None
        self._totals: dict[WalkFilter, int] = {}
        # What check_action answers depends on; the footer is rebuilt only
        # when it changes (refresh_bindings recomposes the whole footer).
        self._bindings_state: tuple[bool, bool] | None = None
        # The card after the current one in the unfiltered walk, read once the
        # current card is painted (while the person reads it) so that a
        # decision finds it without reading the store: (current card, order,
        # next card's id, next card).
        self._next: tuple[int, str, int | None, Contact | None] | None = None
        self._drawn = 0  # cards drawn, each after at most one change
        self._preset_breakpoint()

    def _preset_breakpoint(self) -> None:
        """Start with the width class (``-narrow``/``-wide``) Textual gives
        the screen on its first resize: added then, it restyles every widget
        a second time before the first card is painted."""
        breakpoints = self.HORIZONTAL_BREAKPOINTS or self.app.HORIZONTAL_BREAKPOINTS or []
        width = self.app.size.width
        for at, name in sorted(breakpoints, reverse=True):
            if width >= at:
                self.add_class(name, update=False)  # styled when mounted
                break

    def compose(self) -> ComposeResult:
        yield ProgressHeader(id="header")
        with Horizontal(id="body"):
            with CardScroll(id="card-scroll"):
                yield ContactCard(id="card")
            yield SidePanel(id="side")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        # A key that quits can arrive before this handler runs (typed during
        # start-up, or piped in).  Textual then shuts down while the screen
        # is still mounting its widgets, and the widgets it would start after
        # that never compose: the card is missing and query_one raised
        # NoMatches.  An app on its way out has nothing to draw (is_attached
        # is False once App.exit was called); triage.review still waits for
        # the start-up lookup, and nothing was written yet.
        if not self.is_attached:
            return
        self._header = self.query_one(ProgressHeader)
        self._card = self.query_one(ContactCard)
        self._side = self.query_one(SidePanel)
        self._scroll = self.query_one(CardScroll)
        lookup = self._start or StartLookup(self.store, self.deck, self.order, thread=False)
        self._start = None
        start = lookup.result()
        self._can_undo = start.can_undo
        self._tags = start.tags
        self.current_id = start.contact.id if start.contact is not None else None
        self.show_card(start.index, contact=start.contact)
        self.call_after_refresh(self._scroll.focus)

    # -- drawing -------------------------------------------------------------

    def walk_total(self) -> int:
        """How many cards the current filter holds (tag/flag counts cached)."""
        flt = self.flt
        if flt.kind == "all" or flt.kind in DECISIONS:
            return self.store.walk_count(self.deck.id, flt)  # O(1): cached counts
        if flt not in self._totals:
            self._totals[flt] = self.store.walk_count(self.deck.id, flt)
        return self._totals[flt]

    def show_card(self, index: int | None = None, *, contact: Contact | None = None) -> None:
        """Draw the current card, the header and the side panel.  ``index``
        is the card's place in the walk and ``contact`` the card itself when
        the caller has them already."""
        store, deck_id = self.store, self.deck.id
        c = contact
        if c is None and self.current_id is not None:
            c = store.contact(self.current_id)
        self.contact = c
        total = self.walk_total()
        self._index = None
        if c is None:
            position = f"card – of {total:,}"
        elif words.matches(self.flt, c):
            if index is None:
                index = store.walk_index(deck_id, self.order, self.flt, c.id)
            self._index = index
            position = f"card {index + 1:,} of {total:,}"
        else:
            position = f"card – of {total:,} (this one is outside the filter)"
        self._header.show(
            position=position,
            counts=store.counts(deck_id),
            walk=f"filter: {words.filter_label(self.flt)} · order: {self.order}",
        )
        if c is None and store.counts(deck_id).contacts == 0:
            empty = (
                f"Deck '{self.deck.name}' has no contacts yet. Import some with:\n"
                f"  triage import FILE --deck {self.deck.name}"
            )
        else:
            empty = f"No card matches the filter '{words.filter_label(self.flt)}'. Press f."
        self._card.show(c, empty)
        self._side.show(c, self._tags)
        scroll = self._scroll
        if scroll.scroll_y or scroll.scroll_target_y:
            scroll.scroll_home(animate=False)
        self._refresh_bindings_if_changed()
        self._next = None
        if c is not None and self.flt.kind == "all":
            self.call_after_refresh(self._read_next, c.id)
        self._drawn += 1
        if self._drawn % CHECKPOINT_EVERY == 0:
            self.call_after_refresh(self._checkpoint)

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database now, while the card is
        read.  Left to SQLite, the copy (every 1,000 pages: about 160
        decisions) runs inside a commit, so inside a key handler: 5-10 ms.
        PASSIVE never waits for a reader; durability does not depend on it
        (every change was committed to the log already)."""
        self.store.checkpoint()

    def _read_next(self, contact_id: int) -> None:
        """Read the card after ``contact_id`` if it is still the one shown."""
        c = self.contact
        if c is None or c.id != contact_id or self.flt.kind != "all" or self._next:
            return
        step = self.store.walk_step(self.deck.id, self.order, ALL, contact_id, +1)
        following = self.store.contact(step) if step is not None else None
        self._next = (contact_id, self.order, step, following)

    def _say(self, message: str, **kwargs: Any) -> None:
        """Show one message, replacing the one before.  A burst of keys (undo
        after undo) would otherwise stack toasts over the card and the
        header's counts, and in a real terminal such a stack was seen to
        stay up past its timeout until the next key."""
        self.app.clear_notifications()
        self.notify(message, **kwargs)

    def _refresh_bindings_if_changed(self) -> None:
        state = (self._can_undo, self.contact is None)
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    def go(self, contact_id: int, index: int | None = None) -> None:
        """Show a card and remember it as the place to resume."""
        with self.store.transaction():
            self.store.set_cursor(self.deck.id, contact_id)
        self.current_id = contact_id
        self.show_card(index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo":
            return True if self._can_undo else None
        if action in ("invite", "skip", "tag", "note", "quick_tag") and self.contact is None:
            return None
        return True

    # -- deciding --------------------------------------------------------------

    def action_invite(self) -> None:
        self._decide("invite")

    def action_skip(self) -> None:
        self._decide("skip")

    def _decide(self, decision: str) -> None:
        c = self.contact
        if c is None:
            return
        store, deck_id = self.store, self.deck.id
        nxt, index, following = self._after(c, decision)
        before = c.decision
        if before != decision:
            store.decide(c.id, decision, cursor_id=c.id if nxt is None else nxt)
            self._can_undo = True
        elif nxt is not None:
            with store.transaction():
                store.set_cursor(deck_id, nxt)
        if store.counts(deck_id).undecided == 0 and (before == UNDECIDED or nxt is None):
            self.show_card()
            self.show_summary()
        elif nxt is None:
            self.show_card()
            self._say(
                f"That was the last card in '{words.filter_label(self.flt)}'. "
                "Press f to change the filter."
            )
        else:
            self.current_id = nxt
            self.show_card(index, contact=following)

    def _after(self, c: Contact, decision: str) -> tuple[int | None, int | None, Contact | None]:
        """The card to show after deciding about ``c``, its place in the walk
        when that follows without a COUNT, and the card itself when it had
        to be read to find it.

        Unfiltered, that is the next undecided card (wrapping to the start);
        in a filtered walk, the next card of the filter.
        """
        store, deck_id, flt = self.store, self.deck.id, self.flt
        if flt.kind == "all":
            # Usually the very next card, read anyway to be shown (most often
            # already, by _read_next): its place follows from this one's.
            known = self._next
            if known is not None and known[:2] == (c.id, self.order):
                step, following = known[2], known[3]
            else:
                step = store.walk_step(deck_id, self.order, flt, c.id, +1)
                following = store.contact(step) if step is not None else None
            if step is not None and following is not None and following.decision == UNDECIDED:
                index = None if self._index is None else self._index + 1
                return step, index, following
            return store.next_undecided(deck_id, self.order, c.id), None, None
        nxt = store.walk_step(deck_id, self.order, flt, c.id, +1)
        # Deciding takes the card out of an undecided walk (and out of an
        # invited/skipped one when the decision changes): the next card then
        # moves into its place.
        leaves = flt.kind == UNDECIDED or (flt.kind in DECISIONS and flt.kind != decision)
        if nxt is None and flt.kind == UNDECIDED:
            first = store.walk_first(deck_id, self.order, flt)
            return (None, None, None) if first == c.id else (first, 0, None)
        if self._index is None or nxt is None:
            return nxt, None, None
        return nxt, self._index if leaves else self._index + 1, None

    def show_summary(self) -> None:
        from triage.ui.summary import SummaryScreen

        self.app.push_screen(SummaryScreen(self.store.status(self.deck)), self._after_summary)

    def _after_summary(self, result: str | None) -> None:
        from triage.ui.summary import SECOND_PASS

        if result == SECOND_PASS:
            first = self.store.walk_first(self.deck.id, self.order, SKIP_FILTER)
            if first is None:
                self._say("Nobody was skipped, so there is no second pass to make.")
                return
            self.flt = SKIP_FILTER
            self.go(first)
            self._say("Second pass: only the people you skipped.")

    # -- moving ------------------------------------------------------------------

    def action_next(self) -> None:
        self._step(+1)

    def action_previous(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        found = self.store.walk_step(self.deck.id, self.order, self.flt, self.current_id, direction)
        if found is None:
            self._say("This is the last card." if direction > 0 else "This is the first card.")
            return
        self.go(found, None if self._index is None else self._index + direction)

    def jump(self, contact_id: int | None) -> None:
        """Go to a card found by search, clearing a filter it is not in."""
        if contact_id is None:
            return
        c = self.store.contact(contact_id)
        if not words.matches(self.flt, c):
            self.flt = ALL
            self._say("Filter cleared to show that card.")
        self.go(contact_id)

    def action_goto(self) -> None:
        from triage.ui.editors import GotoDialog

        total = self.store.walk_count(self.deck.id, self.flt)
        if total == 0:
            self._say("No cards to go to in this filter.")
            return
        self.app.push_screen(GotoDialog(total, words.filter_label(self.flt)), self._goto)

    def _goto(self, number: int | None) -> None:
        if number is None:
            return
        found = self.store.walk_nth(self.deck.id, self.order, self.flt, number - 1)
        if found is not None:
            self.go(found, number - 1)

    def action_search(self) -> None:
        from triage.ui.search import SearchScreen

        deck_id = self.deck.id
        self.app.push_screen(
            SearchScreen(lambda text, limit: self.store.search(deck_id, text, limit)), self.jump
        )

    def action_filter(self) -> None:
        from triage.ui.filter import FilterScreen, filter_choices

        choices = filter_choices(self.store.status(self.deck))
        self.app.push_screen(FilterScreen(choices, self.flt), self.apply_filter)

    def apply_filter(self, flt: WalkFilter | None) -> None:
        if flt is None:
            return
        deck_id = self.deck.id
        if self.store.walk_count(deck_id, flt) == 0:
            self._say(f"No card matches '{words.filter_label(flt)}'.", severity="warning")
            return
        self.flt = flt
        c = self.contact
        if c is not None and words.matches(flt, c):
            self.show_card()
            return
        found = self.store.walk_step(deck_id, self.order, flt, self.current_id, +1)
        if found is None:
            found = self.store.walk_first(deck_id, self.order, flt)
        if found is not None:
            self.go(found)

    def set_order(self, order: str) -> None:
        self.store.prepare_order(self.deck, order)
        self.order = order
        self.show_card()
        self._say(f"Walk order: {words.ORDER_LABELS[order]}")

    # -- changing ------------------------------------------------------------------

    def action_undo(self) -> None:
        change = self.store.undo(self.deck.id)
        self._can_undo = self.store.can_undo(self.deck.id)
        if change is None:
            self._say("Nothing to undo.")
            self._refresh_bindings_if_changed()
            return
        self._totals.clear()
        c = self.store.contact(change.contact_id)
        if not words.matches(self.flt, c):
            self.flt = ALL
        self.current_id = c.id
        self.show_card()
        who = c.name or "(no name)"
        if change.kind == "decision":
            text = f"Undone: decision on {who} (now {_DECISION_WORDS[change.detail]})"
        elif change.kind == "tag":
            text = f"Undone: tag '{change.detail}' on {who}"
        else:
            text = f"Undone: note change on {who}"
        self._say(text, markup=False)

    def action_tag(self) -> None:
        c = self.contact
        if c is None:
            return
        from triage.ui.editors import TagPicker

        self.app.push_screen(
            TagPicker(c.name, self._tags, c.tags),
            lambda tag: self._toggle_tag(c.id, tag),
        )

    def action_quick_tag(self, number: int) -> None:
        c = self.contact
        if c is None:
            return
        if number > len(self._tags):
            self._say(
                f"No quick tag {number} yet. Press t to create a tag: "
                "the first nine tags you create become quick tags 1–9."
            )
            return
        self._toggle_tag(c.id, self._tags[number - 1])

    def _toggle_tag(self, contact_id: int, tag: str | None) -> None:
        if not tag:
            return
        on = self.store.toggle_tag(contact_id, tag)
        self._can_undo = True
        self._tags = self.store.deck_tags(self.deck.id)
        self._totals.clear()
        self.show_card()
        self._say(f"Tag '{tag}' {'added' if on else 'removed'}", markup=False)

    def action_note(self) -> None:
        c = self.contact
        if c is None:
            return

        def save(text: str | None) -> None:
            if text is None or text == c.note:
                return
            self.store.set_note(c.id, text)
            self._can_undo = True
            self.show_card()
            self._say("Note saved." if text else "Note removed.")

        from triage.ui.editors import NoteEditor

        self.app.push_screen(NoteEditor(c.name, c.note, self.config.note_limit), save)

    def action_help(self) -> None:
        from triage.ui.help import HelpScreen, help_rows

        bindings = [active.binding for active in self.active_bindings.values()]
        quick = {f"triage.quicktag{n}": n for n in range(1, 10)}
        texts = {
            bid: f"Toggle quick tag {n}: {self._tags[n - 1]}"
            for bid, n in quick.items()
            if n <= len(self._tags)
        }
        ids = [i for i in BINDING_IDS if i not in quick or i in texts]
        rows = help_rows(self.app, bindings, ids, texts)
        self.app.push_screen(HelpScreen(rows))
