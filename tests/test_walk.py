"""The walk-through without a window: Walk driven directly over a real store.

Every change must be in the database (seen through a second connection)
when the call returns; the card's place must always equal its place in the
filtered walk as the database orders it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from triage.model import (
    ALL,
    BLOCKED,
    FLAG_BITS,
    FLAGS,
    UPLOAD_WALK,
    UPLOADABLE,
    Contact,
    Deck,
    WalkFilter,
)
from triage.store import Store
from triage.vocab import filter_label
from triage.walk import CHECKPOINT_EVERY, Walk, WalkView, find_start

# The sample deck (tests/conftest.py) in name order.
ACME, ADA, ALAN, BARBARA, DENNIS, GRACE, GUIDO, KATHERINE, KEN, LINUS = (
    4,
    1,
    3,
    5,
    7,
    2,
    11,
    12,
    6,
    9,
)
MARGARET, RADIA, TIM = 8, 10, 13
NAME_ORDER = [ACME, ADA, ALAN, BARBARA, DENNIS, GRACE, GUIDO, KATHERINE, KEN, LINUS, MARGARET]
NAME_ORDER += [RADIA, TIM]
VIP = [GRACE, BARBARA, TIM, ALAN, KEN]


@pytest.fixture
def second(store_deck: tuple[Store, Deck]) -> Iterator[sqlite3.Connection]:
    """Another connection to the same database: sees only what is committed."""
    store, _ = store_deck
    conn = sqlite3.connect(store.path, isolation_level=None)
    yield conn
    conn.close()


def committed(conn: sqlite3.Connection, contact_id: int) -> tuple[str, bool]:
    decision, at = conn.execute(
        "SELECT decision, decided_at FROM contacts WHERE id = ?", (contact_id,)
    ).fetchone()
    return decision, bool(at)


def cursor_of(conn: sqlite3.Connection, deck: Deck) -> int | None:
    row = conn.execute("SELECT cursor_id FROM decks WHERE id = ?", (deck.id,)).fetchone()
    return int(row[0]) if row[0] is not None else None


def in_order(store: Store, deck: Deck, order: str, flt: WalkFilter) -> list[int]:
    """The filter's cards in walk order, from the rank column and
    ``WalkFilter.matches`` (neither walk_index nor walk_step)."""
    ids = [
        i
        for (i,) in store.conn.execute(
            f"SELECT id FROM contacts WHERE deck_id = ? ORDER BY r_{order}", (deck.id,)
        )
    ]
    return [i for i in ids if flt.matches(store.contact(i))]


def check(store: Store, deck: Deck, walk: Walk, view: WalkView) -> None:
    """The view's card, place and total are what the database says."""
    expected = in_order(store, deck, walk.order, walk.filter)
    assert view.total == len(expected)
    assert view.filter == walk.filter and view.order == walk.order
    c = view.contact
    assert c is not None and c.id == walk.current_id
    assert store.contact(c.id).decision == c.decision  # not a stale copy
    if c.id in expected:
        assert view.index == expected.index(c.id), (walk.filter, walk.order, c.name)
        assert view.position == f"card {view.index + 1} of {view.total}"
    else:
        assert view.index is None and view.outside
        assert view.position == f"card – of {view.total} (this one is outside the filter)"


def everyone(store: Store, deck: Deck, order: str = "name") -> Walk:
    """The walk of every card (the default walk leaves out the people an
    upload cannot invite: Ada is connected, Ken has no usable email)."""
    return Walk(store, deck, order=order, start=find_start(store, deck, order, ALL))


def name_of(store: Store, contact_id: int) -> str:
    """How the walk's messages name a card."""
    return store.contact(contact_id).name or "(no name)"


def fresh_walk(store: Store, deck: Deck, order: str = "name") -> Walk:
    store.set_cursor(deck.id, None)
    store.prepare_order(deck, order)
    return everyone(store, deck, order)


# -- durability -----------------------------------------------------------------


@pytest.mark.parametrize("decision", ["invite", "skip"])
def test_a_decision_is_committed_before_the_call_returns(
    store_deck: tuple[Store, Deck], second: sqlite3.Connection, data_dir: Path, decision: str
) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    assert walk.view.contact is not None and walk.view.contact.id == ACME
    view = walk.decide(decision)
    assert committed(second, ACME) == (decision, True)
    assert cursor_of(second, deck) == ADA  # the card shown next, same transaction
    journal = second.execute(
        "SELECT kind, undone FROM journal WHERE contact_id = ?", (ACME,)
    ).fetchall()
    assert journal == [("decision", 0)]
    assert view.contact is not None and view.contact.id == ADA
    assert view.can_undo
    other = Store.open(data_dir)
    try:
        assert other.contact(ACME).decision == decision
    finally:
        other.close()


def test_moves_tags_and_notes_are_committed_before_the_call_returns(
    store_deck: tuple[Store, Deck], second: sqlite3.Connection
) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.step(+1)
    assert cursor_of(second, deck) == ADA
    walk.goto(5)
    assert cursor_of(second, deck) == DENNIS
    walk.toggle_tag("mentor")
    tags = second.execute(
        "SELECT t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
        " WHERE ct.contact_id = ?",
        (DENNIS,),
    ).fetchall()
    assert tags == [("mentor",)]
    walk.set_note("Loved your talk")
    note = second.execute("SELECT note FROM contacts WHERE id = ?", (DENNIS,)).fetchone()
    assert note == ("Loved your talk",)
    walk.undo()
    note = second.execute("SELECT note FROM contacts WHERE id = ?", (DENNIS,)).fetchone()
    assert note == ("",)


# -- the place in the walk ----------------------------------------------------------

FILTERS = [
    ALL,
    WalkFilter("undecided"),
    WalkFilter("invite"),
    WalkFilter("skip"),
    WalkFilter("tag", "vip"),
    WalkFilter("flag", "no_email"),
    UPLOAD_WALK,
    WalkFilter(reach=BLOCKED),
    WalkFilter(decisions=["undecided", "skip"], tags=["vip", "mentor"]),
    WalkFilter(flags=["merged", "role_address"], reach=UPLOADABLE),
    WalkFilter(decisions=["undecided"], sources=["work.csv"]),
]


@pytest.mark.parametrize("order", ["event", "name", "company", "source"])
@pytest.mark.parametrize("flt", FILTERS, ids=filter_label)
def test_the_place_in_the_walk_is_always_right(
    store_deck: tuple[Store, Deck], order: str, flt: WalkFilter
) -> None:
    """Stepping, deciding and undoing follow the card's place from the one
    before; it must always equal the place the database gives it."""
    store, deck = store_deck
    for cid in VIP:
        store.set_tag(cid, "vip", True)
    store.set_tag(DENNIS, "mentor", True)
    for cid, decision in ((ALAN, "skip"), (DENNIS, "skip"), (KEN, "invite"), (TIM, "invite")):
        store.decide(cid, decision)
    store.decide(MARGARET, "skip")
    walk = fresh_walk(store, deck, order)
    check(store, deck, walk, walk.view)
    view = walk.apply_filter(flt)
    check(store, deck, walk, view)
    for n, key in enumerate("jjkjsajjkkasjjjaakjsuujjsjkkaj"):
        if key == "j":
            view = walk.step(+1)
        elif key == "k":
            view = walk.step(-1)
        elif key == "a":
            view = walk.decide("invite")
        elif key == "s":
            view = walk.decide("skip")
        else:
            view = walk.undo()
        if view.summary:
            break
        if n % 2 and view.contact is not None:
            walk.prefetch(view.contact.id)  # as the window does once a card is drawn
        check(store, deck, walk, view)


def test_deciding_in_an_undecided_walk_moves_the_next_card_into_place(
    store_deck: tuple[Store, Deck],
) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.apply_filter(WalkFilter("undecided"))
    view = walk.step(+1)
    assert (view.contact and view.contact.id, view.index, view.total) == (ADA, 1, 13)
    view = walk.decide("invite")
    assert (view.contact and view.contact.id, view.index, view.total) == (ALAN, 1, 12)
    assert view.position == "card 2 of 12"
    view = walk.goto(12)  # the last undecided card
    assert view.contact is not None and view.contact.id == TIM
    view = walk.decide("skip")  # past the end: back to the first
    assert (view.contact and view.contact.id, view.index, view.total) == (ACME, 0, 11)


def test_deciding_in_an_invited_walk(store_deck: tuple[Store, Deck]) -> None:
    """Re-deciding an invited card takes it out; the next takes its place."""
    store, deck = store_deck
    for cid in (ADA, BARBARA, GRACE):
        store.decide(cid, "invite")
    walk = fresh_walk(store, deck)
    view = walk.apply_filter(WalkFilter("invite"))
    assert (view.contact and view.contact.id, view.index, view.total) == (ADA, 0, 3)
    view = walk.decide("invite")  # no change: the next one, one place on
    assert (view.contact and view.contact.id, view.index, view.total) == (BARBARA, 1, 3)
    view = walk.decide("skip")  # leaves the filter: Grace moves into place 1
    assert (view.contact and view.contact.id, view.index, view.total) == (GRACE, 1, 2)


def test_a_walk_emptied_by_a_decision_says_so(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    store.decide(ALAN, "invite")
    walk = fresh_walk(store, deck)
    walk.apply_filter(WalkFilter("invite"))
    view = walk.decide("skip")
    assert view.message == "That was the last card in 'invited'. Press f to change the filter."
    assert view.contact is not None and view.contact.id == ALAN
    assert view.total == 0 and view.outside
    assert view.position == "card – of 0 (this one is outside the filter)"
    assert view.empty_text == "No card matches the filter 'invited'. Press f."


def test_the_last_and_the_first_card(
    store_deck: tuple[Store, Deck], second: sqlite3.Connection
) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    view = walk.step(-1)
    assert view.message == "This is the first card."
    assert (view.contact and view.contact.id, view.index) == (ACME, 0)
    view = walk.goto(13)
    revision = view.revision
    view = walk.step(+1)
    assert view.message == "This is the last card."
    assert (view.contact and view.contact.id, view.index) == (TIM, 12)
    assert view.revision == revision  # nothing to redraw but the message
    assert cursor_of(second, deck) == TIM
    view = walk.step(-1)
    assert (view.contact and view.contact.id, view.index, view.message) == (RADIA, 11, "")


def test_goto(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    view = walk.goto(10)
    assert (view.contact and view.contact.id, view.index) == (LINUS, 9)
    assert store.cursor(deck.id) == LINUS
    view = walk.goto(99)
    assert view.message == "There is no card 99: this filter holds 13."
    assert view.contact is not None and view.contact.id == LINUS
    walk.apply_filter(WalkFilter("flag", "merged"))
    view = walk.goto(2)
    assert (view.contact and view.contact.id, view.index, view.total) == (GRACE, 1, 2)


def test_set_order_keeps_the_card_and_finds_its_place(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.goto(8)  # Katherine
    view = walk.set_order("company")
    assert view.message == "Walk order: company"
    assert view.contact is not None and view.contact.id == KATHERINE
    check(store, deck, walk, view)
    view = walk.step(+1)
    check(store, deck, walk, view)


# -- filters ----------------------------------------------------------------------


def test_a_filter_without_cards_is_refused(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.step(+1)
    view = walk.apply_filter(WalkFilter("skip"))
    assert view.message == "No card matches 'skipped'." and view.warning
    assert walk.filter == ALL
    assert (view.contact and view.contact.id, view.index) == (ADA, 1)


def test_a_filter_keeps_a_card_that_is_in_it_else_moves_on(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.step(+1)  # Ada: merged
    view = walk.apply_filter(WalkFilter("flag", "merged"))
    assert (view.contact and view.contact.id, view.index, view.total) == (ADA, 0, 2)
    walk.apply_filter(ALL)
    walk.goto(4)  # Barbara: the next merged card is Grace
    view = walk.apply_filter(WalkFilter("flag", "merged"))
    assert (view.contact and view.contact.id, view.index) == (GRACE, 1)
    walk.apply_filter(ALL)
    walk.goto(13)  # after the last merged card: the first one
    view = walk.apply_filter(WalkFilter("flag", "merged"))
    assert (view.contact and view.contact.id, view.index) == (ADA, 0)
    assert store.cursor(deck.id) == ADA


def test_search_then_jump_clears_a_filter_the_card_is_not_in(
    store_deck: tuple[Store, Deck],
) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.apply_filter(WalkFilter("flag", "merged"))
    found = walk.search("nasa")
    assert sorted(c.id for c in found) == [MARGARET, KATHERINE]
    view = walk.jump(KATHERINE)
    assert view.message == "Filter cleared to show that card."
    assert walk.filter == ALL
    assert (view.contact and view.contact.id, view.index) == (KATHERINE, 7)
    assert store.cursor(deck.id) == KATHERINE
    walk.apply_filter(WalkFilter("flag", "merged"))  # moves on to a merged card
    view = walk.jump(GRACE)  # in the filter: it stays
    assert (view.message, walk.filter) == ("", WalkFilter("flag", "merged"))
    assert (view.contact and view.contact.id, view.index) == (GRACE, 1)


def test_undo_clears_a_filter_the_card_is_not_in(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.decide("invite")  # Acme
    walk.apply_filter(WalkFilter("flag", "merged"))
    view = walk.undo()
    assert walk.filter == ALL
    assert (view.contact and view.contact.id, view.index) == (ACME, 0)
    assert view.message == f"Undone: decision on {name_of(store, ACME)} (now undecided)"


def person(**kw: Any) -> Contact:
    base: dict[str, Any] = {"id": 1, "deck_id": 1, "key": "k", "name": "Ada Lovelace"}
    base.update(kw)
    return Contact(**base)


def test_filter_membership_of_a_card() -> None:
    c = person(decision="skip", tags=["Mentor"], flags=FLAG_BITS["merged"])
    assert WalkFilter().matches(c)
    assert WalkFilter("skip").matches(c)
    assert not WalkFilter("invite").matches(c)
    assert not WalkFilter("undecided").matches(c)
    assert WalkFilter("tag", "mentor").matches(c)
    assert not WalkFilter("tag", "mentors").matches(c)
    assert WalkFilter("flag", "merged").matches(c)
    assert not WalkFilter("flag", "no_email").matches(c)
    with pytest.raises(ValueError):
        WalkFilter("colour", "red").matches(c)


def test_filter_membership_is_the_stores_rule(store_deck: tuple[Store, Deck]) -> None:
    """For every filter, the cards WalkFilter.matches picks are the ones the
    store's SQL walks through, tag names compared as SQLite compares them."""
    store, deck = store_deck
    store.set_tag(ADA, "Mentor", True)
    store.set_tag(GRACE, "mentor", True)  # the same tag (case is not told apart)
    store.set_tag(ALAN, "Évènement", True)
    store.decide(ALAN, "skip")
    store.decide(KEN, "invite")
    filters = [ALL, WalkFilter("undecided"), WalkFilter("invite"), WalkFilter("skip")]
    filters += [WalkFilter("tag", t) for t in ("mentor", "MENTOR", "Évènement", "évènement")]
    filters += [WalkFilter("flag", f) for f in FLAGS]
    for flt in filters:
        walked = []
        found = store.walk_first(deck.id, "name", flt)
        while found is not None:
            walked.append(found)
            found = store.walk_step(deck.id, "name", flt, found, +1)
        assert in_order(store, deck, "name", flt) == walked, flt
        assert store.walk_count(deck.id, flt) == len(walked)
    assert in_order(store, deck, "name", WalkFilter("tag", "MENTOR")) == [ADA, GRACE]
    assert in_order(store, deck, "name", WalkFilter("tag", "évènement")) == []


# -- undo, the second pass, the summary ---------------------------------------------


def test_undo_across_a_reopen(store_deck: tuple[Store, Deck], data_dir: Path) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.decide("invite")  # Acme
    walk.decide("skip")  # Ada
    walk.step(+1)  # Barbara
    store.close()

    again = Store.open(data_dir)
    try:
        deck2 = again.deck(deck.name)
        assert deck2 is not None
        walk2 = everyone(again, deck2)
        view = walk2.view
        assert (view.contact and view.contact.id, view.index, view.can_undo) == (BARBARA, 3, True)
        view = walk2.undo()
        assert view.message == "Undone: decision on Ada Lovelace (now undecided)"
        assert (view.contact and view.contact.id, view.index) == (ADA, 1)
        assert again.contact(ADA).decision == "undecided"
        view = walk2.undo()
        assert again.contact(ACME).decision == "undecided"
        assert not view.can_undo
        view = walk2.undo()
        assert view.message == "Nothing to undo."
        assert view.contact is not None and view.contact.id == ACME
    finally:
        again.close()


def test_the_last_undecided_card_opens_the_summary_then_a_second_pass(
    store_deck: tuple[Store, Deck],
) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    view = walk.second_pass()
    assert view.message == "Nobody was skipped, so there is no second pass to make."
    assert walk.filter == ALL
    for cid in NAME_ORDER:
        if cid not in (GRACE, ALAN):
            store.decide(cid, "skip")
    store.decide(ALAN, "invite")
    walk = fresh_walk(store, deck)
    assert walk.view.contact is not None and walk.view.contact.id == GRACE
    view = walk.decide("invite")
    assert view.summary and not view.message
    assert walk.status().undecided == 0
    view = walk.second_pass()
    assert not view.summary
    assert view.message == "Second pass: only the people you skipped."
    assert walk.filter == WalkFilter("skip")
    assert (view.contact and view.contact.id, view.index, view.total) == (ACME, 0, 11)
    view = walk.decide("invite")  # out of the skipped walk: Ada takes its place
    assert (view.contact and view.contact.id, view.index, view.total) == (ADA, 0, 10)


# -- tags and notes -------------------------------------------------------------------


def test_quick_tags_and_tag_toggles(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    view = walk.quick_tag(1)
    assert view.message.startswith("No quick tag 1 yet. Press t to create a tag")
    view = walk.toggle_tag("mentor")
    assert view.message == "Tag 'mentor' added"
    assert view.tags == ("mentor",)
    assert view.contact is not None and view.contact.tags == ["mentor"]
    walk.toggle_tag("python")
    walk.step(+1)  # Ada
    view = walk.quick_tag(2)
    assert view.message == "Tag 'python' added"
    assert store.tags_of(ADA) == ["python"]
    view = walk.apply_filter(WalkFilter("tag", "python"))
    assert (view.index, view.total) == (1, 2)
    # Off again (by its quick number now): the card leaves the filter, the
    # total follows.
    view = walk.quick_tag(view.tags.index("python") + 1)
    assert view.message == "Tag 'python' removed"
    assert store.tags_of(ADA) == []
    assert (view.outside, view.total) == (True, 1)
    view = walk.undo()
    assert view.message == "Undone: tag 'python' on Ada Lovelace"
    assert (view.contact and view.contact.id, view.index, view.total) == (ADA, 1, 2)


def test_quick_tags_follow_use_through_undo_and_redo(store_deck: tuple[Store, Deck]) -> None:
    """Quick tags are the most used first (the older first among equals): an
    undo or a redo of a tag changes the order as the toggle itself did."""
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.toggle_tag("alpha")
    walk.toggle_tag("beta")
    walk.step(+1)
    view = walk.toggle_tag("beta")  # beta on two cards, alpha on one
    assert view.tags == ("beta", "alpha")
    view = walk.undo()  # beta back to one card: the older first again
    assert view.message.startswith("Undone: tag 'beta'")
    assert view.tags == ("alpha", "beta")
    view = walk.redo()
    assert view.message.startswith("Redone: tag 'beta'")
    assert view.tags == ("beta", "alpha")
    walk.undo()
    view = walk.quick_tag(1)  # what key 1 does follows what is shown
    assert view.message == "Tag 'alpha' added"
    assert view.tags == ("alpha", "beta")


def test_notes(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    view = walk.set_note("Hi Acme")
    assert view.message == "Note saved."
    assert view.contact is not None and view.contact.note == "Hi Acme"
    revision = view.revision
    view = walk.set_note("Hi Acme")  # unchanged: nothing written, nothing said
    assert (view.message, view.revision) == ("", revision)
    assert len(store.conn.execute("SELECT * FROM journal WHERE kind = 'note'").fetchall()) == 1
    view = walk.set_note("")
    assert view.message == "Note removed."
    view = walk.undo()
    assert view.message == f"Undone: note change on {name_of(store, ACME)}"
    assert store.contact(ACME).note == "Hi Acme"


# -- an empty deck, the deck kinds -----------------------------------------------------


def test_an_empty_deck(data_dir: Path) -> None:
    store = Store.open(data_dir)
    try:
        with store.transaction():
            deck = store.create_deck("empty", "US")
        walk = Walk(store, deck)
        view = walk.view
        assert view.contact is None and view.total == 0
        assert view.position == "card – of 0"
        assert "Deck 'empty' has no contacts yet" in view.empty_text
        assert "triage import FILE --deck empty" in view.empty_text
        assert walk.decide("invite").message == ""
        assert walk.step(+1).message == "This is the last card."
        assert walk.goto(1).message == "No cards to go to in this filter."
        assert walk.quick_tag(1).message == ""
        assert walk.toggle_tag("x").message == ""
        assert walk.set_note("x").message == ""
        assert walk.undo().message == "Nothing to undo."
        assert walk.apply_filter(WalkFilter("undecided")).warning
        assert store.counts(deck.id).contacts == 0
        assert store.deck_tags(deck.id) == []
    finally:
        store.close()


def test_a_recovery_deck_words_its_decisions(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    store.set_cursor(deck.id, None)
    walk = Walk(store, deck, order="name", kind="recovery")
    assert (walk.view.verb("invite"), walk.view.verb("skip")) == ("keep", "withdraw")
    walk.decide("skip")  # Acme withdrawn
    walk.step(-1)
    walk.decide("invite")  # then kept
    view = walk.undo()
    assert view.message == f"Undone: decision on {name_of(store, ACME)} (now to withdraw)"
    view = walk.apply_filter(WalkFilter("skip"))
    assert view.filter_label == "to withdraw"
    assert view.walk_label == "filter: to withdraw · order: name"
    with pytest.raises(ValueError):
        Walk(store, deck, kind="party")


def test_only_invite_or_skip_can_be_decided(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    with pytest.raises(ValueError):
        walk.decide("undecided")
    assert store.counts(deck.id).undecided == 13


# -- speed: what a decision reads ---------------------------------------------------------


def test_a_decision_after_prefetch_reads_no_other_card(store_deck: tuple[Store, Deck]) -> None:
    """Once the next card is read (while the person reads this one), a
    decision writes and shows it without a query for a card or a COUNT."""
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.decide("invite")  # Ada now, its place followed from Acme's
    walk.prefetch(ADA)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        view = walk.decide("skip")
    finally:
        store.conn.set_trace_callback(None)
    assert (view.contact and view.contact.id, view.index) == (ALAN, 2)
    assert not [s for s in statements if "COUNT(" in s or "r_name" in s], statements
    assert not [s for s in statements if s.startswith("SELECT id, ")], statements


def test_a_checkpoint_every_so_many_cards(store_deck: tuple[Store, Deck]) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)  # the first card shown

    def move() -> None:
        if walk.view.index == 12:
            walk.goto(1)
        else:
            walk.step(+1)

    for _ in range(CHECKPOINT_EVERY - 2):
        move()
        assert not walk.needs_checkpoint
    move()  # the 32nd card
    assert walk.needs_checkpoint
    walk.checkpoint()
    assert not walk.needs_checkpoint
    move()
    assert not walk.needs_checkpoint


def test_the_walk_never_imports_textual() -> None:
    code = (
        "import sys\n"
        "import triage.walk\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- the walk of the people an upload can invite ------------------------------------


def test_the_default_walk_holds_the_people_an_upload_can_invite(
    store_deck: tuple[Store, Deck],
) -> None:
    """Ada is already connected, Barbara has no email and Ken no valid one:
    the default walk leaves them out, says how many, and f reaches them."""
    store, deck = store_deck
    store.set_cursor(deck.id, None)
    store.prepare_order(deck, "name")
    walk = Walk(store, deck, order="name")
    view = walk.view
    assert walk.filter == UPLOAD_WALK and view.filter_label == "can be invited"
    assert (view.total, view.cannot_upload, view.counts.contacts) == (10, 3, 13)
    assert view.walk_label == "filter: can be invited · 3 outside (f) · order: name"
    seen = [view.contact.id if view.contact else None]
    for _ in range(12):
        view = walk.step(+1)
        seen.append(view.contact.id if view.contact else None)
    assert not {ADA, BARBARA, KEN} & set(seen)
    assert seen[:3] == [ACME, ALAN, DENNIS]
    assert view.message == "This is the last card."
    # Deciding goes to the next undecided card of the walk, over Ada.
    walk.goto(1)
    view = walk.decide("skip")
    assert (view.contact and view.contact.id, view.index) == (ALAN, 1)
    view = walk.apply_filter(WalkFilter(reach=BLOCKED))  # the next one after Alan
    assert view.contact is not None and view.contact.id == BARBARA
    assert (view.total, view.filter_label) == (3, "cannot be invited by upload")
    assert walk.step(+1).contact.id == KEN  # type: ignore[union-attr]
    assert walk.step(-1).contact.id == BARBARA  # type: ignore[union-attr]
    assert walk.step(-1).contact.id == ADA  # type: ignore[union-attr]
    check(store, deck, walk, walk.view)


def test_inviting_someone_an_upload_cannot_carry_warns_at_once(
    store_deck: tuple[Store, Deck],
) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    view = walk.decide("invite")  # Acme: an address, can go
    assert view.message == "" and not view.warning
    assert view.contact is not None and view.contact.id == ADA
    view = walk.decide("invite")  # Ada: connected already
    assert view.warning
    assert view.message == (
        "Invited Ada Lovelace, but a LinkedIn upload cannot carry them (already connected)."
    )
    assert store.contact(ADA).decision == "invite"  # the person decides
    walk.goto(9)
    assert walk.view.contact is not None and walk.view.contact.id == KEN
    view = walk.decide("invite")
    assert view.warning and "(no email)" in view.message
    assert store.contact(KEN).decision == "invite"
    view = walk.decide("skip")  # a skip says nothing
    assert view.message == ""


def test_everyone_in_the_default_walk_decided_opens_the_summary(
    store_deck: tuple[Store, Deck],
) -> None:
    store, deck = store_deck
    store.set_cursor(deck.id, None)
    walk = Walk(store, deck, order="name")
    for _ in range(9):
        assert not walk.decide("skip").summary
    view = walk.decide("skip")  # the 10th: Ada, Barbara and Ken are undecided, outside it
    assert view.summary
    assert "3 others are one filter away (f)" in view.message
    assert store.counts(deck.id).undecided == 3


@pytest.mark.parametrize("order", ["event", "name"])
def test_combined_filters_keep_the_place_right(store_deck: tuple[Store, Deck], order: str) -> None:
    """A decision × tag × flag × source filter: the cards are those the
    matching rule picks, in walk order, and the place follows each move."""
    store, deck = store_deck
    for cid in VIP:
        store.set_tag(cid, "vip", True)
    store.set_tag(ADA, "Mentor", True)
    store.decide(TIM, "skip")
    walk = fresh_walk(store, deck, order)
    flt = WalkFilter(decisions=["undecided", "skip"], tags=["vip", "mentor"], reach=UPLOADABLE)
    assert filter_label(flt) == "undecided or skipped · tag: mentor or vip · can be invited"
    view = walk.apply_filter(flt)
    expected = in_order(store, deck, order, flt)
    # Not Ada (connected), Barbara or Ken (no usable email).
    assert sorted(expected) == sorted([GRACE, TIM, ALAN])
    assert view.total == 3
    check(store, deck, walk, view)
    for key in "jjkasjjkuj":
        if key == "j":
            view = walk.step(+1)
        elif key == "k":
            view = walk.step(-1)
        elif key == "a":
            view = walk.decide("invite")  # leaves the filter: the next card takes its place
        elif key == "s":
            view = walk.decide("skip")
        else:
            view = walk.undo()
        check(store, deck, walk, view)
    by_source = walk.apply_filter(WalkFilter("source", "work.csv"))
    assert by_source.total == len(in_order(store, deck, order, WalkFilter("source", "work.csv")))
    check(store, deck, walk, by_source)


def test_an_import_while_the_walk_is_open_is_seen_at_the_next_card(
    store_deck: tuple[Store, Deck], data_dir: Path, tmp_path: Path
) -> None:
    from triage.ingest.run import run_import

    store, deck = store_deck
    walk = Walk(store, deck, order="event")
    before = walk.view
    assert before.counts.contacts == 13
    newcomers = tmp_path / "new.vcf"
    newcomers.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Zoë Müller\nEMAIL:zoe@new-example.com\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:No Mail\nTEL:+1 202 555 0100\nEND:VCARD\n",
        encoding="utf-8",
    )
    other = Store.open(data_dir)  # another process, as `triage import` is
    try:
        run_import(other, deck.name, [newcomers], region="US")
    finally:
        other.close()
    view = walk.step(+1)
    assert (view.counts.contacts, view.cannot_upload) == (15, before.cannot_upload + 1)
    assert view.total == before.total + 1
    found = walk.search("zoe muller")
    assert [c.name for c in found] == ["Zoë Müller"]
    view = walk.jump(found[0].id)
    assert view.index == view.total - 1  # new people join after everyone
    check(store, deck, walk, view)


# -- redo ---------------------------------------------------------------------------


def test_redo_makes_again_what_undo_undid_and_says_when_there_is_nothing(
    store_deck: tuple[Store, Deck], second: sqlite3.Connection
) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    assert walk.redo().message == "Nothing to redo."
    walk.decide("invite")  # Acme
    walk.toggle_tag("mentor")  # on Ada
    walk.set_note("Hello")
    for _ in range(3):
        walk.undo()
    assert walk.view.can_redo
    assert store.contact(ACME).decision == "undecided" and store.tags_of(ADA) == []
    view = walk.redo()
    assert view.message == f"Redone: decision on {name_of(store, ACME)} (now invited)"
    assert committed(second, ACME) == ("invite", True)
    view = walk.redo()
    assert view.message == "Redone: tag 'mentor' on Ada Lovelace"
    assert store.tags_of(ADA) == ["mentor"]
    view = walk.redo()
    assert view.message == "Redone: note change on Ada Lovelace"
    assert second.execute("SELECT note FROM contacts WHERE id = ?", (ADA,)).fetchone() == ("Hello",)
    assert not view.can_redo
    assert walk.redo().message == "Nothing to redo."
    assert walk.undo().message == "Undone: note change on Ada Lovelace"


def test_redo_survives_a_reopen(store_deck: tuple[Store, Deck], data_dir: Path) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.decide("invite")  # Acme
    walk.decide("skip")  # Ada
    walk.undo()
    walk.undo()
    store.close()
    again = Store.open(data_dir)
    try:
        deck2 = again.deck(deck.name)
        assert deck2 is not None
        walk2 = everyone(again, deck2)
        assert walk2.view.can_redo
        acme = name_of(again, ACME)
        assert walk2.redo().message == f"Redone: decision on {acme} (now invited)"
        assert walk2.redo().message == "Redone: decision on Ada Lovelace (now skipped)"
        assert (again.contact(ACME).decision, again.contact(ADA).decision) == ("invite", "skip")
    finally:
        again.close()
    third = Store.open(data_dir)
    try:
        assert (third.contact(ACME).decision, third.contact(ADA).decision) == ("invite", "skip")
        assert not third.can_redo(deck.id) and third.can_undo(deck.id)
    finally:
        third.close()


def test_a_new_change_after_an_undo_clears_what_could_be_redone(
    store_deck: tuple[Store, Deck],
) -> None:
    store, deck = store_deck
    walk = fresh_walk(store, deck)
    walk.decide("invite")  # Acme
    walk.decide("invite")  # Ada
    walk.undo()  # Ada
    walk.undo()  # Acme
    assert store.can_redo(deck.id)
    view = walk.decide("skip")  # Acme skipped instead: a new change
    assert not view.can_redo and not store.can_redo(deck.id)
    assert walk.redo().message == "Nothing to redo."
    assert (store.contact(ACME).decision, store.contact(ADA).decision) == ("skip", "undecided")
    # Undo still walks back over every change in force.
    acme = name_of(store, ACME)
    assert walk.undo().message == f"Undone: decision on {acme} (now undecided)"
    assert walk.undo().message == "Nothing to undo."
    # A tag is a change too.
    walk.goto(1)
    walk.toggle_tag("vip")
    walk.undo()
    walk.toggle_tag("other")
    assert walk.redo().message == "Nothing to redo."
