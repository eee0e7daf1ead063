"""A sitting at the walk-through: pace, time left, --meet N, the closing line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from triage.cli.review import review
from triage.config import Config
from triage.model import Counts
from triage.store import Store
from triage.ui.app import ReviewApp
from triage.ui.session import Session, duration
from triage.ui.summary import SummaryScreen


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pace_and_time_left_once_there_is_enough_to_tell() -> None:
    clock = Clock()
    session = Session(Counts(contacts=100, invite=10, skip=5, undecided=85), clock)
    assert session.pace() == ""
    clock.now += 60
    session.update(Counts(contacts=100, invite=12, skip=6, undecided=82))
    assert session.decided == 3 and session.invited == 2 and session.skipped == 1
    assert session.pace() == "3.0/min · about 27 min left"
    clock.now += 9 * 60  # ten minutes in all
    session.update(Counts(contacts=100, invite=40, skip=30, undecided=30))
    assert session.pace() == "5.5/min · about 5 min left"
    assert session.line() == (
        "This session: 55 people decided (30 invited, 25 skipped) in 10 min,"
        " 5.5 a minute; 30 left to decide."
    )


def test_an_undo_takes_a_decision_off_the_session() -> None:
    session = Session(Counts(contacts=10, invite=1, skip=0, undecided=9), Clock())
    session.update(Counts(contacts=10, invite=0, skip=0, undecided=10))
    assert session.decided == 0 and session.invited == 0
    assert session.line() == (
        "This session: 0 people decided (0 invited, 0 skipped) in under a minute;"
        " 10 left to decide."
    )


def test_durations() -> None:
    assert duration(0.2) == "under a minute"
    assert duration(25.4) == "25 min"
    assert duration(130) == "2 h 10 min"
    assert duration(120) == "2 h"


async def test_meet_ends_the_session_with_the_summary(
    store_deck: tuple[Store, Any],
) -> None:
    store, deck = store_deck
    app = ReviewApp(store, deck, order="name", config=Config(), cursor_blink=False, meet=2)
    async with app.run_test() as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, SummaryScreen)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        headline = str(app.screen.query_one("#summary-headline").render())
        assert headline.startswith("You met 2 people: this session is done.")
        await pilot.press("b")  # back to the cards: the walk goes on
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, SummaryScreen)
        assert app.session_line().startswith("This session: 3 people decided (2 invited, 1 ")


async def test_quitting_leaves_one_line_about_the_session(
    make_app: Callable[..., Any],
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("a", "s", "a", "q")
    assert app.session_line().startswith(
        "This session: 3 people decided (2 invited, 1 skipped) in under a minute"
    )
    assert app.session_line().endswith("; 10 left to decide.")


def test_review_prints_the_line_after_the_window_closes(
    store_deck: tuple[Store, Any],
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, deck = store_deck
    monkeypatch.setattr("triage.cli.review._reads_a_terminal", lambda: True)
    monkeypatch.setattr(ReviewApp, "run", lambda self, *a, **k: None)
    monkeypatch.setattr(ReviewApp, "session_line", lambda self: "This session: 1 person")
    assert review(store, deck, order="name", meet=5) == 0
    assert capsys.readouterr().out == "This session: 1 person\n"


async def test_the_header_shows_the_pace_and_the_time_left(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Session, "minutes", property(lambda self: 1.0))
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("a", "s")

        def walk_line() -> str:
            line = app.screen.query_one("#header-walk")
            return "".join(s.text for s in line.render_line(0))

        assert "/min" not in walk_line()  # two decisions: too early to tell
        await pilot.press("a")
        await pilot.pause()
        undecided = app.store.counts(app.deck.id).undecided
        assert f"3.0/min · about {round(undecided / 3)} min left" in walk_line()
