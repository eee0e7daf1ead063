"""The real thing: the app in a real terminal (tmux), SIGKILLed mid-walk,
restarted, and back on the card it was on with every decision kept."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from triage.store import Store

pytestmark = [
    pytest.mark.tmux,
    # CI installs tmux (.ci/run): there a missing tmux must fail, not skip.
    pytest.mark.skipif(
        shutil.which("tmux") is None and not os.environ.get("CI"),
        reason="tmux is not installed",
    ),
]


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    socket = f"triage-test-{uuid.uuid4().hex[:8]}"
    base = ["tmux", "-L", socket]

    def run(*args: str) -> str:
        return subprocess.run(
            [*base, *args], capture_output=True, text=True, check=False, timeout=30
        ).stdout

    yield run
    subprocess.run([*base, "kill-server"], capture_output=True, check=False)


def wait_for(screen: Callable[[], str], text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


def start(tmux: Callable[..., Any], data_dir: Path, config: Path, session: str) -> None:
    command = (
        f"TRIAGE_CONFIG={config} {sys.executable} -m triage --data-dir {data_dir}"
        " review --deck t --order name; echo EXITED=$?; sleep 30"
    )
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "32", command)


def holder_pid(data_dir: Path) -> int:
    lock = next((data_dir / "locks").glob("deck-*.lock"))
    return int(lock.read_text().strip())


def test_killed_window_resumes_on_the_same_card(
    tmux: Callable[..., Any], store_deck: tuple[Store, Any], data_dir: Path, tmp_path: Path
) -> None:
    store, deck = store_deck
    config = tmp_path / "config.toml"

    session = "first"

    def screen() -> str:
        return str(tmux("capture-pane", "-p", "-t", session))

    start(tmux, data_dir, config, session)
    # The default walk holds the 10 people an upload can invite, by name:
    # Acme Corp, Alan Turing, Dennis Ritchie, ...
    wait_for(screen, "card 1 of 10")
    tmux("send-keys", "-t", session, "a")
    wait_for(screen, "card 2 of 10")
    tmux("send-keys", "-t", session, "s")
    shown = wait_for(screen, "card 3 of 10")
    assert "Dennis Ritchie" in shown
    os.kill(holder_pid(data_dir), signal.SIGKILL)
    wait_for(screen, "EXITED=137")

    # Every decision that was shown to take effect is in the database.
    assert store.contact(4).decision == "invite"
    assert store.contact(3).decision == "skip"
    assert store.cursor(deck.id) == 7

    session = "second"
    start(tmux, data_dir, config, session)
    shown = wait_for(screen, "card 3 of 10")
    assert "Dennis Ritchie" in shown
    assert "1 invited" in shown and "1 skipped" in shown
    tmux("send-keys", "-t", session, "u")
    shown = wait_for(screen, "card 2 of 10")
    assert "Alan Turing" in shown
    tmux("send-keys", "-t", session, "q")
    wait_for(screen, "EXITED=0")
    assert store.contact(3).decision == "undecided"


def wait_gone(screen: Callable[[], str], text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    shown = screen()
    while text in shown and time.monotonic() < deadline:
        time.sleep(0.2)
        shown = screen()
    assert text not in shown, f"{text!r} never went away; the screen was:\n{shown}"
    return shown


def test_keys_typed_in_one_burst_go_into_the_dialogs(
    tmux: Callable[..., Any], store_deck: tuple[Store, Any], data_dir: Path, tmp_path: Path
) -> None:
    store, deck = store_deck
    session = "burst"

    def screen() -> str:
        return str(tmux("capture-pane", "-p", "-t", session))

    start(tmux, data_dir, tmp_path / "config.toml", session)
    wait_for(screen, "card 1 of 10")
    tmux("send-keys", "-t", session, "/anna")
    shown = wait_for(screen, "Search name")
    time.sleep(0.5)
    shown = screen()
    assert "anna" in shown, shown
    tmux("send-keys", "-t", session, "Escape")
    wait_gone(screen, "Search name")
    tmux("send-keys", "-t", session, "g5", "Enter")
    wait_for(screen, "card 5 of 10")
    tmux("send-keys", "-t", session, "tfriends", "Enter")
    wait_for(screen, "friends")
    # The tag dialog stays open for more tags until escape (an escape
    # followed at once by q would read as alt+q: wait for it to close).
    assert "Tags of" in screen()
    tmux("send-keys", "-t", session, "Escape")
    wait_gone(screen, "Tags of")
    tmux("send-keys", "-t", session, "q")
    wait_for(screen, "EXITED=0")
    fifth = store.cursor(deck.id)
    assert fifth is not None
    assert store.contact(fifth).tags == ["friends"]
    assert store.counts(deck.id).invite == 0
