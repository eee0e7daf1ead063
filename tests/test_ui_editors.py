"""Pilot tests of the modal editors and choosers: tags, quick tags, the note,
search, filter, go-to, help and the command palette."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, OptionList, TextArea

from triage.config import Config
from triage.model import WalkFilter
from triage.store import Store
from triage.ui.editors import GotoDialog, NoteEditor, TagPicker
from triage.ui.filter import FilterScreen
from triage.ui.help import HelpScreen
from triage.ui.review_screen import ReviewScreen
from triage.ui.search import SearchScreen

ACME, ADA, ALAN, GRACE, KATHERINE, MARGARET, LINUS = 4, 1, 3, 2, 12, 8, 9


def capture_notes(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    notes: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **_: notes.append(str(message)))
    return notes


def review_screen(app: Any) -> ReviewScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, ReviewScreen)
    return screen


async def test_tag_dialog_adds_several_tags_and_stays_open(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TagPicker)
        await pilot.press(*"mentor", "enter", *"quiet", "enter")  # q types, no quit
        assert app.is_running and isinstance(app.screen, TagPicker)
        assert store.tags_of(ACME) == ["mentor", "quiet"]
        await pilot.press(*"mentor", "enter")  # again: still on, never removed
        assert store.tags_of(ACME) == ["mentor", "quiet"]
        assert "already on this card" in str(app.screen.query_one("#tag-preview").render()) or (
            [n.message for n in app._notifications] == ["'mentor' is already on this card."]
        )
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("right")
        second = review_screen(app).current_id
        assert second is not None and second != ACME
        await pilot.press("t", "M", "E", "N", "T", "O", "R", "enter")
        # "MENTOR" when "mentor" exists is that tag, added; nothing new is made.
        assert store.tags_of(second) == ["mentor"]
        assert store.deck_tags(deck.id) == ["mentor", "quiet"]
        await pilot.press("W", "o", "r", "k", "enter", "escape")
        await pilot.press("t", "w", "o", "r", "k", "enter", "escape")
        assert store.tags_of(second) == ["mentor", "Work"]
        assert store.deck_tags(deck.id) == ["mentor", "quiet", "Work"]


async def test_tag_dialog_removes_renames_and_deletes_with_undo(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    for cid in (ADA, ALAN, GRACE):
        store.set_tag(cid, "work", True)
    store.set_tag(ACME, "work", True)
    store.set_tag(ACME, "clients", True)
    store.set_tag(ALAN, "clients", True)
    store.set_cursor(deck.id, ACME)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("t")
        dialog = app.screen
        assert isinstance(dialog, TagPicker)
        text = str(dialog.query_one("#tag-list").render_line(0).text)
        assert "work" in text and "4" in text  # the most used first, with its count
        await pilot.press("down")  # into the list: "work" highlighted
        await pilot.press("x")  # off this card only
        assert store.tags_of(ACME) == ["clients"]
        assert sorted(c for c in range(1, 15) if "work" in store.tags_of(c)) == sorted(
            [ADA, ALAN, GRACE]
        )
        await pilot.press("r", *"-team", "enter")  # rename everywhere
        assert store.deck_tags(deck.id) == ["work-team", "clients"]
        assert store.tags_of(GRACE) == ["work-team"]
        await pilot.press("down", "ctrl+d")  # asks first
        assert store.deck_tags(deck.id) == ["work-team", "clients"]
        await pilot.press("ctrl+d")
        assert store.deck_tags(deck.id) == ["clients"]
        assert store.tags_of(GRACE) == []
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("u")  # the delete, in one step
        assert sorted(store.deck_tags(deck.id)) == ["clients", "work-team"]
        assert store.tags_of(GRACE) == ["work-team"]
        await pilot.press("u")  # the rename, in one step
        assert sorted(store.deck_tags(deck.id)) == ["clients", "work"]
        assert sorted(store.tags_of(ALAN)) == ["clients", "work"]


async def test_renaming_into_an_existing_tag_merges_and_undo_splits(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    store.set_tag(ADA, "work", True)
    store.set_tag(ALAN, "Clients", True)
    store.set_tag(ACME, "clients", True)  # the same tag, whatever the case
    assert store.deck_tags(deck.id) == ["work", "Clients"]
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("t", "down", "down")  # "Clients" (2), then "work" (1)
        await pilot.press("r", "ctrl+u", *"CLIENTS", "enter")
        assert store.deck_tags(deck.id) == ["Clients"]
        assert {c for c in range(1, 15) if store.tags_of(c)} == {ADA, ALAN, ACME}
        await pilot.press("down", "r", "ctrl+u", *"clients", "enter")  # respelt
        assert store.deck_tags(deck.id) == ["clients"]
        await pilot.press("escape", "u")
        assert store.deck_tags(deck.id) == ["Clients"]
        await pilot.press("u")
        assert sorted(store.deck_tags(deck.id)) == ["Clients", "work"]
        assert store.tags_of(ADA) == ["work"]
        assert store.tags_of(ALAN) == ["Clients"]


async def test_quick_tags_are_the_nine_most_used(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = store_deck
    store.set_tag(ALAN, "python", True)
    store.set_tag(ALAN, "climate", True)
    store.set_tag(ADA, "climate", True)
    store.set_tag(GRACE, "unused", True)
    store.set_tag(GRACE, "unused", False)  # a tag no card carries any more
    store.set_cursor(1, None)
    app = make_app()
    notes = capture_notes(app, monkeypatch)
    async with app.run_test() as pilot:
        await pilot.press("1")  # climate: on two cards
        assert store.tags_of(ACME) == ["climate"]
        await pilot.press("2")
        assert store.tags_of(ACME) == ["python", "climate"]
        await pilot.press("1")
        assert store.tags_of(ACME) == ["python"]
        await pilot.press("3")  # "unused" is third, carried by nobody
        assert store.tags_of(ACME) == ["python", "unused"]
        await pilot.press("4")
        assert any("No quick tag 4" in note for note in notes)
        await pilot.press("u")
        assert store.tags_of(ACME) == ["python"]


async def test_note_editor_counts_saves_and_refuses_past_the_limit(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    app = make_app(config=Config(note_limit=10))
    async with app.run_test() as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*"Hi Acme")
        assert "7 / 10" in str(app.screen.query_one("#note-counter").render())
        await pilot.press("ctrl+s")
        assert store.contact(ACME).note == "Hi Acme"
        assert isinstance(app.screen, ReviewScreen)

        await pilot.press("n", *"12345")
        counter = app.screen.query_one("#note-counter")
        assert "12 / 10" in str(counter.render())
        assert counter.has_class("-over")
        await pilot.press("ctrl+s")  # refused: the editor stays open
        assert isinstance(app.screen, NoteEditor)
        assert store.contact(ACME).note == "Hi Acme"
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
        assert store.contact(ACME).note == "Hi Acme"

        await pilot.press("n")
        app.screen.query_one(TextArea).text = ""
        await pilot.click("#note-save")
        assert store.contact(ACME).note == ""
        await pilot.press("u")
        assert store.contact(ACME).note == "Hi Acme"


async def test_search_jumps_to_the_chosen_card(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"nasa")
        results = app.screen.query_one(OptionList)
        for _ in range(50):  # the search is debounced: wait for it, at most 5 s
            await pilot.pause(0.1)
            if results.option_count == 2:
                break
        assert results.option_count == 2
        await pilot.press("down", "enter")
        assert review_screen(app).current_id in (KATHERINE, MARGARET)
        picked = review_screen(app).current_id
        assert store.cursor(deck.id) == picked
        # By email, and Enter straight from the input takes the first result.
        await pilot.press("slash", *"amazing.grace", "enter")
        await pilot.pause()
        assert review_screen(app).current_id == GRACE


async def test_filter_walks_only_within_it(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("f")
        assert isinstance(app.screen, FilterScreen)
        labels = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert any(label.startswith("flag: merged") for label in labels)
        merged = next(i for i, label in enumerate(labels) if label.startswith("flag: merged"))
        app.screen.query_one(OptionList).highlighted = merged
        await pilot.press("space", "enter")  # tick it, show its cards
        screen = review_screen(app)
        assert screen.flt == WalkFilter("flag", "merged")
        assert screen.current_id == ADA
        await pilot.press("right")
        assert screen.current_id == GRACE
        await pilot.press("right")  # the end of the filter: stays
        assert screen.current_id == GRACE
        await pilot.press("s")  # a decision inside a filter: next in the filter
        assert store.contact(GRACE).decision == "skip"
        assert "card 2 of 2" in str(screen.query_one("#header-position").render())


async def test_goto_jumps_to_card_n(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("g")
        assert isinstance(app.screen, GotoDialog)
        await pilot.press("x", "1", "0", "enter")  # letters are refused by the input
        assert review_screen(app).current_id == LINUS  # 10th by name
        assert store.cursor(deck.id) == LINUS
        await pilot.press("g", "9", "9", "enter")  # out of range: stays open
        assert isinstance(app.screen, GotoDialog)
        assert app.screen.query_one(Input).value == "99"
        await pilot.press("escape")
        assert review_screen(app).current_id == LINUS


async def test_help_lists_live_keys_and_quick_tags(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    store.set_tag(ALAN, "python", True)
    store.set_cursor(1, None)
    app = make_app(config=Config(keymap={"triage.skip": "x", "triage.next": "l"}))
    async with app.run_test() as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-keys").render())
        lines = {line.split()[0]: line for line in text.splitlines()}
        assert "Skip this person" in lines["x"]
        assert "Next card" in lines["l"]
        assert "s" not in lines and "j" not in lines
        assert "python" in lines["1"]
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_palette_offers_every_action(make_app: Callable[..., Any]) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(review_screen(app))}
        for title in (
            "Invite",
            "Skip",
            "Next card",
            "Previous card",
            "Undo",
            "Tag",
            "Note",
            "Search",
            "Filter",
            "Go to card",
            "Export",
            "Help",
            "Quit",
            "Theme",
            "Walk order: event",
            "Walk order: name",
            "Walk order: company",
            "Walk order: source",
        ):
            assert title in titles
        assert not any("all" in t.lower() and "invite" in t.lower() for t in titles)


async def test_palette_changes_the_walk_order(
    make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = review_screen(app)
        command = next(
            c for c in app.get_system_commands(screen) if c.title == "Walk order: company"
        )
        command.callback()
        await pilot.pause()
        assert screen.order == "company"
        assert "order: company" in str(screen.query_one("#header-walk").render())


async def test_export_key(make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    app = make_app()
    notes = capture_notes(app, monkeypatch)
    async with app.run_test() as pilot:
        await pilot.press("e")
        await pilot.pause()
        if importlib.util.find_spec("triage.ui.export_screen") is None:
            assert any("not available" in note for note in notes)
        else:
            assert type(app.screen).__name__ == "ExportScreen"
