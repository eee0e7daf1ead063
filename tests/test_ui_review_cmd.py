"""The ``review`` use case: config errors, the deck lock, the CLI exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from triage.cli import StateError, UsageError
from triage.review import review
from triage.store import Store
from triage.ui.app import ReviewApp

HOLDER = """
import sys
from pathlib import Path
from triage.lock import DeckLock
lock = DeckLock(Path(sys.argv[1]))
lock.acquire("t")
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def no_window(monkeypatch: pytest.MonkeyPatch) -> list[ReviewApp]:
    """Replace ``ReviewApp.run`` so ``review`` returns at once; records the apps."""
    ran: list[ReviewApp] = []
    monkeypatch.setattr(ReviewApp, "run", lambda self, *a, **k: ran.append(self))
    return ran


def hold_lock(store: Store, deck: Any) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store.lock(deck).path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_review_runs_the_app_with_config(
    store_deck: tuple[Store, Any], config_file: Path, no_window: list[ReviewApp]
) -> None:
    store, deck = store_deck
    config_file.write_text('note_limit = 50\n[keymap]\n"triage.invite" = "y"\n')
    assert review(store, deck, order="company") == 0
    (app,) = no_window
    assert app.config.note_limit == 50
    assert app.config.keymap == {"triage.invite": "y"}
    assert app.order == "company"
    # The lock is released afterwards: a second review opens fine.
    assert review(store, deck, order="name") == 0


def test_broken_config_is_a_usage_error(
    store_deck: tuple[Store, Any], config_file: Path, no_window: list[ReviewApp]
) -> None:
    store, deck = store_deck
    config_file.write_text("note_limit = [\n")
    with pytest.raises(UsageError, match=r"config\.toml"):
        review(store, deck, order="event")
    assert no_window == []


def test_second_review_in_the_same_process_is_refused(
    store_deck: tuple[Store, Any], config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, deck = store_deck
    errors: list[str] = []

    def run(self: ReviewApp, *args: object, **kwargs: object) -> None:
        try:
            review(store, deck, order="event")
        except StateError as exc:
            errors.append(str(exc))

    monkeypatch.setattr(ReviewApp, "run", run)
    assert review(store, deck, order="event") == 0
    assert len(errors) == 1
    assert str(os.getpid()) in errors[0]


def test_locked_deck_names_the_holder_and_a_killed_holder_does_not_block(
    store_deck: tuple[Store, Any], config_file: Path, no_window: list[ReviewApp]
) -> None:
    store, deck = store_deck
    proc = hold_lock(store, deck)
    try:
        with pytest.raises(StateError, match=str(proc.pid)):
            review(store, deck, order="event")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert review(store, deck, order="event") == 0
    assert len(no_window) == 1


def test_cli_exits_3_while_another_window_holds_the_deck(
    store_deck: tuple[Store, Any], data_dir: Path, config_file: Path
) -> None:
    store, deck = store_deck
    proc = hold_lock(store, deck)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "triage", "--data-dir", str(data_dir), "review", "--deck", "t"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert result.returncode == 3
    assert str(proc.pid) in result.stderr
    assert "Traceback" not in result.stderr
