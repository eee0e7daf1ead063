"""The command line as a user runs it: a subprocess, exit codes, messages."""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from triage.store.schema import SCHEMA_VERSION


def run(
    data: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "TRIAGE_CONFIG": str(data / "no-config.toml"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "First Name,Last Name,Organization Name,Labels,E-mail 1 - Label,E-mail 1 - Value,"
        "Phone 1 - Label,Phone 1 - Value\n"
        "Ada,Lovelace,Engines,* myContacts ::: Friends,Work,ada@example.com,Mobile,202-555-0142\n"
        "Info,Desk,Acme,,,info@acme-example.com,,\n"
        ",,,Friends,,,,\n"
        "Bad,Email,,,,bob@@example.com,,\n",
        encoding="utf-8",
    )
    return path


def test_version_and_help_everywhere(tmp_path):
    proc = run(tmp_path, "--version")
    assert proc.returncode == 0 and proc.stdout.startswith("triage ")
    for cmd in ("import", "review", "status", "export", "decks", "demo"):
        proc = run(tmp_path, cmd, "--help")
        assert proc.returncode == 0, cmd
        assert "usage: triage" in proc.stdout


def test_import_report_and_status(tmp_path, book):
    data = tmp_path / "data"
    proc = run(data, "import", str(book))
    assert proc.returncode == 0, proc.stderr
    assert "contacts.csv: Google CSV, utf-8: 4 rows: 3 read, 1 rejected" in proc.stdout
    assert "of the 3 read: 3 new, 0 merged" in proc.stdout
    assert "contacts.csv:4: " in proc.stdout
    assert "flagged: " in proc.stdout and "role address" in proc.stdout

    proc = run(data, "status", "--json")
    assert proc.returncode == 0
    st = json.loads(proc.stdout)
    assert st["deck"] == "default"
    assert (st["contacts"], st["invite"], st["skip"], st["undecided"]) == (3, 0, 0, 3)
    assert st["tags"] == {}
    assert st["flags"]["role_address"] == 1
    assert st["flags"]["invalid_email"] == 1
    assert st["flags"]["no_email"] == 1

    proc = run(data, "status")
    assert "Deck 'default': 3 people" in proc.stdout
    proc = run(data, "decks")
    assert proc.stdout.startswith("default")


def test_import_json_report(tmp_path, book):
    proc = run(tmp_path / "d", "import", str(book), "--deck", "work", "--json")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert rep["deck"] == "work"
    (f,) = rep["files"]
    assert (f["format"], f["encoding"], f["records"], f["new"]) == ("google", "utf-8", 3, 3)
    assert (f["rows"], f["read"]) == (4, 3)
    assert f["rejected"] == [{"line": 4, "reason": f["rejected"][0]["reason"]}]


def test_bad_inputs_exit_2_with_one_line(tmp_path, book):
    data = tmp_path / "data"
    cases = [
        ("import", str(tmp_path / "missing.csv")),
        ("import", str(tmp_path)),
        ("import", str(book), "--region", "XX"),
        ("import", str(book), "--map", "colour=Blue"),
        ("status", "--deck", "nope"),
        ("import",),
        ("frobnicate",),
    ]
    for args in cases:
        proc = run(data, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        no_traceback(proc)
        assert proc.stderr.strip(), args

    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 64)
    proc = run(data, "import", str(book), str(garbage))
    assert proc.returncode == 2
    assert "garbage.csv" in proc.stderr and "nothing was imported" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    # all or nothing: the good file was not imported either
    assert run(data, "status").returncode == 2


def test_unknown_columns_explain_how_to_map(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("Adresse électronique;Appellation\nann@example.com;Ann\n", encoding="utf-8")
    proc = run(tmp_path / "d", "import", str(odd))
    assert proc.returncode == 2
    assert "Adresse électronique" in proc.stderr and "--map" in proc.stderr
    proc = run(
        tmp_path / "d",
        "import",
        str(odd),
        "--map",
        "email=Adresse électronique,name=Appellation",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["contacts"] == 1


def test_state_problems_exit_3_and_leave_the_file(tmp_path, book):
    data = tmp_path / "data"
    assert run(data, "import", str(book)).returncode == 0
    db = data / "triage.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = db.read_bytes()
    proc = run(data, "status")
    assert proc.returncode == 3
    assert "newer triage" in proc.stderr
    no_traceback(proc)
    assert db.read_bytes() == before

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "triage.db").write_bytes(b"garbage" * 1000)
    proc = run(broken, "status")
    assert proc.returncode == 3
    assert "damaged" in proc.stderr
    assert (broken / "triage.db").read_bytes() == b"garbage" * 1000


def test_data_dir_from_environment(tmp_path, book):
    env_dir = tmp_path / "env-data"
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "import", str(book), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TRIAGE_DATA_DIR": str(env_dir)},
    )
    assert proc.returncode == 0, proc.stderr
    assert (env_dir / "triage.db").exists()
    assert oct((env_dir / "triage.db").stat().st_mode & 0o777) == "0o600"


def test_damage_that_reads_cannot_see_stops_import_and_export(tmp_path, book):
    """Pages the b-tree no longer reaches (here: a freelist cut off in the
    header) read fine, so status still answers; import and export, which
    write, run quick_check first: exit 3, one line, the file untouched."""
    data = tmp_path / "data"
    assert run(data, "import", str(book)).returncode == 0
    db = data / "triage.db"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE contacts SET decision = 'invite'")
    conn.execute("CREATE TABLE scratch (x)")
    conn.executemany("INSERT INTO scratch VALUES (?)", [("x" * 3000,)] * 50)
    conn.commit()
    conn.execute("DROP TABLE scratch")  # ~50 free pages
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    raw = bytearray(db.read_bytes())
    assert int.from_bytes(raw[36:40], "big") > 10  # free pages counted in the header
    raw[32:40] = bytes(8)  # no freelist: those pages are now lost to the b-trees
    db.write_bytes(bytes(raw))
    before = db.read_bytes()
    assert run(data, "status").returncode == 0
    for args in (("import", str(book)), ("export", "-o", str(tmp_path / "out.csv"))):
        proc = run(data, *args)
        assert proc.returncode == 3, proc.stderr
        assert (
            proc.stderr.count("\n") == 1
            and "damaged" in proc.stderr
            and "never used" in proc.stderr
        )
        no_traceback(proc)
        assert db.read_bytes() == before
    assert not (tmp_path / "out.csv").exists()


def _triage_argv(data: Path) -> list[str]:
    return [sys.executable, "-m", "triage", "--data-dir", str(data)]


def test_import_reads_standard_input(tmp_path, book):
    """``import -`` reads the pipe into a private copy: detected, imported,
    reported as "(standard input)", and the copy is gone afterwards."""
    data = tmp_path / "data"
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("triage-input-*"))
    proc = subprocess.run(
        [*_triage_argv(data), "import", "-", "--deck", "t"],
        input=book.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "(standard input): Google CSV, utf-8: 4 rows: 3 read, 1 rejected" in proc.stdout
    assert "(standard input):4: " in proc.stdout
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("triage-input-*")) == before
    st = json.loads(run(data, "status", "--deck", "t", "--json").stdout)
    assert st["contacts"] == 3
    assert st["sources"] == {"(standard input)": 3}


def test_import_of_empty_standard_input_says_so(tmp_path):
    proc = subprocess.run(
        [*_triage_argv(tmp_path / "data"), "import", "-"],
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "(standard input): the file is empty; nothing was imported" in proc.stderr
    no_traceback(proc)


@pytest.mark.parametrize(
    ("redirect", "message"),
    [
        ("<&-", "standard input is closed"),
        ("0>/dev/null", "standard input cannot be read"),
    ],
)
def test_import_without_a_readable_standard_input_says_so(tmp_path, redirect, message):
    """Started with standard input closed, or open only for writing: one
    line and exit 2, not an unexpected error."""
    data = tmp_path / "data"
    proc = subprocess.run(
        ["bash", "-c", f'exec "$@" {redirect}', "bash", *_triage_argv(data), "import", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TRIAGE_CONFIG": str(tmp_path / "no-config.toml")},
    )
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "nothing was imported" in proc.stderr
    assert proc.stderr.count("\n") == 1
    no_traceback(proc)


def test_import_reads_process_substitution(tmp_path, book):
    data = tmp_path / "data"
    script = f'exec "$@" import <(cat {shlex.quote(str(book))}) --deck piped --json'
    proc = subprocess.run(
        ["bash", "-c", script, "bash", *_triage_argv(data)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (f,) = json.loads(proc.stdout)["files"]
    assert f["file"].startswith("(pipe ") and (f["format"], f["read"]) == ("google", 3)


@pytest.mark.parametrize("deck", ["my deck", "it's"])
def test_suggested_commands_are_quoted_for_the_shell(tmp_path, book, deck):
    data = tmp_path / "data"
    proc = run(data, "import", str(book), "--deck", deck)
    assert proc.returncode == 0, proc.stderr
    suggested = proc.stdout.strip().splitlines()[-1].removeprefix("Next: ")
    assert shlex.split(suggested) == ["triage", "review", "--deck", deck]

    proc = run(data, "status", "--deck", deck + " 2")
    assert proc.returncode == 2
    suggested = proc.stderr.split("create it with: ")[1].strip()
    assert shlex.split(suggested) == ["triage", "import", "FILE", "--deck", deck + " 2"]


@pytest.mark.parametrize("missing", [False, True])
def test_read_only_commands_never_create_a_database(tmp_path, missing):
    """status, decks and export on an empty (or missing) data folder: one
    line, and the folder stays as it was (no triage.db, no -wal, no locks)."""
    data = tmp_path / "data"
    if not missing:
        data.mkdir()
    proc = run(data, "decks")
    assert (proc.returncode, proc.stdout.count("\n")) == (0, 1)
    assert proc.stdout.startswith("No decks yet.")

    proc = run(data, "status", "--deck", "my deck")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "no deck named 'my deck' (decks: none yet)" in proc.stderr
    assert "triage import FILE --deck 'my deck'" in proc.stderr

    proc = run(data, "export", "-o", str(tmp_path / "out.csv"))
    assert proc.returncode == 2 and "no deck named 'default'" in proc.stderr
    no_traceback(proc)
    assert not (tmp_path / "out.csv").exists()
    if missing:
        assert not data.exists()
    else:
        assert list(data.iterdir()) == []
