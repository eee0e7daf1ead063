"""Never re-invite, in every deck: what LinkedIn knows (connections,
pending and withdrawn invitations) reaches every address-book deck, leaves
the people it names out of the default walk and of an upload file, and says
why on the card; people without a known LinkedIn profile are counted.

Real-shaped files, the command line as a subprocess, the window under Pilot.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.app import App
from textual.widgets import Static

import triage.linkedin as linkedin
from triage.config import Config
from triage.linkedin import profile_key
from triage.model import ALL, UPLOAD_WALK
from triage.store import Store
from triage.store.network import ensure_current, mark_of
from triage.store.recovery import restore_withdrawn
from triage.ui.card import NO_PROFILE, CardBody
from triage.ui.export_screen import ExportScreen

URL = "https://www.linkedin.com/in/"

# Deck "linkedin": the user's own Connections.csv (current layout).
CONNECTIONS = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses'
    ' are missing."\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    f"Ada,Lovelace,{URL}ada-example,ada@engines-example.com,Analytical Engines,"
    "Mathematician,2 Mar 2025\n"
    f"Bob,Builder,{URL}bob-builder,,Builders,Foreman,3 Mar 2025\n"
    f"Carol,Name,{URL}carol-name-1,,Acme,Engineer,4 Mar 2025\n"
)
GOOGLE_HEADER = [
    "First Name",
    "Last Name",
    "Organization Name",
    "E-mail 1 - Type",
    "E-mail 1 - Value",
    "Website 1 - Type",
    "Website 1 - Value",
]
# Deck "B": an address book with some of the same people.
BOOK = [
    # the same email as a connection (another case): connected
    ("Ada", "Lovelace", "Engines", "ADA@engines-example.com", ""),
    # the same profile (another spelling, in the website column): connected
    ("Robert", "Builder", "Builders", "bob@builders-example.com", "linkedin.com/in/Bob-Builder/"),
    # the same name only: flagged, never dropped
    ("Carol", "Name", "Other", "carol@other-example.com", ""),
    # nobody LinkedIn knows
    ("Dan", "Free", "Free Co", "dan@free-example.com", ""),
    # invited (recovery deck below), still pending
    ("Eve", "Pending", "Eve Co", "eve@eve-example.com", f"{URL}eve-pending"),
    # invited, then withdrawn: locked
    ("Frank", "Withdrawn", "Frank Co", "frank@frank-example.com", f"{URL}frank-w"),
    # invited according to this deck's own Invitations.csv
    ("Gina", "Invited", "Gina Co", "gina@gina-example.com", ""),
]
OWN_INVITATIONS = (
    'From,To,Sent At,Message,Direction\nSam Sender,Gina Invited,"11/10/26, 9:00 AM",,OUTGOING\n'
)
INVITATIONS = (
    "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
    f'Sam Sender,Eve Pending,"11/20/26, 2:37 PM",,OUTGOING,{URL}sam,{URL}eve-pending\n'
    f'Sam Sender,Frank Withdrawn,"11/19/26, 2:37 PM",,OUTGOING,{URL}sam,{URL}frank-w\n'
)
STRONG = {"Ada Lovelace", "Robert Builder"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def google(path: Path, rows: list[tuple[str, ...]]) -> Path:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(GOOGLE_HEADER)
    for first, last, org, email, web in rows:
        w.writerow([first, last, org, "* Work", email, "Profile" if web else "", web])
    return write(path, out.getvalue())


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write(tmp_path / "config.toml", "")


@pytest.fixture
def run(data_dir: Path, config: Path) -> Any:
    def triage(*args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "triage", "--data-dir", str(data_dir), *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "TRIAGE_CONFIG": str(config)},
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    return triage


@pytest.fixture
def decks(tmp_path: Path, run: Any) -> None:
    """Deck linkedin (connections), deck B (an address book and its own
    Invitations.csv), recovery deck recover (two pending invitations)."""
    files = tmp_path / "files"
    done = run("import", str(write(files / "Connections.csv", CONNECTIONS)), "--deck", "linkedin")
    assert done.returncode == 0, done.stderr
    book = google(files / "google.csv", BOOK)
    own = write(files / "b" / "Invitations.csv", OWN_INVITATIONS)
    done = run("import", str(book), str(own), "--deck", "B")
    assert done.returncode == 0, done.stderr
    done = run("recover", str(write(files / "Invitations.csv", INVITATIONS)), "--no-review")
    assert done.returncode == 0, done.stderr


def flags_of(data_dir: Path, deck: str = "B") -> dict[str, set[str]]:
    """Each flag of the deck, with the names of the people carrying it."""
    store = Store.open(data_dir)
    try:
        d = store.deck(deck)
        assert d is not None
        out: dict[str, set[str]] = {}
        for c in store.iter_contacts(d.id):
            for f in ("connected", "invited", "pending", "locked", "name_match", "no_profile"):
                if c.has(f):
                    out.setdefault(f, set()).add(c.name)
        return out
    finally:
        store.close()


def status(run: Any, deck: str = "B") -> dict[str, Any]:
    proc = run("status", "--deck", deck, "--json")
    assert proc.returncode == 0, proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def stamp(data_dir: Path, name: str, at: str | None = None) -> str:
    """Stamp "withdrawn on DATE" on the invitation to ``name`` as the
    checklist's key does (``at``: an older stamp, written as undo would)."""
    store = Store.open(data_dir)
    try:
        deck = store.deck("recover")
        assert deck is not None
        person = next(c for c in store.iter_contacts(deck.id) if c.name == name)
        if at is None:
            return store.recovery().set_withdrawn(person.id, True)
        with store.transaction():
            restore_withdrawn(store.conn, deck.id, person.id, at)
        return at
    finally:
        store.close()


def invite_everyone(data_dir: Path, deck: str = "B") -> None:
    store = Store.open(data_dir)
    try:
        d = store.deck(deck)
        assert d is not None
        for c in list(store.iter_contacts(d.id)):
            store.decide(c.id, "invite")
    finally:
        store.close()


def warnings(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.removeprefix("triage: warning: ") for line in proc.stderr.splitlines()]


def rows(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [f"{r['First Name']} {r['Last Name']}" for r in csv.DictReader(fh)]


# -- matching across decks ---------------------------------------------------------


def test_strong_matches_exclude_and_a_name_alone_only_warns(
    decks: None, data_dir: Path, run: Any
) -> None:
    flags = flags_of(data_dir)
    assert flags["connected"] == STRONG
    assert flags["pending"] == {"Eve Pending", "Frank Withdrawn"}
    assert flags["invited"] == {"Gina Invited"}
    assert flags["name_match"] == {"Carol Name"}
    assert "locked" not in flags
    # Ada's profile is learnt from the connection (shared email).
    assert flags["no_profile"] == {"Carol Name", "Dan Free", "Gina Invited"}
    out = status(run)
    assert {k: out["flags"][k] for k in ("connected", "pending", "locked", "name_match")} == {
        "connected": 2,
        "pending": 2,
        "locked": 0,
        "name_match": 1,
    }
    assert out["flags"]["no_profile"] == 3

    store = Store.open(data_dir)
    try:
        deck = store.deck("B")
        assert deck is not None
        walk = []
        cid = store.walk_first(deck.id, "event", UPLOAD_WALK)
        while cid is not None:
            walk.append(store.contact(cid).name)
            cid = store.walk_step(deck.id, "event", UPLOAD_WALK, cid, 1)
        # The default walk: only Carol (flagged) and Dan can be invited.
        assert sorted(walk) == ["Carol Name", "Dan Free"]
        assert store.walk_count(deck.id, ALL) - store.walk_count(deck.id, UPLOAD_WALK) == 5
        ada = next(c for c in store.iter_contacts(deck.id) if c.name == "Ada Lovelace")
        mark = mark_of(store, ada.id)
        assert mark is not None
        assert mark.sentence == "connected since 2025-03-02 (Connections.csv in deck 'linkedin')"
        assert mark.profile == "linkedin.com/in/ada-example (known from deck 'linkedin')"
        carol = next(c for c in store.iter_contacts(deck.id) if c.name == "Carol Name")
        mark = mark_of(store, carol.id)
        assert mark is not None and mark.sentence == (
            "same name as a connection in deck 'linkedin': check it is not the same person"
        )
        # The connections deck itself: its people are connected by their own rows.
        own = store.deck("linkedin")
        assert own is not None
        assert all(c.has("connected") for c in store.iter_contacts(own.id))
        assert mark_of(store, next(store.iter_contacts(own.id)).id) is None
    finally:
        store.close()


def test_a_name_with_another_profile_is_someone_else(
    tmp_path: Path, run: Any, data_dir: Path
) -> None:
    files = tmp_path / "files"
    run("import", str(write(files / "Connections.csv", CONNECTIONS)), "--deck", "linkedin")
    book = google(
        files / "google.csv",
        [("Carol", "Name", "Other", "carol@other-example.com", f"{URL}carol-name-2")],
    )
    assert run("import", str(book), "--deck", "B").returncode == 0
    assert flags_of(data_dir) == {}


def test_withdrawn_locks_until_the_relock_days_and_undo_lifts_it(
    decks: None, data_dir: Path, run: Any, config: Path
) -> None:
    at = stamp(data_dir, "Frank Withdrawn")
    day = date.fromisoformat(at[:10])
    until = (day + timedelta(days=21)).isoformat()
    assert status(run)["flags"]["locked"] == 1
    flags = flags_of(data_dir)
    assert flags["locked"] == {"Frank Withdrawn"}
    assert flags["pending"] == {"Eve Pending"}  # a withdrawn invitation is not pending
    store = Store.open(data_dir)
    try:
        deck = store.deck("B")
        assert deck is not None
        frank = next(c for c in store.iter_contacts(deck.id) if c.name == "Frank Withdrawn")
        mark = mark_of(store, frank.id)
        assert mark is not None and mark.until == until
        assert mark.sentence == (
            f"withdrawn {day.isoformat()} (deck 'recover'); LinkedIn allows a new invitation"
            f" from {until}"
        )
    finally:
        store.close()

    # Another lock length in the config: the next command works it out again.
    write(config, "relock_days = 5\n")
    assert "relock_days" in run("config").stdout
    status(run)
    store = Store.open(data_dir)
    try:
        deck = store.deck("B")
        assert deck is not None
        frank = next(c for c in store.iter_contacts(deck.id) if c.name == "Frank Withdrawn")
        mark = mark_of(store, frank.id)
        assert mark is not None and mark.until == (day + timedelta(days=5)).isoformat()
        # Undoing the stamp (the checklist's u) lifts the lock: pending again.
        recover = store.deck("recover")
        assert recover is not None
        change = store.undo(recover.id)
        assert change is not None
    finally:
        store.close()
    flags = flags_of(data_dir)  # marked stale, not yet worked out
    assert status(run)["flags"]["locked"] == 0
    assert flags_of(data_dir)["pending"] == {"Eve Pending", "Frank Withdrawn"}


def test_a_lock_whose_date_has_passed_no_longer_locks(
    decks: None, data_dir: Path, run: Any
) -> None:
    old = (date.today() - timedelta(days=30)).isoformat()
    stamp(data_dir, "Frank Withdrawn", f"{old}T10:00:00+00:00")
    assert status(run)["flags"]["locked"] == 0
    assert "Frank Withdrawn" not in flags_of(data_dir).get("pending", set())

    # A lock that ends tomorrow holds today, and is lifted the day it ends
    # without anything else changing (the end is kept in meta).
    recent = (date.today() - timedelta(days=20)).isoformat()
    stamp(data_dir, "Frank Withdrawn", f"{recent}T10:00:00+00:00")
    assert status(run)["flags"]["locked"] == 1
    store = Store.open(data_dir)
    try:
        assert not ensure_current(store, 21)  # nothing changed: no pass
        assert ensure_current(store, 21, today=date.today() + timedelta(days=1))
        deck = store.deck("B")
        assert deck is not None
        assert store.status(deck).flags["locked"] == 0
    finally:
        store.close()


def test_deleting_the_connections_deck_forgets_its_connections(
    decks: None, data_dir: Path, run: Any
) -> None:
    assert run("decks", "delete", "linkedin", "--yes").returncode == 0
    flags = flags_of(data_dir)
    assert "connected" in flags  # not worked out yet: the next command does it
    out = status(run)["flags"]
    assert out["connected"] == 0 and out["name_match"] == 0
    assert out["no_profile"] == 4  # Ada's profile was known from that deck only


def test_the_recovery_decks_connections_count_everywhere(
    tmp_path: Path, data_dir: Path, run: Any
) -> None:
    """A Connections.csv given to `recover` only (never imported as a deck)."""
    files = tmp_path / "files"
    book = google(files / "google.csv", BOOK[:4])
    assert run("import", str(book), "--deck", "B").returncode == 0
    done = run(
        "recover",
        str(write(files / "Invitations.csv", INVITATIONS)),
        str(write(files / "Connections.csv", CONNECTIONS)),
        "--no-review",
    )
    assert done.returncode == 0, done.stderr
    flags = flags_of(data_dir)
    assert flags["connected"] == STRONG
    assert flags["name_match"] == {"Carol Name"}
    store = Store.open(data_dir)
    try:
        deck = store.deck("B")
        assert deck is not None
        ada = next(c for c in store.iter_contacts(deck.id) if c.name == "Ada Lovelace")
        mark = mark_of(store, ada.id)
        assert mark is not None
        assert mark.sentence == (
            "connected since 2025-03-02 (Connections.csv read for deck 'recover')"
        )
    finally:
        store.close()


# -- the upload file ----------------------------------------------------------------------


def test_the_linkedin_export_leaves_them_out_and_says_why(
    decks: None, data_dir: Path, run: Any, tmp_path: Path
) -> None:
    at = stamp(data_dir, "Frank Withdrawn")
    until = (date.fromisoformat(at[:10]) + timedelta(days=21)).isoformat()
    invite_everyone(data_dir)
    out = tmp_path / "upload.csv"
    proc = run("export", "--deck", "B", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert rows(out) == ["Carol Name", "Dan Free"]
    assert "Wrote 2 invited people" in proc.stdout
    said = warnings(proc)
    assert (
        "2 invited people are already connected on LinkedIn and were left out;"
        " see them with --format full"
    ) in said
    assert (
        "1 invited person was already invited (Invitations.csv) and was left out;"
        " see them with --format full"
    ) in said
    assert (
        "1 invited person has an invitation still pending on LinkedIn and was left out;"
        " see them with --format full"
    ) in said
    assert (
        "1 invited person had an invitation withdrawn lately and was left out;"
        f" LinkedIn allows inviting this person again from {until}"
    ) in said
    assert (
        "1 invited person shares only a name with someone LinkedIn knows (Carol Name);"
        " check it is not the same person: it stays in the file"
    ) in said
    assert (
        "2 of the 2 people in the file have no known LinkedIn profile: LinkedIn will email"
        " them an invitation to join LinkedIn in your name"
    ) in said

    # The user's own address book: nobody is left out.
    full = tmp_path / "google.csv"
    proc = run("export", "--deck", "B", "-o", str(full), "--format", "google")
    assert proc.returncode == 0, proc.stderr
    assert "Wrote 7 invited people" in proc.stdout
    assert not any("LinkedIn" in line for line in warnings(proc))


def test_several_locks_say_the_first_and_the_last_day(
    tmp_path: Path, data_dir: Path, run: Any
) -> None:
    files = tmp_path / "files"
    assert (
        run("import", str(google(files / "google.csv", BOOK[4:6])), "--deck", "B").returncode == 0
    )
    run("recover", str(write(files / "Invitations.csv", INVITATIONS)), "--no-review")
    first = (date.today() - timedelta(days=3)).isoformat()
    stamp(data_dir, "Eve Pending", f"{first}T08:00:00+00:00")
    stamp(data_dir, "Frank Withdrawn", f"{date.today().isoformat()}T08:00:00+00:00")
    invite_everyone(data_dir)
    proc = run("export", "--deck", "B", "-o", str(tmp_path / "upload.csv"))
    assert proc.returncode == 0
    assert "no invited people to export in the linkedin format" in proc.stdout
    a = (date.fromisoformat(first) + timedelta(days=21)).isoformat()
    b = (date.today() + timedelta(days=21)).isoformat()
    assert (
        "2 invited people had an invitation withdrawn lately and were left out;"
        f" LinkedIn allows inviting them again from {a} (the last on {b})"
    ) in warnings(proc)


def test_an_upload_makes_the_same_person_pending_in_other_decks(
    tmp_path: Path, data_dir: Path, run: Any
) -> None:
    files = tmp_path / "files"
    run("import", str(google(files / "a.csv", BOOK[3:4])), "--deck", "A")
    run("import", str(google(files / "b.csv", BOOK[3:4])), "--deck", "B")
    invite_everyone(data_dir, "A")
    # Another format is the user's own address book: nobody is invited by it.
    done = run("export", "--deck", "A", "-o", str(tmp_path / "a.vcf"), "--format", "vcard")
    assert done.returncode == 0, done.stderr
    assert status(run, "B")["flags"]["pending"] == 0
    proc = run("export", "--deck", "A", "-o", str(tmp_path / "upload.csv"))
    assert proc.returncode == 0, proc.stderr
    assert status(run, "A")["flags"]["pending"] == 0  # its own upload: its deck knows
    assert flags_of(data_dir, "B")["pending"] == {"Dan Free"}
    store = Store.open(data_dir)
    try:
        deck = store.deck("B")
        assert deck is not None
        mark = mark_of(store, next(store.iter_contacts(deck.id)).id)
        assert mark is not None and mark.sentence.startswith("in a LinkedIn upload file on ")
        assert mark.sentence.endswith("(deck 'A'): an invitation is likely pending")
    finally:
        store.close()


# -- the window -----------------------------------------------------------------------------


class Host(App[None]):
    def __init__(self, screen: ExportScreen) -> None:
        super().__init__()
        self.dialog = screen

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


async def test_the_export_dialog_shows_the_notices(
    decks: None, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    stamp(data_dir, "Frank Withdrawn")
    invite_everyone(data_dir)
    store = Store.open(data_dir)
    deck = store.deck("B")
    store.close()
    assert deck is not None
    app = Host(ExportScreen(data_dir, deck, Config()))
    async with app.run_test() as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(app.dialog.query_one("#export-summary", Static).content)
        said = str(app.dialog.query_one("#export-warnings", Static).content)
    assert summary.startswith("2 people will be written: Carol Name, Dan Free")
    assert "had an invitation withdrawn lately" in said
    assert "still pending on LinkedIn" in said
    assert "already invited (Invitations.csv)" in said
    assert "shares only a name with someone LinkedIn knows (Carol Name)" in said
    assert "LinkedIn will email them an invitation to join LinkedIn in your name" in said


async def test_the_card_says_why_and_whether_a_profile_is_known(
    decks: None, data_dir: Path
) -> None:
    from triage.ui.app import ReviewApp
    from triage.ui.start import StartLookup

    stamp(data_dir, "Frank Withdrawn")
    store = Store.open(data_dir)
    try:
        ensure_current(store)
        deck = store.deck("B")
        assert deck is not None
        store.prepare_order(deck, "name")
        start = StartLookup(store, deck, "name", thread=False, flt=ALL)
        app = ReviewApp(store, deck, order="name", cursor_blink=False, start=start)
        cards: dict[str, dict[str, str]] = {}
        async with app.run_test() as pilot:
            await pilot.pause()
            for _ in range(len(BOOK)):
                head, shown = app.screen.query_one(CardBody)._shown
                assert head is not None
                cards[head[0]] = dict(shown)
                await pilot.press("j")
                await pilot.pause()
    finally:
        store.close()
    assert cards["Ada Lovelace"]["profile"] == (
        "linkedin.com/in/ada-example (known from deck 'linkedin')"
    )
    assert (
        "connected since 2025-03-02 (Connections.csv in deck 'linkedin')"
        in (cards["Ada Lovelace"]["flags"])
    )
    assert cards["Dan Free"]["profile"] == NO_PROFILE
    assert "no LinkedIn profile" not in cards["Dan Free"].get("flags", "")
    assert "same name as a connection in deck 'linkedin'" in cards["Carol Name"]["flags"]
    assert "LinkedIn allows a new invitation from" in cards["Frank Withdrawn"]["flags"]
    assert cards["Frank Withdrawn"]["profile"] == f"{URL}frank-w"
    assert (
        "invitation sent 2026-11-20, still pending (deck 'recover')"
        in (cards["Eve Pending"]["flags"])
    )
    assert "already invited on 2026-11-10" in cards["Gina Invited"]["flags"]


# -- the profile key -----------------------------------------------------------------------


@given(
    st.text(alphabet="abcXYZé-_.%/?#:@ 0123456789ß", max_size=20),
    st.sampled_from(["https://www.", "http://", "", "HTTPS://de.", "https://www.x.", "ftp://"]),
    st.sampled_from(["linkedin.com/in/", "LinkedIn.com/IN/", "linkedin.com/company/"]),
)
def test_the_quick_profile_key_is_the_same_as_the_long_way(
    slug: str, scheme: str, host: str
) -> None:
    url = scheme + host + slug
    quick = profile_key(url)
    plain = linkedin._PLAIN
    try:
        linkedin._PLAIN = __import__("re").compile(r"(?!)")
        assert profile_key(url) == quick
    finally:
        linkedin._PLAIN = plain
