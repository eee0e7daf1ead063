"""Acting on what the card shows: open the profile (or a mail), copy the email."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from triage.store import Store
from triage.ui.app import ReviewApp
from triage.ui.review_screen import ReviewScreen

ADA, BARBARA, DENNIS = 1, 5, 7


def opened(app: ReviewApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **kw: urls.append(url))
    return urls


def current(app: ReviewApp) -> int | None:
    screen = app.screen_stack[0]
    assert isinstance(screen, ReviewScreen)
    return screen.current_id


async def test_o_opens_the_profile_else_a_mail(
    make_app: Callable[..., Any],
    store_deck: tuple[Store, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, deck = store_deck
    assert store.contact(ADA).profile_url  # from Connections.csv
    store.set_cursor(deck.id, ADA)
    app = make_app()
    urls = opened(app, monkeypatch)
    async with app.run_test() as pilot:
        await pilot.press("o")
        assert urls == [store.contact(ADA).profile_url]
        await pilot.press("g", "5", "enter")  # Dennis, in name order
        await pilot.pause()
        assert current(app) == DENNIS
        await pilot.press("o")
        assert urls[-1] == "mailto:dmr@bell-example.com"


async def test_o_without_profile_or_email_says_so(
    make_app: Callable[..., Any],
    store_deck: tuple[Store, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, deck = store_deck
    store.set_cursor(deck.id, BARBARA)  # a phone, no email
    app = make_app()
    urls = opened(app, monkeypatch)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert current(app) == BARBARA
        await pilot.press("o", "c")
        await pilot.pause()
        assert urls == []
        assert app.clipboard == ""
        assert [n.message for n in app._notifications] == ["This card has no email to copy."]


async def test_c_copies_the_primary_email(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    store.set_cursor(deck.id, DENNIS)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == "dmr@bell-example.com"
        assert [n.message for n in app._notifications] == ["Copied dmr@bell-example.com"]


async def test_open_and_copy_are_in_the_palette_and_help(make_app: Callable[..., Any]) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Open profile" in titles and "Copy email" in titles
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-keys").render())
        assert "Open the profile" in text and "Copy the primary email" in text
