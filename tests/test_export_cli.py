"""``triage export`` as a user runs it: a subprocess, exit codes, messages,
files, standard output and what ``triage status`` says afterwards."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PEOPLE, write_google
from test_export import ADA, GRACE, LINKED, NO_MAIL, ROLE, SKIPPED, UNDECIDED, P, make_deck

HEADER = ["First Name", "Last Name", "Email Address"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No user config, no user data folder."""
    return {
        **os.environ,
        "TRIAGE_CONFIG": str(tmp_path / "config.toml"),
        "TRIAGE_DATA_DIR": str(tmp_path / "nowhere"),
    }


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    store, _, _ = make_deck(data, [ADA, GRACE, SKIPPED, UNDECIDED, NO_MAIL, LINKED, ROLE])
    store.close()
    return data


def triage(data: Path, env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def status(data: Path, env: dict[str, str]) -> dict[str, object]:
    proc = triage(data, env, "status", "--deck", "t", "--json")
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_export_writes_the_upload_file_and_reports(
    data: Path, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "invites.csv"
    proc = triage(data, env, "export", "--deck", "t", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert rows(out) == [
        HEADER,
        ["Ada", "Lovelace", "ada@example.com"],
        ["Grace", "Hopper", "grace@example.com"],
        ["Acme Info", "", "info@acme.example"],
    ]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert proc.stdout.strip() == f"Wrote 3 invited people to {out} (linkedin format)"
    err = proc.stderr
    assert (
        "1 invited person has no usable email and was left out; see them with --format full" in err
    )
    assert "1 invited person is already connected on LinkedIn and was left out" in err
    assert "role address" in err and "info@acme.example" in err
    assert "Traceback" not in err


def test_status_counts_exported_people(data: Path, env: dict[str, str], tmp_path: Path) -> None:
    before = status(data, env)
    assert before["invite"] == 5
    # to export: what an upload would write now (no usable email and connected
    # cannot be uploaded)
    assert before["exported"] == 0 and before["to_export"] == 3
    assert before["cannot_upload"] == 2
    assert triage(data, env, "export", "--deck", "t", "-o", tmp_path / "o.csv").returncode == 0
    after = status(data, env)
    assert after["exported"] == 3  # the two left out are still never exported
    assert after["to_export"] == 0 and after["cannot_upload"] == 2
    assert after["last_export"]
    assert triage(data, env, "export", "--deck", "t", "--format", "full", "-o",
                  tmp_path / "all.csv").returncode == 0  # fmt: skip
    final = status(data, env)
    # A copy for the user's own address book uploads nobody: the two are
    # still people an upload cannot carry.
    assert final["to_export"] == 0 and final["cannot_upload"] == 2 and final["exported"] == 5


def test_existing_file_needs_force(data: Path, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    out.write_text("keep me")
    proc = triage(data, env, "export", "--deck", "t", "-o", out)
    assert proc.returncode == 2
    assert str(out) in proc.stderr and "--force" in proc.stderr
    assert out.read_text() == "keep me"
    assert status(data, env)["exported"] == 0
    proc = triage(data, env, "export", "--deck", "t", "-o", out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert rows(out)[0] == HEADER


def test_stdout_mode(data: Path, env: dict[str, str]) -> None:
    proc = triage(data, env, "export", "--deck", "t", "--format", "google", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    table = list(csv.reader(io.StringIO(proc.stdout, newline="")))
    assert table[0][:3] == ["First Name", "Middle Name", "Last Name"]
    assert [r[0] for r in table[1:]] == [
        "Ada",
        "Grace",
        "Phone",
        "Already",
        "Acme Info",
    ]
    assert "Wrote 5 invited people to (standard output)" in proc.stderr
    assert status(data, env)["exported"] == 5


def test_stdout_cannot_be_batched(data: Path, env: dict[str, str]) -> None:
    proc = triage(data, env, "export", "--deck", "t", "-o", "-", "--batch-size", "2")
    assert proc.returncode == 2
    assert "--batch-size" in proc.stderr and proc.stdout == ""


def test_batches(data: Path, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "week.csv"
    proc = triage(data, env, "export", "--deck", "t", "-o", out, "--batch-size", "2")
    assert proc.returncode == 0, proc.stderr
    first, second = tmp_path / "week-01.csv", tmp_path / "week-02.csv"
    assert [r[0] for r in rows(first)[1:]] == ["Ada", "Grace"]
    assert [r[0] for r in rows(second)[1:]] == ["Acme Info"]
    assert not out.exists()
    assert "in 2 files" in proc.stdout
    assert f"{first}  2" in proc.stdout and f"{second}  1" in proc.stdout
    # Running again refuses, naming the first file in the way.
    again = triage(data, env, "export", "--deck", "t", "-o", out, "--batch-size", "2")
    assert again.returncode == 2 and "week-01.csv" in again.stderr


def test_bad_batch_size(data: Path, env: dict[str, str], tmp_path: Path) -> None:
    proc = triage(data, env, "export", "--deck", "t", "-o", tmp_path / "o.csv", "--batch-size", "0")
    assert proc.returncode == 2 and "positive" in proc.stderr


def test_budget_warning_from_config(data: Path, env: dict[str, str], tmp_path: Path) -> None:
    Path(env["TRIAGE_CONFIG"]).write_text("weekly_budget = 2\n")
    proc = triage(data, env, "export", "--deck", "t", "-o", tmp_path / "o.csv")
    assert proc.returncode == 0
    assert (
        "3 people in one file is more than your weekly invitation budget of 2;"
        " pace the invitations with --batch-size 2" in proc.stderr
    )
    proc = triage(data, env, "export", "--deck", "t", "-o", tmp_path / "b.csv", "--batch-size", "2")
    assert "weekly invitation budget" not in proc.stderr


def test_broken_config_is_a_usage_error(data: Path, env: dict[str, str], tmp_path: Path) -> None:
    Path(env["TRIAGE_CONFIG"]).write_text("weekly_budget = 'lots'\n")
    proc = triage(data, env, "export", "--deck", "t", "-o", tmp_path / "o.csv")
    assert proc.returncode == 2 and "weekly_budget" in proc.stderr
    assert not (tmp_path / "o.csv").exists()


def test_tags(data: Path, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "friends.csv"
    proc = triage(data, env, "export", "--deck", "t", "-o", out, "--tag", "FRIENDS")
    assert proc.returncode == 0, proc.stderr
    assert [r[0] for r in rows(out)[1:]] == ["Grace"]
    assert "tagged FRIENDS" in proc.stdout
    proc = triage(data, env, "export", "--deck", "t", "-o", tmp_path / "x.csv", "--tag", "nope")
    assert proc.returncode == 2
    assert "no tag 'nope'" in proc.stderr and "work" in proc.stderr


def test_nothing_to_export_is_not_an_error(env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "empty"
    store, _, _ = make_deck(data, [SKIPPED, UNDECIDED])
    store.close()
    out = tmp_path / "o.csv"
    proc = triage(data, env, "export", "--deck", "t", "-o", out)
    assert proc.returncode == 0
    assert proc.stdout.strip() == "no invited people to export; no file was written"
    assert not out.exists()


def test_all_left_out_says_why(env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "nomail"
    store, _, _ = make_deck(data, [NO_MAIL, P("Also None", "Also", "None")])
    store.close()
    proc = triage(data, env, "export", "--deck", "t", "-o", tmp_path / "o.csv")
    assert proc.returncode == 0
    assert "no invited people to export in the linkedin format" in proc.stdout
    assert "2 invited people have no usable email" in proc.stderr
    assert not (tmp_path / "o.csv").exists()


def test_vcard_file(data: Path, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "people.vcf"
    proc = triage(data, env, "export", "--deck", "t", "--format", "vcard", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().count(b"BEGIN:VCARD\r\n") == 5


def test_unknown_deck_and_missing_folder(data: Path, env: dict[str, str], tmp_path: Path) -> None:
    proc = triage(data, env, "export", "--deck", "nope", "-o", tmp_path / "o.csv")
    assert proc.returncode == 2 and "no deck named 'nope'" in proc.stderr
    proc = triage(data, env, "export", "--deck", "t", "-o", tmp_path / "missing" / "o.csv")
    assert proc.returncode == 2 and "no such folder" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_control_characters_in_an_import_never_reach_an_export(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A NUL and other C0 controls in an imported Google CSV (name, organisation,
    title, notes, label, email, phone) are gone from every CSV export."""
    from triage.store import Store

    hostile = (
        "A\x00da\x07",
        "Love\x1blace\x00",
        "Analytical\x00 Engines\x08",
        "Mathe\x7fmatician",
        "Met\x00 at the\x01 meetup",
        "Friends\x02 ::: * myContacts",
        "ada\x00@engines-example.com",
        "",
        "+1 415 555\x0c0101",
    )
    book = write_google(tmp_path / "contacts.csv", [hostile, *PEOPLE[1:]])
    assert b"\x00" in book.read_bytes()
    data = tmp_path / "data"
    proc = triage(data, env, "import", "--deck", "t", book)
    assert proc.returncode == 0, proc.stderr
    store = Store.open(data)
    try:
        deck = store.deck("t")
        assert deck is not None
        for contact in list(store.iter_contacts(deck.id)):
            store.decide(contact.id, "invite")
    finally:
        store.close()

    for fmt in ("linkedin", "google", "outlook", "full"):
        out = tmp_path / f"{fmt}.csv"
        proc = triage(data, env, "export", "--deck", "t", "--format", fmt, "-o", out)
        assert proc.returncode == 0, proc.stderr
        written = out.read_bytes()
        assert re.findall(rb"[\x00-\x1f\x7f]", written.replace(b"\r\n", b"")) == [], fmt
        assert b"Ada," in written and b"Lovelace," in written, fmt
    full = rows(tmp_path / "full.csv")
    ada = dict(zip(full[0], full[1], strict=True))
    assert ada["\ufeffName"] == "Ada Lovelace"
    assert (ada["Organization"], ada["Title"]) == ("Analytical Engines", "Mathematician")
    assert (ada["E-mails"], ada["Phones"]) == ("ada@engines-example.com", "+14155550101")
    assert (ada["Labels"], ada["Notes"]) == ("Friends", "Met at the meetup")
