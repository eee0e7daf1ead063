"""Pilot tests of the walk that helps decide: the default walk of the people
an upload can invite, the filter dialog with several options ticked, the
warning on inviting someone an upload cannot carry, and redo by its keys.
Each key, then what the store holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import SelectionList

from triage.model import UPLOADABLE, WalkFilter
from triage.store import Store
from triage.ui.app import ReviewApp
from triage.ui.filter import FilterScreen
from triage.ui.review_screen import ReviewScreen

# Name order of the sample deck (tests/conftest.py): Ada is connected,
# Barbara and Ken have no usable email.
ACME, ADA, ALAN, BARBARA, DENNIS, GRACE, KEN = 4, 1, 3, 5, 7, 2, 6


def screen_of(app: ReviewApp) -> ReviewScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, ReviewScreen)
    return screen


def messages(app: ReviewApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_the_window_walks_the_people_an_upload_can_invite(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    app = make_app(flt=None)  # the default walk
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = screen_of(app)
        assert screen.current_id == ACME
        assert screen.flt == WalkFilter(reach=UPLOADABLE)
        view = screen.walk_view
        assert view is not None and (view.total, view.cannot_upload) == (10, 3)
        assert "3 outside (f)" in view.walk_label
        await pilot.press("right", "right")
        assert screen.current_id == DENNIS  # over Ada and Barbara
        await pilot.press("s")
        assert store.contact(DENNIS).decision == "skip"


async def test_filter_dialog_ticks_two_options_at_once(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    store.decide(ALAN, "skip")
    store.set_tag(GRACE, "vip", True)
    store.set_tag(ALAN, "vip", True)
    store.set_tag(DENNIS, "vip", True)
    app = make_app(flt=None)
    async with app.run_test() as pilot:
        await pilot.press("f")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FilterScreen)
        options = dialog.query_one(SelectionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        # One line per option with its count; the current walk is ticked.
        line = {label.split("  ")[0]: label for label in labels}
        assert line["can be invited"].split()[-1] == "10"
        assert line["cannot be invited by upload"].split()[-1] == "3"
        assert line["tag: vip"].split()[-1] == "3"
        assert options.selected == [0]
        # Tick "undecided" and "tag: vip" too (space ticks), then show.
        for label in ("undecided", "tag: vip"):
            options.highlighted = next(i for i, x in enumerate(labels) if x.startswith(label))
            await pilot.press("space")
        await pilot.press("enter")
        await pilot.pause()
        screen = screen_of(app)
        wanted = WalkFilter(decisions=["undecided"], tags=["vip"], reach=UPLOADABLE)
        assert screen.flt == wanted
        view = screen.walk_view
        assert view is not None and view.total == 2  # Grace, Dennis: Alan is skipped
        assert screen.current_id in (GRACE, DENNIS)
        assert view.filter_label == "undecided · tag: vip · can be invited"
        # Opened again, the dialog shows those three ticked.
        await pilot.press("f")
        await pilot.pause()
        assert len(app.screen.query_one(SelectionList).selected) == 3
        await pilot.press("escape")
        assert screen_of(app).flt == wanted


async def test_inviting_someone_an_upload_cannot_carry_warns_at_once(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    app = make_app()  # every card
    async with app.run_test() as pilot:
        await pilot.press("right")
        assert screen_of(app).current_id == ADA
        await pilot.press("a")
        await pilot.pause()
        assert store.contact(ADA).decision == "invite"  # recorded all the same
        assert messages(app) == [
            "Invited Ada Lovelace, but a LinkedIn upload cannot carry them (already connected)."
        ]
        assert [n.severity for n in app._notifications] == ["warning"]


async def test_redo_keys(make_app: Callable[..., Any], store_deck: tuple[Store, Any]) -> None:
    store, deck = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("U")
        await pilot.pause()
        assert messages(app) == ["Nothing to redo."]
        await pilot.press("a", "s")  # Acme invited, Ada skipped
        await pilot.press("u", "u")
        assert (store.contact(ACME).decision, store.contact(ADA).decision) == (
            "undecided",
            "undecided",
        )
        await pilot.press("U")
        assert store.contact(ACME).decision == "invite"
        await pilot.press("ctrl+y")
        assert store.contact(ADA).decision == "skip"
        assert screen_of(app).current_id == ADA
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert messages(app)[-1] == "Nothing to redo."
        # A new change after an undo: nothing left to redo.
        await pilot.press("u", "a")
        assert store.contact(ADA).decision == "invite"
        assert not store.can_redo(deck.id)
    # Remapped like any other key.
    keymap = {"triage.redo": "r"}
    app2 = ReviewApp(store, deck, order="name", cursor_blink=False)
    async with app2.run_test() as pilot:
        app2.set_keymap(keymap)
        await pilot.press("u")
        assert store.contact(ADA).decision == "undecided"
        await pilot.press("r")
        assert store.contact(ADA).decision == "invite"
