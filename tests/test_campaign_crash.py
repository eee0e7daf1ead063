"""The crash campaign (bench/campaign_crash.py) in its small form.

The real app in a pseudo-terminal, SIGKILLed 5 times mid-walk on a
500-contact deck (in flight, settled and during start-up), plus 2 imports
and 2 exports killed half-way: no decision seen to take effect may be lost,
every restart must land on the card the database says, the database must
pass ``integrity_check``, a killed import must leave the deck exactly as it
was, and a killed export must leave no partial export file.

Skipped only where a pseudo-terminal (or pyte, which reads the screen) is
impossible, and never in CI: there it fails instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import campaign_crash  # noqa: E402


def _needs_pty(what: str) -> None:
    """Skip where a pseudo-terminal (or pyte) is impossible; in CI, fail."""
    why = campaign_crash.pty_available()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{what} cannot run in CI: {why}")
        pytest.skip(why)


@contextlib.contextmanager
def _fake_app(script: str) -> Iterator[tuple[campaign_crash.Terminal, list[str]]]:
    """The terminal of a Python ``script`` standing in for the app, and the
    first line of each screen it hands over; the script is killed after."""
    _needs_pty("the terminal")
    frames: list[str] = []
    term = campaign_crash.Terminal(
        [sys.executable, "-c", script],
        dict(os.environ),
        lambda lines: frames.append(lines[0].strip()),
    )
    try:
        yield term, frames
    finally:
        term.kill()


def test_small_crash_campaign_loses_nothing(tmp_path: Path) -> None:
    _needs_pty("the crash campaign")
    res = campaign_crash.run(
        kills=5,
        seed=7,
        contacts=500,
        import_kills=2,
        export_kills=2,
        keep=tmp_path / "campaign",
        moments=("in flight", "settled", "in flight", "start-up", "in flight"),
    )
    print(res.summary())

    assert res.failures == []
    assert res.kills == 5
    assert res.decisions_checked > 0
    assert res.decisions_lost == 0
    assert res.integrity_failures == 0
    assert res.restart_failures == 0
    assert res.restarts >= 4  # each round after the first starts on a card, plus the last
    assert res.clean_quit
    assert res.import_kills == 2
    assert res.imports_unchanged == 2
    assert res.export_kills == 2
    assert res.partial_files == 0
    assert res.ok


def test_terminal_reads_a_screen_drawn_before_synchronized_output() -> None:
    """An app that draws before it has read the answer to its query (as
    Textual can on a slow machine) still shows its screen once quiet, and
    later marked frames are read as before."""
    script = r"""
import os, sys, time, tty
tty.setraw(0)
out = sys.stdout.buffer
out.write(b"\x1b[?2026$p" + b"\x1b[2J\x1b[1;1Hfirst screen"); out.flush()
answer = os.read(0, 64)
assert answer == b"\x1b[?2026;2$y", answer
time.sleep(1.0)
out.write(b"\x1b[?2026h\x1b[1;1Hsecond frame\x1b[?2026l"); out.flush()
time.sleep(30)
"""
    with _fake_app(script) as (term, frames):
        assert term.wait_until(lambda: len(frames) >= 1, 20)
        assert frames == ["first screen"]
        assert term.wait_until(lambda: len(frames) >= 2, 20)
        assert frames == ["first screen", "second frame"]
        term.pump(campaign_crash.UNMARKED_QUIET + 0.3)
        assert frames == ["first screen", "second frame"]  # marked from now on


def test_terminal_answers_a_query_split_across_writes() -> None:
    script = r"""
import os, sys, time, tty
tty.setraw(0)
out = sys.stdout.buffer
out.write(b"hello\x1b[?2026$"); out.flush()
time.sleep(0.3)
out.write(b"p"); out.flush()
answer = os.read(0, 64)
out.write(b"\x1b[?2026h\x1b[1;1H" + (b"answered" if answer == b"\x1b[?2026;2$y" else answer)
          + b"\x1b[?2026l"); out.flush()
time.sleep(30)
"""
    with _fake_app(script) as (term, frames):
        assert term.wait_until(lambda: "answered" in frames, 20), frames
