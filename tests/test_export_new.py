"""``export --new`` and what ``status`` says about exports and invitations:
through the CLI as a subprocess, on decks imported from small CSV files and
decided through the store; the export dialog's "only people not exported
before" under Pilot."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import write_google
from textual.widgets import Checkbox, Input, Static

from triage.config import Config
from triage.store import Store
from triage.ui.export_screen import ConfirmExport, ExportScreen

DECK = "t"
FIRST_DECISION = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HEADER = ["First Name", "Last Name", "Email Address"]


def person(first: str, last: str, email: str = "") -> tuple[str, ...]:
    return (first, last, "", "", "", "", email, "", "")


ANN = person("Ann", "Archer", "ann@example.com")
BOB = person("Bob", "Baker", "bob@example.com")
CY = person("Cy", "Cole", "cy@example.com")
DI = person("Di", "Dunn", "di@example.com")
ED = person("Ed", "Eames", "ed@example.com")
NOMAIL = person("Nia", "Nomail")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No user config (unless a test writes one), no user data folder."""
    return {
        **os.environ,
        "TRIAGE_CONFIG": str(tmp_path / "config.toml"),
        "TRIAGE_DATA_DIR": str(tmp_path / "nowhere"),
    }


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def triage(data: Path, env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def import_people(
    data: Path, env: dict[str, str], folder: Path, people: Sequence[tuple[str, ...]]
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_google(folder / f"contacts-{len(list(folder.iterdir()))}.csv", list(people))
    ok(triage(data, env, "import", path, "--deck", DECK, "--region", "US"))


def invite(data: Path, *names: str) -> None:
    """Invite the people named (first names), in this order: oldest decision
    first.  The store keeps decision times to the second, so each decision is
    dated a second after the deck's one before (decisions made within one
    second would tie and go in the order of the file)."""
    store = Store.open(data)
    try:
        deck = store.deck(DECK)
        assert deck is not None
        by_first = {c.given: c.id for c in store.iter_contacts(deck.id)}
        start = store.counts(deck.id).invite
        for i, name in enumerate(names, start):
            store.decide(by_first[name], "invite")
            at = (FIRST_DECISION + timedelta(seconds=i)).isoformat()
            with store.transaction():
                store.conn.execute(
                    "UPDATE contacts SET decided_at = ? WHERE id = ?", (at, by_first[name])
                )
    finally:
        store.close()


def status(data: Path, env: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        ok(triage(data, env, "status", "--deck", DECK, "--json")).stdout
    )
    return result


def firsts(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    return [row[0] for row in table[1:]]


# --------------------------------------------------------------------------- CLI


def test_new_writes_only_people_never_exported(
    data: Path, env: dict[str, str], tmp_path: Path
) -> None:
    import_people(data, env, tmp_path / "in", [ANN, BOB, CY, DI])
    invite(data, "Ann", "Bob")
    ok(triage(data, env, "export", "--deck", DECK, "-o", tmp_path / "week1.csv"))
    assert firsts(tmp_path / "week1.csv") == ["Ann", "Bob"]

    invite(data, "Cy", "Di")
    proc = ok(triage(data, env, "export", "--deck", DECK, "--new", "-o", tmp_path / "week2.csv"))
    assert firsts(tmp_path / "week2.csv") == ["Cy", "Di"]
    assert proc.stdout.splitlines() == [
        f"Wrote 2 invited people to {tmp_path / 'week2.csv'} (linkedin format)",
        "2 invited people uploaded before were left out (--new)",
    ]
    # Without --new, everyone invited, as before.
    ok(triage(data, env, "export", "--deck", DECK, "-o", tmp_path / "all.csv"))
    assert firsts(tmp_path / "all.csv") == ["Ann", "Bob", "Cy", "Di"]
    # Any format: everyone was exported, so --new has nothing to write.
    out = tmp_path / "mine.vcf"
    proc = ok(triage(data, env, "export", "--deck", DECK, "--new", "--format", "vcard", "-o", out))
    assert not out.exists()
    assert "no file was written" in proc.stdout
    assert "4 invited people exported before were left out (--new)" in proc.stdout


def test_new_on_standard_output_reports_on_stderr(
    data: Path, env: dict[str, str], tmp_path: Path
) -> None:
    import_people(data, env, tmp_path / "in", [ANN, BOB])
    invite(data, "Ann")
    ok(triage(data, env, "export", "--deck", DECK, "-o", tmp_path / "a.csv"))
    invite(data, "Bob")
    proc = ok(triage(data, env, "export", "--deck", DECK, "--new", "-o", "-"))
    assert list(csv.reader(proc.stdout.splitlines())) == [
        HEADER,
        ["Bob", "Baker", "bob@example.com"],
    ]
    assert "1 invited person uploaded before was left out (--new)" in proc.stderr


def test_status_to_export_is_what_new_would_upload(
    data: Path, env: dict[str, str], tmp_path: Path
) -> None:
    connections = tmp_path / "in" / "Connections.csv"
    import_people(data, env, tmp_path / "in", [ANN, BOB, CY, DI, NOMAIL])
    connections.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Di,Dunn,https://www.linkedin.com/in/di-dunn,di@example.com,,,15 Nov 2024\n",
        encoding="utf-8",
    )
    ok(triage(data, env, "import", connections, "--deck", DECK))
    invite(data, "Ann", "Bob", "Cy", "Di", "Nia")
    before = status(data, env)
    # Di is connected and Nia has no email: an upload cannot carry them.
    assert (before["invite"], before["to_export"], before["cannot_upload"]) == (5, 3, 2)
    assert before["cannot_upload_by"] == {"no_email": 1, "connected": 1}
    assert before["exported"] == 0
    text = ok(triage(data, env, "status", "--deck", DECK)).stdout
    assert "to export         3" in text
    why = "(invited, never uploaded: 1 no email, 1 already connected)"
    assert f"no upload         2   {why}" in text

    proc = ok(triage(data, env, "export", "--deck", DECK, "--new", "-o", tmp_path / "o.csv"))
    assert len(firsts(tmp_path / "o.csv")) == before["to_export"]
    assert "Wrote 3 invited people" in proc.stdout
    after = status(data, env)
    assert (after["to_export"], after["exported"], after["cannot_upload"]) == (0, 3, 2)

    import_people(data, env, tmp_path / "in", [ED])
    invite(data, "Ed")
    assert status(data, env)["to_export"] == 1
    ok(triage(data, env, "export", "--deck", DECK, "--new", "-o", tmp_path / "p.csv"))
    assert firsts(tmp_path / "p.csv") == ["Ed"]
    assert status(data, env)["to_export"] == 0


def test_a_copy_in_another_format_does_not_stop_an_upload_of_the_new(
    data: Path, env: dict[str, str], tmp_path: Path
) -> None:
    """A full export kept as a backup invites nobody: ``--new`` in the
    LinkedIn format still writes those people; in the other formats it
    leaves out whoever any earlier export wrote."""
    import_people(data, env, tmp_path / "in", [ANN, BOB, CY])
    invite(data, "Ann", "Bob")
    ok(triage(data, env, "export", "--deck", DECK, "--format", "full", "-o", tmp_path / "b.csv"))
    invite(data, "Cy")
    proc = ok(triage(data, env, "export", "--deck", DECK, "--new", "-o", tmp_path / "up.csv"))
    assert firsts(tmp_path / "up.csv") == ["Ann", "Bob", "Cy"]
    assert "before" not in proc.stdout
    again = ok(triage(data, env, "export", "--deck", DECK, "--new", "-o", tmp_path / "up2.csv"))
    assert not (tmp_path / "up2.csv").exists()
    assert "3 invited people uploaded before were left out (--new)" in again.stdout
    out = tmp_path / "g.csv"
    proc = ok(triage(data, env, "export", "--deck", DECK, "--new", "--format", "google", "-o", out))
    assert not out.exists()
    assert "3 invited people exported before were left out (--new)" in proc.stdout


def test_only_a_linkedin_file_counts_as_sent(
    data: Path, env: dict[str, str], tmp_path: Path
) -> None:
    import_people(data, env, tmp_path / "in", [ANN, BOB, CY])
    invite(data, "Ann", "Bob", "Cy")
    for fmt in ("full", "google", "vcard", "outlook"):
        ok(triage(data, env, "export", "--deck", DECK, "--format", fmt, "-o", tmp_path / fmt))
    st = status(data, env)
    assert st["exported"] == 3
    assert st["sent"] == 0 and st["pending"] == 0 and st["acceptance_rate"] is None
    assert st["uploaded_this_week"] == 0
    assert st["to_export"] == 3  # copies for the user's own address book invite nobody
    ok(triage(data, env, "export", "--deck", DECK, "-o", tmp_path / "up.csv"))
    st = status(data, env)
    assert st["sent"] == 3 and st["pending"] == 3 and st["accepted"] == 0
    assert st["acceptance_rate"] == 0.0
    assert st["uploaded_this_week"] == 3


def test_progress_after_a_newer_connections_file(
    data: Path, env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    import_people(data, env, folder, [ANN, BOB, CY, ED])
    invite(data, "Ann", "Bob", "Cy")
    ok(triage(data, env, "export", "--deck", DECK, "-o", tmp_path / "up.csv"))
    first = status(data, env)
    assert (first["sent"], first["accepted"], first["pending"]) == (3, 0, 3)
    assert first["connected"] == 0 and first["locked"] == 0

    # The newer LinkedIn export: Ann and Bob accepted; an old invitation to Ed
    # (sent from LinkedIn itself, long ago) is still pending.
    connections = folder / "Connections.csv"
    connections.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Archer,https://www.linkedin.com/in/ann-archer,ann@example.com,,,1 Dec 2026\n"
        "Bob,Baker,https://www.linkedin.com/in/bob-baker,bob@example.com,,,1 Dec 2026\n",
        encoding="utf-8",
    )
    invitations = folder / "Invitations.csv"
    invitations.write_text(
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        'Me Myself,Ed Eames,"1/29/24, 2:37 PM",,OUTGOING,'
        "https://www.linkedin.com/in/me,https://www.linkedin.com/in/ed-eames\n",
        encoding="utf-8",
    )
    ok(triage(data, env, "import", connections, invitations, "--deck", DECK))
    st = status(data, env)
    assert st["connected"] == 2
    assert (st["sent"], st["accepted"], st["pending"]) == (4, 2, 2)
    assert st["pending_old"] == 1 and st["pending_days"] == 21  # Ed's, sent in 2024
    assert st["acceptance_rate"] == 0.5
    text = ok(triage(data, env, "status", "--deck", DECK)).stdout
    assert "LinkedIn: 2 connected" in text
    assert "Invitations: 4 sent, 2 accepted (50%), 2 pending, 1 of them over 21 days" in text


# --------------------------------------------------------------------------- dialog


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


async def test_dialog_leaves_out_people_exported_before(
    data: Path, env: dict[str, str], tmp_path: Path, home: Path
) -> None:
    from test_export_screen import Host as DialogHost
    from test_export_screen import ready, text

    import_people(data, env, tmp_path / "in", [ANN, BOB, CY])
    invite(data, "Ann")
    ok(triage(data, env, "export", "--deck", DECK, "-o", tmp_path / "first.csv"))
    invite(data, "Bob", "Cy")
    store = Store.open(data)
    deck = store.deck(DECK)
    store.close()
    assert deck is not None
    out = tmp_path / "second.csv"
    app = DialogHost(ExportScreen(data, deck, Config()))
    async with app.run_test(size=(80, 30)) as pilot:
        await ready(pilot)
        new = app.dialog.query_one("#export-new", Checkbox)
        assert new.value  # ticked from the start
        assert str(new.label) == "Only people not uploaded before"
        assert text(app, "#export-summary") == (
            "2 people will be written: Bob Baker, Cy Cole. 1 uploaded before was left out."
        )
        new.value = False
        await pilot.pause()
        assert text(app, "#export-summary") == (
            "3 people will be written: Ann Archer, Bob Baker, Cy Cole."
        )
        new.value = True
        await pilot.pause()
        assert text(app, "#export-summary").startswith("2 people will be written")
        app.dialog.query_one("#export-path", Input).value = str(out)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmExport)
        assert "Write 2 people (linkedin format)" in str(
            app.screen.query_one("#confirm-question", Static).content
        )
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.result == str(out.resolve())
    assert firsts(out) == ["Bob", "Cy"]
    st = status(data, env)
    assert st["exported"] == 3 and st["to_export"] == 0 and st["sent"] == 3
