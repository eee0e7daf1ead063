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

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import campaign_crash  # noqa: E402


def test_small_crash_campaign_loses_nothing(tmp_path: Path) -> None:
    why = campaign_crash.pty_available()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the crash campaign cannot run in CI: {why}")
        pytest.skip(why)

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


def _fake_app(script: str) -> list[str]:
    return [sys.executable, "-c", script]


def _needs_pty() -> None:
    why = campaign_crash.pty_available()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the terminal cannot run in CI: {why}")
        pytest.skip(why)


def test_terminal_reads_a_screen_drawn_before_synchronized_output() -> None:
    """An app that draws before it has read the answer to its query (as
    Textual can on a slow machine) still shows its screen once quiet, and
    later marked frames are read as before."""
    _needs_pty()
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
    frames: list[str] = []
    term = campaign_crash.Terminal(
        _fake_app(script), dict(os.environ), lambda lines: frames.append(lines[0].strip())
    )
    try:
        assert term.wait_until(lambda: len(frames) >= 1, 20)
        assert frames == ["first screen"]
        assert term.wait_until(lambda: len(frames) >= 2, 20)
        assert frames == ["first screen", "second frame"]
        term.pump(campaign_crash.UNMARKED_QUIET + 0.3)
        assert frames == ["first screen", "second frame"]  # marked from now on
    finally:
        term.kill()


def test_terminal_answers_a_query_split_across_writes() -> None:
    _needs_pty()
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
    frames: list[str] = []
    term = campaign_crash.Terminal(
        _fake_app(script), dict(os.environ), lambda lines: frames.append(lines[0].strip())
    )
    try:
        assert term.wait_until(lambda: "answered" in frames, 20), frames
    finally:
        term.kill()
