"""Decks from the command line: which deck a command uses without --deck,
and renaming or deleting one.  Run as a user runs them: a subprocess."""

from __future__ import annotations

import os
import pty
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIAGE_CONFIG": str(data / "no-config.toml")}
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "First Name,Last Name,Organization Name,E-mail 1 - Value\n"
        "Ada,Lovelace,Engines,ada@example.com\n"
        "Grace,Hopper,Navy,grace@example.com\n"
        "Alan,Turing,Bletchley,alan@example.com\n",
        encoding="utf-8",
    )
    return path


def test_one_deck_not_named_default_is_the_deck_of_every_command(
    tmp_path: Path, book: Path
) -> None:
    data = tmp_path / "data"
    assert run(data, "import", str(book), "--deck", "work").returncode == 0
    for args in (("status",), ("status", "--json"), ("export", "-o", str(tmp_path / "o.csv"))):
        proc = run(data, *args)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == "deck: work\n"  # said in one line, on stderr
    assert '"deck": "work"' in run(data, "status", "--json").stdout
    # Named, the deck is not announced.
    assert run(data, "status", "--deck", "work").stderr == ""


def test_without_deck_the_one_used_last(tmp_path: Path, book: Path) -> None:
    data = tmp_path / "data"
    run(data, "import", str(book), "--deck", "home")
    run(data, "import", str(book), "--deck", "work")
    assert run(data, "status").stdout.startswith("Deck 'work'")
    assert run(data, "status", "--deck", "home").returncode == 0
    proc = run(data, "status")
    assert proc.stdout.startswith("Deck 'home'") and proc.stderr == "deck: home\n"
    listing = run(data, "decks").stdout
    assert "* home" in listing and "  work" in listing
    assert "commands without --deck use 'home'" in listing
    # An import without --deck goes to that deck too.
    proc = run(data, "import", str(book))
    assert proc.stderr.startswith("deck: home\n")
    assert "Imported into deck 'home'" in proc.stdout


def test_several_decks_none_used_yet_ask_for_one(tmp_path: Path, book: Path) -> None:
    data = tmp_path / "data"
    run(data, "import", str(book), "--deck", "home")
    run(data, "import", str(book), "--deck", "work")
    conn = sqlite3.connect(data / "triage.db")
    with conn:
        conn.execute("UPDATE decks SET used_at = ''")
    conn.close()
    proc = run(data, "status")
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "there are several decks (home, work) and none was used yet;"
            " choose one with --deck NAME"
        )
    )


def test_no_deck_at_all(tmp_path: Path, book: Path) -> None:
    data = tmp_path / "data"
    proc = run(data, "status")
    assert proc.returncode == 2 and "no deck named 'default'" in proc.stderr
    assert not (data / "triage.db").exists()
    proc = run(data, "import", str(book))  # the first deck is 'default'
    assert proc.returncode == 0 and "Imported into deck 'default'" in proc.stdout


def test_rename(tmp_path: Path, book: Path) -> None:
    data = tmp_path / "data"
    run(data, "import", str(book), "--deck", "old")
    run(data, "import", str(book), "--deck", "taken")
    proc = run(data, "decks", "rename", "old", "new")
    assert (proc.returncode, proc.stdout) == (0, "Deck 'old' is now 'new'.\n")
    assert run(data, "status", "--deck", "new").stdout.startswith("Deck 'new': 3 people")
    proc = run(data, "status", "--deck", "old")
    assert proc.returncode == 2 and "no deck named 'old'" in proc.stderr
    proc = run(data, "decks", "rename", "new", "taken")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "triage: there is a deck named 'taken' already"
    proc = run(data, "decks", "rename", "missing", "other")
    assert proc.returncode == 2 and "no deck named 'missing'" in proc.stderr
    proc = run(data, "decks", "rename", "new", " ")
    assert proc.returncode == 2 and "1 to 100 printable characters" in proc.stderr


def test_delete_needs_yes_without_a_terminal_and_says_what_is_lost(
    tmp_path: Path, book: Path
) -> None:
    data = tmp_path / "data"
    run(data, "import", str(book), "--deck", "gone")
    run(data, "import", str(book), "--deck", "kept")
    conn = sqlite3.connect(data / "triage.db")
    with conn:
        (deck_id,) = conn.execute("SELECT id FROM decks WHERE name = 'gone'").fetchone()
        conn.execute(
            "UPDATE contacts SET decision = 'invite', note = 'hi' WHERE deck_id = ? AND id IN"
            " (SELECT id FROM contacts WHERE deck_id = ? LIMIT 2)",
            (deck_id, deck_id),
        )
        conn.execute("INSERT INTO tags (deck_id, name) VALUES (?, 'vip')", (deck_id,))
    conn.close()
    proc = run(data, "decks", "delete", "gone")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "triage: deck 'gone' holds 3 people, 2 decisions, 1 tags and 2 notes;"
        " add --yes to delete it (no terminal to ask on)"
    ]
    assert "gone" in run(data, "decks").stdout
    proc = run(data, "decks", "delete", "gone", "--yes")
    assert proc.returncode == 0
    assert proc.stdout == "Deck 'gone' is deleted (3 people, 2 decisions).\n"
    listing = run(data, "decks").stdout
    assert "gone" not in listing and "kept" in listing
    conn = sqlite3.connect(data / "triage.db")
    left = conn.execute("SELECT COUNT(*) FROM contacts WHERE deck_id = ?", (deck_id,)).fetchone()
    conn.close()
    assert left == (0,)


def _on_a_terminal(data: Path, answer: bytes, *args: str) -> tuple[int, str]:
    """Run triage with a pseudo-terminal as stdin and stdout; type ``answer``
    once it asks."""
    env = {**os.environ, "TRIAGE_CONFIG": str(data / "no-config.toml")}
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "--data-dir", str(data), *args],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
    )
    os.close(child)
    out = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if not answered and b"[y/N]" in out:
            os.write(main, answer)
            answered = True
        if proc.poll() is not None and not ready:
            break
    code = proc.wait(timeout=30)
    os.close(main)
    return code, out.decode("utf-8", "replace").replace("\r\n", "\n")


def test_delete_asks_on_a_terminal(tmp_path: Path, book: Path) -> None:
    data = tmp_path / "data"
    run(data, "import", str(book), "--deck", "maybe")
    code, text = _on_a_terminal(data, b"n\n", "decks", "delete", "maybe")
    assert code == 0
    assert "Deleting deck 'maybe' holds 3 people, 0 decisions, 0 tags and 0 notes" in text
    assert "Delete deck 'maybe'? [y/N]" in text and "Nothing deleted." in text
    assert "maybe" in run(data, "decks").stdout
    code, text = _on_a_terminal(data, b"y\n", "decks", "delete", "maybe")
    assert code == 0 and "Deck 'maybe' is deleted" in text
    assert run(data, "decks").stdout.startswith("No decks yet")
