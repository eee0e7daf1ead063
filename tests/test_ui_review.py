"""Pilot tests of the walk-through: each key, then what the STORE holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual import events

from triage.config import Config
from triage.model import WalkFilter
from triage.store import Store
from triage.ui.app import ReviewApp
from triage.ui.review_screen import ReviewScreen
from triage.ui.start import StartLookup
from triage.ui.summary import SummaryScreen

# Name order of the sample deck (tests/conftest.py).
ACME, ADA, ALAN, BARBARA, DENNIS, GRACE = 4, 1, 3, 5, 7, 2
LAST = 13  # Tim Berners-Lee


def review_screen(app: ReviewApp) -> ReviewScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, ReviewScreen)
    return screen


def shown(app: ReviewApp) -> int | None:
    return review_screen(app).current_id


async def test_starts_on_first_undecided_in_order(make_app: Callable[..., Any]) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert shown(app) == ACME
        assert "card 1 of 13" in str(app.screen.query_one("#header-position").render())
        assert "order: name" in str(app.screen.query_one("#header-walk").render())


async def test_invite_and_skip_are_stored_before_the_next_card(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("a")
        c = store.contact(ACME)
        assert (c.decision, bool(c.decided_at)) == ("invite", True)
        assert shown(app) == ADA
        assert store.cursor(deck.id) == ADA
        await pilot.press("s")
        c = store.contact(ADA)
        assert (c.decision, bool(c.decided_at)) == ("skip", True)
        assert shown(app) == ALAN
        assert store.cursor(deck.id) == ALAN
        counts = store.counts(deck.id)
        assert (counts.invite, counts.skip, counts.undecided) == (1, 1, 11)


async def test_decision_moves_to_next_undecided_skipping_decided(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    store.decide(ALAN, "skip")
    store.decide(BARBARA, "invite")
    store.set_cursor(deck.id, None)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("right")  # Ada
        assert shown(app) == ADA
        await pilot.press("a")
        assert shown(app) == DENNIS  # Alan and Barbara are decided already


async def test_next_previous_and_aliases_save_the_cursor(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("right", "j")
        assert shown(app) == ALAN
        assert store.cursor(deck.id) == ALAN
        await pilot.press("left")
        assert shown(app) == ADA
        await pilot.press("k")
        assert shown(app) == ACME
        assert store.cursor(deck.id) == ACME
        await pilot.press("k")  # already first: stays
        assert shown(app) == ACME
        assert store.contact(ACME).decision == "undecided"  # moving decides nothing


async def test_undo_restores_and_shows_the_card(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("u")  # nothing to undo yet: said, not silently ignored
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["Nothing to undo."]
        await pilot.press("a", "s")
        assert shown(app) == ALAN
        await pilot.press("u")
        assert store.contact(ADA).decision == "undecided"
        assert store.contact(ADA).decided_at == ""
        assert shown(app) == ADA
        await pilot.press("ctrl+z")
        assert store.contact(ACME).decision == "undecided"
        assert shown(app) == ACME
        assert store.cursor(deck.id) == ACME
        assert not store.can_undo(deck.id)
        await pilot.press("u")  # nothing left: harmless, and said
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["Nothing to undo."]
        assert store.counts(deck.id).undecided == 13


async def test_a_burst_of_undos_shows_one_message_not_a_stack(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    """Messages replace each other: five quick undos leave the latest one
    only, so no stack of toasts covers the card and the header's counts."""
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("a", "s", "a", "s", "a")
        await pilot.press("u", "u", "u", "u", "u")
        await pilot.pause()
        (message,) = [n.message for n in app._notifications]
        assert message.startswith("Undone: decision on ")
        assert message.endswith("(now undecided)")
        await pilot.press("t")  # a dialog, then back: still one message at most
        await pilot.press("escape")
        await pilot.press("1")
        await pilot.pause()
        assert len(app._notifications) == 1


async def test_holding_next_on_the_last_card_shows_one_notice(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    store.set_cursor(deck.id, LAST)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert shown(app) == LAST
        await pilot.press("j")
        await pilot.pause()
        (first,) = app._notifications
        assert first.message == "This is the last card."
        await pilot.press(*["j"] * 8)
        await pilot.pause()
        # Still that one notice, not raised again (nor stacked) eight times.
        assert [n.identity for n in app._notifications] == [first.identity]
        await pilot.press("k")  # a different notice replaces it
        await pilot.press("j", "j")
        await pilot.pause()
        assert len(app._notifications) == 1


async def test_undo_clears_a_filter_the_card_is_not_in(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("a")  # invite Acme
        screen = review_screen(app)
        screen.apply_filter(WalkFilter("flag", "merged"))
        await pilot.pause()
        assert shown(app) == ADA
        await pilot.press("u")  # Acme is not merged: the filter goes
        assert screen.flt == WalkFilter()
        assert shown(app) == ACME
        assert store.contact(ACME).decision == "undecided"


async def test_resume_and_undo_after_a_restart(
    data_dir: Any, store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    everyone = StartLookup(store, deck, "name", thread=False, flt=WalkFilter())
    app = ReviewApp(store, deck, order="name", cursor_blink=False, start=everyone)
    async with app.run_test() as pilot:
        await pilot.press("a", "a", "right")
    store.close()

    again = Store.open(data_dir)
    deck2 = again.deck("t")
    assert deck2 is not None
    app2 = ReviewApp(again, deck2, order="name", cursor_blink=False)
    try:
        async with app2.run_test() as pilot:
            assert shown(app2) == BARBARA  # where the first window left off
            await pilot.press("u")
            assert again.contact(ADA).decision == "undecided"
            assert shown(app2) == ADA
            await pilot.press("u")
            assert again.contact(ACME).decision == "undecided"
    finally:
        again.close()


async def test_summary_after_the_last_undecided_card(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    for cid in range(1, LAST + 1):
        if cid != GRACE:
            store.decide(cid, "skip")
    store.decide(ADA, "invite")
    store.set_cursor(deck.id, None)
    app = make_app()
    async with app.run_test() as pilot:
        assert shown(app) == GRACE
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert store.contact(GRACE).decision == "invite"
        assert store.counts(deck.id).undecided == 0
        text = " ".join(str(w.render()) for w in app.screen.query(".summary-label"))
        assert "invited" in text and "google.csv" in text
        await pilot.press("r")  # second pass over the skipped
        await pilot.pause()
        screen = review_screen(app)
        assert app.screen is screen
        assert screen.flt == WalkFilter("skip")
        assert shown(app) == ACME
        await pilot.press("a")  # changes a skip to an invite, next skipped card
        assert store.contact(ACME).decision == "invite"
        assert shown(app) == ALAN


async def test_summary_back_and_quit(make_app: Callable[..., Any], store_deck: Any) -> None:
    store, deck = store_deck
    for cid in range(2, LAST + 1):
        store.decide(cid, "skip")
    store.set_cursor(deck.id, None)
    app = make_app()
    async with app.run_test() as pilot:
        assert shown(app) == ADA
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_remapped_key_from_config(make_app: Callable[..., Any], store_deck: Any) -> None:
    store, _ = store_deck
    app = make_app(config=Config(keymap={"triage.invite": "y"}))
    async with app.run_test() as pilot:
        await pilot.press("a")  # no longer bound
        assert store.contact(ACME).decision == "undecided"
        await pilot.press("y")
        assert store.contact(ACME).decision == "invite"


async def test_unknown_theme_falls_back(make_app: Callable[..., Any]) -> None:
    app = make_app(config=Config(theme="no-such-theme"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
    app = make_app(config=Config(theme="nord"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "nord"


async def test_quit_key(make_app: Callable[..., Any]) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_header_position_stays_right_without_recounting(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    """The screen tracks the card's place while stepping and deciding; it must
    always equal what the store would count."""
    store, deck = store_deck
    store.set_tag(GRACE, "vip", True)
    store.set_tag(BARBARA, "vip", True)
    store.set_tag(LAST, "vip", True)
    store.decide(ALAN, "skip")
    store.decide(DENNIS, "skip")
    store.set_cursor(deck.id, None)
    app = make_app()

    def check() -> None:
        screen = review_screen(app)
        c = screen.contact
        assert c is not None
        total = store.walk_count(deck.id, screen.flt)
        position = str(screen.query_one("#header-position").render())
        if screen.flt.matches(c):
            index = store.walk_index(deck.id, "name", screen.flt, c.id)
            assert position == f"card {index + 1} of {total}", (screen.flt, c.name)
        else:
            assert "outside the filter" in position

    async with app.run_test() as pilot:
        screen = review_screen(app)
        for flt, keys in (
            (WalkFilter("undecided"), "jjsakaj"),
            (WalkFilter("skip"), "jkajs"),
            (WalkFilter("tag", "vip"), "jasjk"),
            (WalkFilter(), "jjaskk"),
        ):
            screen.apply_filter(flt)
            await pilot.pause()
            check()
            for key in keys:
                await pilot.press(key)
                check()


async def test_quit_key_read_before_the_screen_is_mounted_closes_cleanly(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key typed (or piped in) during start-up reaches the app before the
    review screen has mounted its widgets; ``q`` then shuts Textual down
    while the screen is still mounting.  The window closes without an error
    and the deck keeps every decision."""
    store, deck = store_deck
    store.decide(ALAN, "skip")
    before = (store.counts(deck.id), store.cursor(deck.id))
    mount = ReviewApp.on_mount

    def mount_then_quit_key(self: ReviewApp) -> None:
        mount(self)
        self.post_message(events.Key("q", "q"))  # as the terminal driver posts a key

    monkeypatch.setattr(ReviewApp, "on_mount", mount_then_quit_key)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
    assert app.return_code == 0
    assert (store.counts(deck.id), store.cursor(deck.id)) == before
    assert store.contact(ALAN).decision == "skip"


async def test_next_on_an_emptied_filter_says_there_is_no_card_in_it(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    store.set_tag(ACME, "solo", True)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = review_screen(app)
        screen.apply_filter(WalkFilter("tag", "solo"))
        await pilot.press("1")  # quick tag 1 "solo" off: the filter is now empty
        await pilot.press("j")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert messages == ["No card is in the filter 'tag: solo'. Press f to change it."]
        line = app.screen.query_one("#header-position")
        text = "".join(s.text for s in line.render_line(0))
        assert "–/0" in text or "card – of 0" in text
        assert "outside" in text  # the card shown is outside the filter, said short
