"""Keys typed in one burst while a dialog opens go into the dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.widgets import Input

from triage.store import Store
from triage.ui.app import ReviewApp
from triage.ui.editors import GotoDialog
from triage.ui.review_screen import ReviewScreen
from triage.ui.search import SearchScreen

CHARACTERS = {"slash": "/", "enter": "\r", "space": " ", "escape": "\x1b"}


def burst(app: ReviewApp, *keys: str) -> None:
    """As a terminal delivers a fast typist's keys: all queued at once, none
    waiting for the one before to be handled (Pilot's press waits)."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key)))


def review_screen(app: ReviewApp) -> ReviewScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, ReviewScreen)
    return screen


async def test_pilot_press_without_pauses_fills_the_search(make_app: Callable[..., Any]) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("slash", "a", "n", "n", "a")
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one(Input).value == "anna"


async def test_a_burst_opens_the_search_with_every_letter(make_app: Callable[..., Any]) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, "slash", "a", "n", "n", "a")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one(Input).value == "anna"
        # None of the letters reached the card: nobody was invited.
        assert app.store.counts(app.deck.id).invite == 0


async def test_a_burst_goes_to_card_five(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, "g", "5", "enter")
        for _ in range(4):
            await pilot.pause()
        assert not isinstance(app.screen, GotoDialog)
        assert review_screen(app).walk_view is not None
        assert review_screen(app).walk_view.index == 4  # type: ignore[union-attr]
        assert store.cursor(deck.id) == review_screen(app).current_id
        # Quick tag 5 did not fire on the card.
        assert not store.contact(review_screen(app).current_id or 0).tags


async def test_a_burst_tags_the_card(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        first = review_screen(app).current_id
        assert first is not None
        burst(app, "t", *"friends", "enter", *"vip", "enter", "escape")
        # After each enter the keys typed next wait until it is clear the
        # dialog stays open (typeahead.SETTLE); the first dialog also reads
        # the dialogs' styles.  Wait for the escape to close it, at most 10 s.
        for _ in range(100):
            await pilot.pause(0.1)
            if isinstance(app.screen, ReviewScreen):
                break
        assert isinstance(app.screen, ReviewScreen)
        assert store.contact(first).tags == ["friends", "vip"]
        assert store.contact(first).decision == "undecided"  # "a" was not invite


async def test_keys_after_a_dialog_opened_still_reach_the_card(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        first = review_screen(app).current_id
        burst(app, "slash", "escape", "a")
        for _ in range(4):
            await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert store.contact(first or 0).decision == "invite"
