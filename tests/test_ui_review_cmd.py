"""The ``review`` use case: config errors, the deck lock, the CLI exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from triage.cli.errors import StateError, UsageError
from triage.cli.review import review
from triage.store import Store
from triage.ui.app import ReviewApp

HOLDER = """
import sys
from pathlib import Path
from triage.store.lock import DeckLock
lock = DeckLock(Path(sys.argv[1]))
lock.acquire("t")
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.fixture(autouse=True)
def a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """``review`` called in this process believes its input is a terminal
    (the tests' standard input is not one)."""
    monkeypatch.setattr("triage.cli.review._reads_a_terminal", lambda: True)


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


def test_review_without_a_terminal_is_refused_in_one_line(
    store_deck: tuple[Store, Any], data_dir: Path, tmp_path: Path
) -> None:
    """Input from a file, a pipe or nothing: a one-line usage error at once
    (not a window spinning on closed input), the deck untouched."""
    store, deck = store_deck
    before = (store.counts(deck.id), store.cursor(deck.id))
    env = {**os.environ, "TRIAGE_CONFIG": str(tmp_path / "no-config.toml")}
    for stdin in (subprocess.DEVNULL, b"q\n"):
        result = subprocess.run(
            [sys.executable, "-m", "triage", "--data-dir", str(data_dir), "review", "--deck", "t"],
            capture_output=True,
            timeout=60,
            env=env,
            **({"stdin": stdin} if stdin == subprocess.DEVNULL else {"input": stdin}),
        )
        err = result.stderr.decode()
        assert result.returncode == 2, err
        assert err.count("\n") == 1 and "needs a terminal" in err and "Traceback" not in err
    demo = subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(tmp_path / "d"), "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert demo.returncode == 2 and "needs a terminal" in demo.stderr
    assert (store.counts(deck.id), store.cursor(deck.id)) == before


def test_quit_typed_before_the_first_card_exits_0_in_a_terminal(
    store_deck: tuple[Store, Any], data_dir: Path, tmp_path: Path
) -> None:
    """``q`` already waiting in the terminal when ``triage review`` starts (typed
    during start-up) is read before the window has mounted its widgets: the
    window closes without a traceback, exit 0, and the deck is as it was."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from bench import campaign_crash

    why = campaign_crash.pty_available()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"no pseudo-terminal in CI: {why}")
        pytest.skip(why)
    store, deck = store_deck
    store.decide(store.walk_first(deck.id, "name") or 0, "invite")
    before = (store.counts(deck.id), store.cursor(deck.id))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    env |= {"TERM": "xterm-256color", "TRIAGE_CONFIG": str(tmp_path / "no-config.toml")}
    argv = [sys.executable, "-m", "triage", "--data-dir", str(data_dir), "review", "--deck", "t"]
    term = campaign_crash.Terminal(argv, env, lambda lines: None)
    try:
        term.send(b"q")  # in the terminal's input before the app reads anything
        term.wait_until(lambda: term.eof, timeout=60)
        code = term.proc.wait(timeout=30)
    finally:
        if term.proc.poll() is None:
            term.kill()
        term.close()
    shown = term.tail.decode("utf-8", "replace") + term.text()
    assert "Traceback" not in shown and "NoMatches" not in shown, shown[-2000:]
    assert code == 0
    assert (store.counts(deck.id), store.cursor(deck.id)) == before
    assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
