"""Shell conventions: completion scripts, ``--version``, ``triage config`` and
the manual page, each read off the argument parser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from triage.cli.manpage import render
from triage.cli.parser import build_parser
from triage.cli.shell import _subcommands

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [name for name, _, _ in _subcommands(build_parser())]


def fresh(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``triage ARGS`` in a fresh interpreter that then reports whether
    Textual was imported (on stderr, after the command's own output)."""
    code = (
        "import sys\n"
        "from triage.cli.main import main\n"
        "try:\n"
        "    code = main(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "loaded = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print('TEXTUAL-LOADED' if loaded else 'TEXTUAL-ABSENT', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_the_parser_has_the_new_commands() -> None:
    assert {"serve", "config", "completion"} <= set(COMMANDS)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_names_every_command_without_textual(shell: str) -> None:
    proc = fresh("completion", shell)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "TEXTUAL-ABSENT"
    script = proc.stdout
    for name in COMMANDS:
        assert name in script, name
    for option in ("--deck", "--data-dir", "--order", "--port"):
        assert option.lstrip("-") in script, option
    assert "linkedin" in script and "event" in script  # choices are offered


def test_bash_completion_loads_and_completes() -> None:
    script = fresh("completion", "bash").stdout
    probe = (
        "source /dev/stdin\n"
        "complete -p triage\n"
        "COMP_WORDS=(triage se); COMP_CWORD=1; COMP_LINE='triage se'; COMP_POINT=9\n"
        "$(complete -p triage | sed -E 's/.*-F ([^ ]+).*/\\1/') triage se triage\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    proc = subprocess.run(["bash", "-c", probe], input=script, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "serve" in proc.stdout.split()


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shells_parse_their_script(shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    script = fresh("completion", shell).stdout
    flag = "-n" if shell == "zsh" else "--no-execute"
    proc = subprocess.run([shell, flag], input=script, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_completion_rejects_other_shells() -> None:
    proc = fresh("completion", "powershell")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_version_names_python_textual_and_sqlite() -> None:
    import platform
    import sqlite3
    from importlib.metadata import version

    from triage import __version__

    proc = fresh("--version")
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        f"triage {__version__}",
        f"Python {platform.python_version()}",
        f"Textual {version('textual')}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    assert proc.stderr.strip() == "TEXTUAL-ABSENT"


def test_config_shows_where_things_live(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cfg = tmp_path / "config.toml"
    cfg.write_text('note_limit = 150\n[keymap]\n"triage.invite" = "y"\n', encoding="utf-8")
    env = {"TRIAGE_CONFIG": str(cfg)}
    proc = fresh("--data-dir", str(data), "config", env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"data folder   {data}  (--data-dir)" in out
    assert f"{data / 'triage.db'}  (not created yet)" in out
    assert f"config file   {cfg}  ($TRIAGE_CONFIG; found)" in out
    assert "note_limit    150" in out and "weekly_budget 100" in out
    assert "triage.invite = y" in out
    assert not data.exists()  # showing the paths creates nothing

    proc = fresh("config", "--json", env={**env, "TRIAGE_DATA_DIR": str(data)})
    report = json.loads(proc.stdout)
    assert report["data_dir"] == str(data) and report["data_dir_from"] == "$TRIAGE_DATA_DIR"
    assert report["database"] == str(data / "triage.db")
    assert report["config_file"] == str(cfg) and report["config_file_exists"]
    assert report["settings"] == {
        "note_limit": 150,
        "weekly_budget": 100,
        "relock_days": 21,
        "theme": "textual-dark",
        "keymap": {"triage.invite": "y"},
    }

    cfg.write_text("note_limit = [\n", encoding="utf-8")
    proc = fresh("--data-dir", str(data), "config", env=env)
    assert proc.returncode == 2
    assert "cannot be read" in proc.stdout
    assert proc.stderr.splitlines()[0].startswith(f"triage: {cfg}: not valid TOML")


def test_the_man_page_covers_the_parser() -> None:
    page = render()
    for name in COMMANDS:
        assert f'.SS "triage {name}' in page, name
    for option in ("data\\-dir", "deck", "port", "order", "batch\\-size"):
        assert f"\\-\\-{option}" in page, option
    assert ".SH EXIT STATUS" in page and ".SH ENVIRONMENT" in page


def test_the_man_page_renders(tmp_path: Path) -> None:
    if shutil.which("man") is None:
        pytest.skip("man is not installed")
    page = tmp_path / "triage.1"
    page.write_text(render(), encoding="utf-8")
    proc = subprocess.run(
        ["man", "-l", str(page)],
        capture_output=True,
        text=True,
        env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat"},
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert "triage serve" in proc.stdout and "EXIT STATUS" in proc.stdout


def test_the_wheel_ships_the_man_page_and_templates(tmp_path: Path) -> None:
    pytest.importorskip("build", reason="the build package is not installed")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("triage_contacts-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        data_page = next(n for n in names if n.endswith(".data/data/share/man/man1/triage.1"))
        assert zf.read(data_page).decode() == render()  # written by the build, from the parser
        assert zf.read("triage/man/triage.1") == zf.read(data_page)
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert {"triage/web/templates/page.html", "triage/web/templates/message.html"} <= names
    assert "Provides-Extra: web" in metadata
    assert 'Requires-Dist: textual-serve==1.1.3; extra == "web"' in metadata
