"""Recovering from a mass invite: pending invitations computed from
real-shaped LinkedIn files, the recovery deck that keeps its decisions when
built again from newer files, the withdrawn stamp and its undo, ``status
--json``, and the walk end to end in a real terminal."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from triage.ingest.profiles import profile_key
from triage.recover.deck import recover
from triage.recover.pending import (
    Connection,
    name_key,
    pending_invitations,
    read_export,
    read_invitations,
    sent_stamp,
)
from triage.recover.walk import RecoveryWalk, card_facts
from triage.store import Store

HEADER = "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
URL = "https://www.linkedin.com/in/"


def inv(to: str, sent: str, slug: str = "", message: str = "", direction: str = "OUTGOING") -> str:
    url = f"{URL}{slug}" if slug else ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        ["Sam Sender", to, sent, message, direction, f"{URL}sam-sender", url]
    )
    return out.getvalue()


INVITATIONS = HEADER + "".join(
    [
        inv("Ada Lovelace", "1/29/26, 2:37 PM", "ada-example"),
        inv("Grace Hopper", "1/29/26, 2:39 PM", "grace-example/", "Hi Grace, we met at the talk"),
        inv("Alan Turing", "1/30/26, 9:05 AM", "alan-example"),
        inv("Bob Incoming", "1/31/26, 9:05 AM", "", "", "INCOMING"),
        inv("Tim Berners-Lee", "2/1/26, 11:00 PM"),  # no URL: an email invitation?
        inv("Zoë Doe", "2/2/26, 8:15 AM", "zoe-doe"),
        inv("John Smith", "2/3/26, 10:00 AM", "john-smith-2"),
    ]
)
# The current layout: a Notes preamble and a URL column.
CONNECTIONS = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses'
    ' are missing."\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    # accepted: matched on the URL, spelled differently
    "Ada,Lovelace,http://linkedin.com/in/Ada-Example/,,Analytical Engines,Mathematician,"
    "30 Jan 2026\n"
    # accepted: no URL on the invitation, matched on the name
    "Tim,Berners-Lee,https://www.linkedin.com/in/timbl,,Web Consortium,Director,2 Feb 2026\n"
    # another John Smith (another URL): the invited one is still pending
    "John,Smith,https://www.linkedin.com/in/john-smith-1,,Acme,Engineer,1 Jan 2020\n"
)
# 2018: no preamble, no URL columns anywhere.
INVITATIONS_2018 = (
    "From,To,Sent At,Message,Direction\n"
    'Sam Sender,Ada Lovelace,"1/8/18, 6:14 PM",,OUTGOING\n'
    'Sam Sender,Grace Hopper,"1/9/18, 9:00 AM",Hello,OUTGOING\n'
    'Carl Incoming,Sam Sender,"1/9/18, 9:30 AM",,INCOMING\n'
)
CONNECTIONS_2018 = (
    "First Name,Last Name,Email Address,Company,Position,Connected On\n"
    'Ada,Lovelace,urn:li:member:664293716,Engines,Math,"1/9/18, 6:14 PM"\n'
)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    return [
        write(tmp_path / "export", "Invitations.csv", INVITATIONS),
        write(tmp_path / "export", "Connections.csv", CONNECTIONS),
    ]


# -- reading the files ------------------------------------------------------------


def test_profile_urls_and_names_are_compared_loosely() -> None:
    assert (
        profile_key("https://www.linkedin.com/in/Ada-Example/?trk=x")
        == "linkedin.com/in/ada-example"
    )
    assert profile_key("de.linkedin.com/in/ada-example") == "linkedin.com/in/ada-example"
    assert profile_key("https://www.linkedin.com/in/j%C3%B6rg") == "linkedin.com/in/jörg"
    assert name_key("Zoë  O'Neil") == name_key("zoe oneil")
    assert sent_stamp("1/29/26, 2:37 PM") == "2026-01-29T14:37"
    assert sent_stamp("1/29/26, 12:05 AM") == "2026-01-29T00:05"
    assert sent_stamp("Mar 25 2023 10:15 AM") == "2023-03-25T10:15"
    assert sent_stamp("2026-01-29") == "2026-01-29"
    assert sent_stamp("yesterday") == ""


def test_pending_is_outgoing_minus_connections(files: list[Path]) -> None:
    report = read_export(files)
    names = [i.name for i in report.pending]
    # Newest first; Ada (URL) and Tim (name) accepted; INCOMING ignored;
    # the John Smith connected is another John Smith.
    assert names == ["John Smith", "Zoë Doe", "Alan Turing", "Grace Hopper"]
    assert (report.outgoing, report.incoming, report.accepted) == (6, 1, 2)
    assert report.accepted_by_name == 1
    grace = report.pending[-1]
    assert grace.sent_at == "2026-01-29T14:39"
    assert grace.message == "Hi Grace, we met at the talk"
    assert grace.key == "linkedin.com/in/grace-example"


def test_the_2018_layout_without_urls_matches_on_names(tmp_path: Path) -> None:
    paths = [
        write(tmp_path, "Connections.csv", CONNECTIONS_2018),  # any order
        write(tmp_path, "Invitations.csv", INVITATIONS_2018),
    ]
    report = read_export(paths)
    assert [(i.name, i.sent_at, i.key) for i in report.pending] == [
        ("Grace Hopper", "2018-01-09T09:00", "name:grace hopper")
    ]
    assert (report.incoming, report.accepted_by_name) == (1, 1)


def test_an_invitation_sent_twice_counts_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Invitations.csv",
        HEADER
        + inv("Ada Lovelace", "1/1/26, 9:00 AM", "ada")
        + inv("Ada L.", "1/20/26, 9:00 AM", "ada"),
    )
    found, incoming, problems = read_invitations(path)
    report = pending_invitations(found, [Connection("Grace Hopper", "")])
    assert [(i.name, i.sent_at) for i in report.pending] == [("Ada L.", "2026-01-20T09:00")]
    assert (report.repeated, incoming, problems) == (1, 0, [])


def test_a_file_of_another_kind_is_refused(tmp_path: Path, data_dir: Path) -> None:
    google = write(
        tmp_path, "google.csv", "First Name,Last Name,E-mail 1 - Value\nA,B,a@b.example\n"
    )
    proc = triage(data_dir, "recover", str(google), "--no-review")
    assert proc.returncode == 2
    assert "not a LinkedIn Invitations.csv or Connections.csv" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- the deck ---------------------------------------------------------------------------


def test_running_again_with_newer_files_keeps_every_decision(
    files: list[Path], data_dir: Path, tmp_path: Path
) -> None:
    store = Store.open(data_dir)
    try:
        report = recover(store, "recover", files, region="US")
        deck = report.built.deck
        assert deck.kind == "recovery"
        walk = RecoveryWalk(store, deck)
        assert walk.view.contact is not None and walk.view.contact.name == "John Smith"
        walk.decide("skip")  # John: withdraw
        walk.decide("invite")  # Zoë: keep
        walk.decide("skip")  # Alan: withdraw
        # A newer export: Alan accepted, a new invitation, Grace's message edited.
        newer = INVITATIONS.replace("we met at the talk", "we met at PyCon") + inv(
            "Radia Perlman", "2/4/26, 7:00 AM", "radia"
        )
        connections = (
            CONNECTIONS
            + "Alan,Turing,https://www.linkedin.com/in/alan-example,,BP,Cryptanalyst,5 Feb 2026\n"
        )
        again = recover(
            store,
            "recover",
            [
                write(tmp_path / "newer", "Invitations.csv", newer),
                write(tmp_path / "newer", "Connections.csv", connections),
            ],
            region="US",
        )
        assert (again.built.added, again.built.updated, again.built.removed) == (1, 3, 1)
        decided = {p.name: p.decision for p in store.recovery().pending(deck.id, decision=None)}
        assert decided == {
            "Radia Perlman": "undecided",
            "John Smith": "skip",
            "Zoë Doe": "invite",
            "Grace Hopper": "undecided",
        }
        grace = next(c for c in store.iter_contacts(deck.id) if c.name == "Grace Hopper")
        assert grace.notes == "Hi Grace, we met at PyCon"
    finally:
        store.close()


def test_the_card_knows_the_address_book_decks(
    store_deck: tuple[Store, Any], files: list[Path]
) -> None:
    store, book = store_deck  # holds Grace Hopper (and Ada, connected)
    grace = next(c for c in store.iter_contacts(book.id) if c.name == "Grace Hopper")
    store.decide(grace.id, "invite")
    report = recover(store, "recover", files, region="US")
    deck = report.built.deck
    people = {c.name: c for c in store.iter_contacts(deck.id)}
    facts = card_facts(store, people["Grace Hopper"])
    assert [(m.deck, m.decision) for m in facts.elsewhere] == [("t", "invite")]
    assert card_facts(store, people["Zoë Doe"]).elsewhere == ()


def test_the_withdrawn_stamp_steps_on_and_undoes(files: list[Path], data_dir: Path) -> None:
    store = Store.open(data_dir)
    try:
        deck = recover(store, "recover", files, region="US").built.deck
        walk = RecoveryWalk(store, deck)
        view = walk.stamp_withdrawn()  # John is undecided: refused
        assert view.warning and "Mark this invitation withdraw" in view.message
        walk.decide("skip")
        walk.decide("skip")
        view = walk.apply_filter(walk.filter.__class__("skip"))
        assert view.filter_label == "to withdraw" and view.contact is not None
        first = view.contact
        view = walk.stamp_withdrawn()
        assert "withdrawn on" in view.message
        assert view.contact is not None and view.contact.id != first.id  # went on
        assert store.recovery().withdrawn_at(first.id)
        assert store.status(deck).as_dict()["withdrawn"] == 1
        view = walk.undo()
        assert view.message == f"Undone: withdrawn stamp on {first.name}"
        assert store.recovery().withdrawn_at(first.id) == ""
    finally:
        store.close()


# -- the command line ---------------------------------------------------------------------


def triage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_status_json_of_both_deck_kinds(
    files: list[Path], data_dir: Path, store_deck: tuple[Store, Any]
) -> None:
    store, book = store_deck
    built = triage(data_dir, "recover", *map(str, files), "--no-review")
    assert built.returncode == 0, built.stderr
    assert "4 pending invitations" in built.stdout
    deck = store.deck("recover")
    assert deck is not None
    walk = RecoveryWalk(store, deck)
    walk.decide("skip")
    walk.decide("invite")
    walk.decide("skip")
    walk.apply_filter(walk.filter.__class__("skip"))
    walk.stamp_withdrawn()
    proc = triage(data_dir, "status", "--deck", "recover", "--json")
    out = json.loads(proc.stdout)
    assert {
        k: out[k] for k in ("kind", "keep", "withdraw", "undecided", "withdrawn", "pending")
    } == {
        "kind": "recovery",
        "keep": 1,
        "withdraw": 2,
        "undecided": 1,
        "withdrawn": 1,
        "pending": 3,
    }
    book_status = json.loads(triage(data_dir, "status", "--deck", book.name, "--json").stdout)
    assert book_status["kind"] == "address-book"
    text = triage(data_dir, "status", "--deck", "recover").stdout
    assert "Recovery deck 'recover': 4 pending invitations" in text
    refused = triage(data_dir, "recover", *map(str, files), "--deck", book.name, "--no-review")
    assert refused.returncode == 2 and "is an address-book deck" in refused.stderr


# -- the real thing: tmux -------------------------------------------------------------------

needs_tmux = pytest.mark.skipif(
    shutil.which("tmux") is None and not os.environ.get("CI"), reason="tmux is not installed"
)


@pytest.fixture
def tmux() -> Iterator[Callable[..., str]]:
    base = ["tmux", "-L", f"triage-recover-{uuid.uuid4().hex[:8]}"]

    def run(*args: str) -> str:
        return subprocess.run(
            [*base, *args], capture_output=True, text=True, check=False, timeout=30
        ).stdout

    yield run
    subprocess.run([*base, "kill-server"], capture_output=True, check=False)


@needs_tmux
@pytest.mark.tmux
def test_the_recover_walk_in_a_real_terminal(
    tmux: Callable[..., str], files: list[Path], data_dir: Path, tmp_path: Path
) -> None:
    from tests.test_ui_tmux import wait_for

    config = tmp_path / "config.toml"
    base = f"TRIAGE_CONFIG={config} {sys.executable} -m triage --data-dir {data_dir}"

    def start(session: str, command: str) -> Callable[[], str]:
        tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "32",
             f"{command}; echo EXITED=$?; sleep 30")  # fmt: skip
        return lambda: tmux("capture-pane", "-p", "-t", session)

    files_arg = " ".join(map(str, files))
    screen = start("first", f"{base} recover {files_arg}")
    shown = wait_for(screen, "John Smith")
    assert "card 1 of 4" in shown and "order: newest" in shown
    shown = wait_for(screen, "s Withdraw")
    assert "a Keep" in shown
    tmux("send-keys", "-t", "first", "s")  # John: withdraw
    shown = wait_for(screen, "Zoë Doe")
    assert "card 2 of 4" in shown
    tmux("send-keys", "-t", "first", "a")  # Zoë: keep
    wait_for(screen, "Alan Turing")
    tmux("send-keys", "-t", "first", "q")
    wait_for(screen, "EXITED=0")

    screen = start("second", f"{base} review --deck recover")
    shown = wait_for(screen, "Alan Turing")  # back where it was
    assert "card 3 of 4" in shown
    tmux("send-keys", "-t", "second", "u")  # undo: Zoë undecided again
    # The undo's notice names Zoë too: wait for the card's place, then for her.
    shown = wait_for(screen, "card 2 of 4")
    assert "0 kept" in shown
    wait_for(screen, "Zoë Doe")
    tmux("send-keys", "-t", "second", "k")
    shown = wait_for(screen, "John Smith")
    tmux("send-keys", "-t", "second", "w")  # stamp: John is marked withdraw
    wait_for(screen, "withdrawn on")
    tmux("send-keys", "-t", "second", "q")
    wait_for(screen, "EXITED=0")

    store = Store.open(data_dir)
    try:
        deck = store.deck("recover")
        assert deck is not None
        rows = {
            p.name: (p.decision, bool(p.withdrawn_at))
            for p in store.recovery().pending(deck.id, decision=None)
        }
        assert rows["John Smith"] == ("skip", True)
        assert rows["Zoë Doe"] == ("undecided", False)
    finally:
        store.close()
