"""Config you can trust: every entry that cannot apply is said once, in one
line on stderr before the window opens, and its default applies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from triage.cli.review import review
from triage.config import Config, load_config
from triage.store import Store
from triage.ui.app import ReviewApp
from triage.ui.settings import default_keys, effective_keys, settle

BAD = """\
note_limt = 300
theme = "no-such-theme"

[keymap]
"triage.invite" = "s"
"triage.invitee" = "y"
"triage.help" = "h"
"""


def test_an_unknown_setting_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("note_limt = 300\nweekly_budget = 50\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.note_limit == 200  # the default: the misspelt one is not read
    assert cfg.weekly_budget == 50
    assert cfg.warnings == [
        f"{path}: unknown setting 'note_limt' (did you mean 'note_limit'?); ignored"
    ]


def test_known_settings_give_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('note_limit = 120\ntheme = "nord"\n[keymap]\n"triage.invite" = "y"\n')
    cfg = load_config(path)
    assert cfg.warnings == [] and settle(cfg) == []
    assert cfg.keymap == {"triage.invite": "y"} and cfg.theme == "nord"


def test_settle_drops_what_cannot_apply_one_line_each() -> None:
    cfg = Config(
        theme="no-such-theme",
        keymap={"triage.invite": "s", "triage.invitee": "y", "triage.help": "h"},
    )
    warnings = settle(cfg)
    assert warnings == [
        "unknown key binding id 'triage.invitee' (did you mean 'triage.invite'?); ignored",
        "key 's' is given to both triage.invite and triage.skip; both keep their default keys",
        "unknown theme 'no-such-theme'; using textual-dark",
    ]
    # Both actions of the double binding keep their defaults; the good entry stays.
    assert cfg.keymap == {"triage.help": "h"}
    assert cfg.theme == "textual-dark"
    keys = effective_keys(cfg.keymap)
    assert keys["triage.invite"] == ["a"] and keys["triage.skip"] == ["s"]
    assert keys["triage.help"] == ["h"]
    assert settle(cfg) == []  # settled once, nothing more to say


def test_a_swap_of_two_keys_is_no_clash() -> None:
    cfg = Config(keymap={"triage.invite": "s", "triage.skip": "a"})
    assert settle(cfg) == []
    assert effective_keys(cfg.keymap)["triage.invite"] == ["s"]


def test_every_binding_id_has_a_default_key() -> None:
    keys = default_keys()
    assert all(keys.values()), [bid for bid, k in keys.items() if not k]
    assert keys["triage.open"] == ["o"] and keys["triage.copy"] == ["c"]


def test_review_says_the_warnings_before_the_window_opens(
    store_deck: tuple[Store, Any],
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, deck = store_deck
    config_file.write_text(BAD, encoding="utf-8")
    monkeypatch.setattr("triage.cli.review._reads_a_terminal", lambda: True)
    said_before: list[str] = []

    def run(self: ReviewApp, *args: object, **kwargs: object) -> None:
        said_before.append(capsys.readouterr().err)

    monkeypatch.setattr(ReviewApp, "run", run)
    assert review(store, deck, order="name") == 0
    (err,) = said_before
    lines = err.splitlines()
    assert len(lines) == 4, err
    assert all(line.startswith(f"triage: warning: {config_file}: ") for line in lines)
    assert "note_limt" in lines[0] and "triage.invitee" in lines[1]
    assert "'s'" in lines[2] and "no-such-theme" in lines[3]


async def test_the_window_applies_the_defaults_of_a_double_binding(
    make_app: Any, store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    app = make_app(config=Config(keymap={"triage.invite": "s"}))
    async with app.run_test() as pilot:
        await pilot.pause()
        first = app.screen.current_id
        await pilot.press("s")
        assert store.contact(first).decision == "skip"
        second = app.screen.current_id
        await pilot.press("a")
        assert store.contact(second).decision == "invite"


def test_triage_config_prints_the_keymap_and_the_warnings(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BAD, encoding="utf-8")
    env = {"TRIAGE_CONFIG": str(cfg), "PATH": "/usr/bin:/bin"}
    data = tmp_path / "data"
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), "config"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "warning:" in out and "note_limt" in out and "no-such-theme" in out
    assert "  triage.invite     a\n" in out
    assert "  triage.help       h\n" in out
    assert "  triage.next       right, j\n" in out
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), "config", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    report = json.loads(proc.stdout)
    assert report["keys"]["triage.skip"] == ["s"]
    assert report["keys"]["triage.help"] == ["h"]
    assert len(report["config_warnings"]) == 4
