"""Who is who: records are one person on a shared email, profile URL or
phone (with compatible names), on a name + organisation only when nothing
contradicts it and never twice from one file; a newer export of an address
book updates its people; --region reads the phones that did not parse
again; a person without a name keeps none (DESIGN §4)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from triage.export.formats import make_writer
from triage.ingest.profiles import profile_key
from triage.ingest.run import run_import
from triage.model import FLAG_BITS, Contact
from triage.store import Store

DEMO = Path(__file__).resolve().parent.parent / "triage" / "demo"
GOOGLE = (
    "First Name,Last Name,Organization Name,Organization Title,E-mail 1 - Value,"
    "Phone 1 - Value,Website 1 - Value\n"
)
LINKEDIN = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def write(path: Path, header: str, rows: list[list[str]]) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(header + out.getvalue(), encoding="utf-8")
    return path


def people(store: Store, deck: str = "d") -> list[Contact]:
    found = store.deck(deck)
    assert found is not None
    return list(store.iter_contacts(found.id))


@pytest.fixture(params=["dicts", "sqlite"])
def spill(request, monkeypatch):  # type: ignore[no-untyped-def]
    """The matcher's keys in dicts, or in SQLite from the first batch on."""
    from triage.ingest.matching import Merger

    if request.param == "sqlite":
        monkeypatch.setattr(Merger, "SPILL", 0)
    return request.param


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


# --------------------------------------------------------------------------- properties

FIRST = ["Ann", "Bo", "Cy"]
LAST = ["Lee", "Ng"]
ORGS = ["", "Acme"]
PHONES = ["", "+1 415 555 0101", "+1 415 555 0102"]
EMAILS = ["", "a@example.com", "b@example.com", "c@example.com"]
URLS = ["", "linkedin.com/in/one", "https://www.linkedin.com/in/two/", "linkedin.com/in/three"]


# One record: (first, last, org, phone, email, url).  The emails vary with
# the URLs left out, or the URLs with the emails left out: one address for
# two LinkedIn profiles is two people, and which of them the address's other
# records belong to is a guess.
def records(emails: list[str], urls: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.tuples(
        st.sampled_from(FIRST),
        st.sampled_from(LAST),
        st.sampled_from(ORGS),
        st.sampled_from(PHONES),
        st.sampled_from(emails),
        st.sampled_from(urls),
    )


# Up to three files of up to six records, imported together or one by one
# (three different address books: see test_a_newer_export_... for copies).
BOOKS = ["alpha", "beta", "gamma"]


def decks(emails: list[str], urls: list[str]) -> st.SearchStrategy[tuple[object, bool]]:
    files = st.lists(
        st.lists(records(emails, urls), min_size=1, max_size=6), min_size=1, max_size=3
    )
    return st.tuples(files, st.booleans())


BY_EMAIL = decks(EMAILS, [""])
BY_URL = decks([""], URLS)
SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _import_files(tmp: Path, files: list[list[tuple[str, ...]]], together: bool) -> Store:
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    paths = [
        write(
            tmp / f"{BOOKS[i]}.csv",
            GOOGLE,
            [
                [first, last, org, "", email, phone, url]
                for first, last, org, phone, email, url in f
            ],
        )
        for i, f in enumerate(files)
    ]
    store = Store.open(tmp / "data")
    if together:
        run_import(store, "d", paths, region="US")
    else:
        for path in paths:
            run_import(store, "d", [path], region="US")
    return store


def _members(store: Store, files: list[list[tuple[str, ...]]]) -> list[list[tuple[str, ...]]]:
    """Each person of the deck as the records (with their file) in it."""
    out = []
    for c in people(store):
        members = []
        for s in c.sources:
            i = BOOKS.index(s.file.removesuffix(".csv"))
            members.append((str(i), *files[i][s.line - 2]))
        out.append(members)
    return out


def _check_groups(store: Store, files: list[list[tuple[str, ...]]]) -> None:
    groups = _members(store, files)
    assert sum(len(g) for g in groups) == sum(len(f) for f in files)  # everyone is someone
    for group in groups:
        emails = {r[5] for r in group if r[5]}
        urls = {profile_key(r[6]) for r in group if r[6]}
        assert len(emails) <= 1, group
        assert len(urls) <= 1, group
        # Records with no identifier at all are met only by name, and never
        # two of one file.
        bare = [r[0] for r in group if not (r[4] or r[5] or r[6])]
        assert len(bare) == len(set(bare)), group


@SETTINGS
@given(BY_EMAIL)
def test_records_with_different_emails_never_merge(tmp_path: Path, deck: object) -> None:
    files, together = deck  # type: ignore[misc]
    store = _import_files(tmp_path / "h", files, together)
    try:
        _check_groups(store, files)
    finally:
        store.close()


@SETTINGS
@given(BY_URL)
def test_records_with_different_profile_urls_never_merge(tmp_path: Path, deck: object) -> None:
    files, together = deck  # type: ignore[misc]
    store = _import_files(tmp_path / "h", files, together)
    try:
        _check_groups(store, files)
    finally:
        store.close()


_ANN = ("Ann", "Lee", "", "", "", "")
_ANN_A = ("Ann", "Lee", "", "", "a@example.com", "")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(BY_EMAIL, BY_URL))
# Namesakes of one file, one of whom a later file's record joined and gave an
# organisation: read again, each record goes back to the person it went to
# (the organisation had hidden that person from the name index).
@example(
    deck=(
        [
            [_ANN, _ANN, _ANN_A],
            [_ANN, _ANN, _ANN, ("Ann", "Lee", "Acme", "", "a@example.com", "")],
        ],
        False,
    )
)
@example(
    deck=(
        [
            [_ANN, _ANN_A, _ANN, _ANN],
            [_ANN, _ANN, ("Ann", "Lee", "Acme", "", "a@example.com", "")],
        ],
        False,
    )
)
def test_reimporting_the_same_files_adds_and_changes_nobody(tmp_path: Path, deck: object) -> None:
    files, together = deck  # type: ignore[misc]
    store = _import_files(tmp_path / "h", files, together)
    try:
        before = sorted((c.id, c.key, c.name, c.org, c.flags) for c in people(store))
        paths = sorted((tmp_path / "h").glob("*.csv"))
        report = run_import(store, "d", paths, region="US")
        assert sum(f.new for f in report.files) == 0
        assert sum(f.updated for f in report.files) == 0
        after = sorted((c.id, c.key, c.name, c.org, c.flags) for c in people(store))
        assert after == before
    finally:
        store.close()


# --------------------------------------------------------------------------- examples


def test_two_linkedin_connections_of_one_name_and_company_stay_two(store, tmp_path):
    path = write(
        tmp_path / "Connections.csv",
        LINKEDIN,
        [
            [
                "Priya",
                "Sharma",
                "https://www.linkedin.com/in/priya-sharma-1",
                "",
                "Razorpay",
                "Engineer",
                "01 Jan 2024",
            ],
            [
                "Priya",
                "Sharma",
                "https://www.linkedin.com/in/priya-sharma-2",
                "",
                "Razorpay",
                "Designer",
                "02 Feb 2024",
            ],
        ],
    )
    report = run_import(store, "d", [path], region="IN")
    assert (report.contacts, report.files[0].new, report.files[0].merged) == (2, 2, 0)
    got = sorted((c.profile_url, c.title, c.key) for c in people(store))
    assert got == [
        (
            "https://www.linkedin.com/in/priya-sharma-1",
            "Engineer",
            "u:linkedin.com/in/priya-sharma-1",
        ),
        (
            "https://www.linkedin.com/in/priya-sharma-2",
            "Designer",
            "u:linkedin.com/in/priya-sharma-2",
        ),
    ]
    # The same two again (another spelling of their URLs): still two, nobody new.
    again = write(
        tmp_path / "Connections (1).csv",
        LINKEDIN,
        [
            [
                "Priya",
                "Sharma",
                "linkedin.com/in/Priya-Sharma-2?trk=x",
                "",
                "Razorpay",
                "Designer",
                "",
            ],
            [
                "Priya",
                "Sharma",
                "http://linkedin.com/in/priya-sharma-1/",
                "",
                "Razorpay",
                "Engineer",
                "",
            ],
        ],
    )
    report = run_import(store, "d", [again], region="IN")
    assert (report.contacts, report.files[0].new) == (2, 0)


def test_same_name_and_company_in_one_file_stay_two_whether_a_phone_parses_or_not(store, tmp_path):
    path = write(
        tmp_path / "book.csv",
        GOOGLE,
        [
            ["Liam", "Taylor", "Acme", "", "", "", ""],
            ["Liam", "Taylor", "Acme", "", "", "", ""],
            ["Emma", "Dubois", "Acme", "", "", "+33 6 12 34 56 78", ""],
            ["Emma", "Dubois", "Acme", "", "", "", ""],
        ],
    )
    report = run_import(store, "d", [path], region="US")
    assert (report.contacts, report.files[0].merged) == (4, 0)


def test_across_files_a_name_and_company_merge_unless_an_identifier_disagrees(
    store, tmp_path, spill
):
    a = write(
        tmp_path / "a.csv",
        GOOGLE,
        [
            ["Jane", "Doe", "Acme", "", "jane@example.com", "", ""],
            ["Raj", "Iyer", "Acme", "", "", "+1 415 555 0101", ""],
            ["Tom", "Ng", "Acme", "", "tom@example.com", "", ""],
        ],
    )
    b = write(
        tmp_path / "b.csv",
        GOOGLE,
        [
            ["Jane", "Doe", "Acme", "", "", "+1 415 555 0199", ""],  # nothing disagrees: one
            ["Raj", "Iyer", "Acme", "", "", "+1 415 555 0102", ""],  # another phone: two
            ["Tom", "Ng", "Acme", "", "tom.ng@example.org", "", ""],  # another address: two
        ],
    )
    report = run_import(store, "d", [a, b], region="US")
    assert [(f.new, f.merged) for f in report.files] == [(3, 0), (2, 1)]
    jane = next(c for c in people(store) if c.name == "Jane Doe")
    assert ([e.address for e in jane.emails], [p.number for p in jane.phones]) == (
        ["jane@example.com"],
        ["+14155550199"],
    )


def test_the_eight_cards_of_one_name_with_nothing_else_are_eight_people(store, tmp_path, spill):
    cards = "".join(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane Doe\r\nN:Doe;Jane;;;\r\n"
        f"NOTE:card {i}\r\nEND:VCARD\r\n"
        for i in range(8)
    )
    path = tmp_path / "cards.vcf"
    path.write_text(cards, encoding="utf-8")
    assert run_import(store, "d", [path], region="US").contacts == 8
    # and a second reading of the file finds each of them again
    again = run_import(store, "d", [path], region="US")
    assert (again.contacts, again.files[0].new, again.files[0].unchanged) == (8, 0, 8)


# --------------------------------------------------------------------------- newer exports


def _demo_copy(tmp_path: Path, name: str, old: str = "", new: str = "") -> Path:
    text = (DEMO / "google.csv").read_text(encoding="utf-8")
    if old:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("first", "second"), [("google.csv", "google2.csv"), ("contacts.csv", "contacts (1).csv")]
)
def test_a_newer_export_under_another_name_updates_its_people(
    store, tmp_path, first, second, spill
):
    original = _demo_copy(tmp_path, first)
    report = run_import(store, "d", [original], region="US")
    n = report.contacts
    zoe = next(c for c in people(store) if c.name == "Zoë Castellanos")
    store.decide(zoe.id, "invite")
    store.set_tag(zoe.id, "climate", True)
    newer = _demo_copy(tmp_path, second, "Lumen Loop,Founder & CEO", "Lumen Works,Chief Executive")
    report = run_import(store, "d", [newer], region="US")
    (f,) = report.files
    assert (f.new, f.merged, f.updated, f.unchanged) == (0, 0, 1, n - 1)
    assert report.contacts == n
    zoe = store.contact(zoe.id)
    assert (zoe.org, zoe.title, zoe.decision, zoe.tags) == (
        "Lumen Works",
        "Chief Executive",
        "invite",
        ["climate"],
    )
    assert [(s.file, s.line) for s in zoe.sources] == [(second, 2)]
    everyone = people(store)
    assert not any(c.flags & FLAG_BITS["merged"] for c in everyone)
    assert {s.file for c in everyone for s in c.sources} == {second}
    # Reading the newer one again changes nothing at all.
    before = list(store.conn.iterdump())
    (f,) = run_import(store, "d", [newer], region="US").files
    assert (f.new, f.merged, f.updated, f.unchanged) == (0, 0, 0, n)
    after = list(store.conn.iterdump())
    assert [s for s in after if 'INTO "imports"' not in s] == [
        s for s in before if 'INTO "imports"' not in s
    ]


def test_reimporting_the_demo_files_changes_nothing(store, tmp_path):
    files = [DEMO / "google.csv", DEMO / "outlook.csv", DEMO / "contacts.vcf"]
    first = run_import(store, "d", files, region="US")
    before = [s for s in store.conn.iterdump() if 'INTO "imports"' not in s]
    again = run_import(store, "d", files, region="US")
    assert again.contacts == first.contacts
    assert [(f.new, f.merged, f.updated) for f in again.files] == [(0, 0, 0)] * 3
    assert [f.unchanged for f in again.files] == [f.records for f in first.files]
    assert [s for s in store.conn.iterdump() if 'INTO "imports"' not in s] == before


def test_another_address_book_of_the_same_person_is_a_merge(store, tmp_path):
    """Two different exports (Google, then Outlook a day later) are two
    records of one person, not an update."""
    files = [DEMO / "google.csv", DEMO / "outlook.csv"]
    run_import(store, "d", files[:1], region="US")
    report = run_import(store, "d", files[1:], region="US")
    assert report.files[0].merged > 0
    merged = [c for c in people(store) if c.flags & FLAG_BITS["merged"]]
    assert merged and all(
        {s.file for s in c.sources} == {"google.csv", "outlook.csv"} for c in merged
    )


# ------------------------------------------------------------------ decks of earlier versions


def test_a_deck_of_an_earlier_version_gains_nobody_on_reimport(store, tmp_path, spill):
    """Earlier versions fused same-name records of one file and stored a
    person without a name under the organisation, flagged as guessed: the
    same file read again adds nobody, and the placeholder reads as no name."""
    path = write(
        tmp_path / "book.csv",
        GOOGLE,
        [
            ["Emma", "Dubois", "Acme", "", "", "", ""],
            ["Emma", "Dubois", "Acme", "", "", "", ""],
            ["", "", "Initech", "", "", "", ""],
            ["Ken", "Ito", "", "", "ken@example.com", "", ""],
        ],
    )
    run_import(store, "d", [path], region="US")
    by_line = {c.sources[0].line: c for c in people(store)}
    guessed = FLAG_BITS["name_guessed"]
    with store.transaction():  # as an earlier version left it
        emma, other = by_line[2], by_line[3]
        sources = json.loads(
            store.conn.execute("SELECT sources FROM contacts WHERE id = ?", (emma.id,)).fetchone()[
                0
            ]
        )
        sources += json.loads(
            store.conn.execute("SELECT sources FROM contacts WHERE id = ?", (other.id,)).fetchone()[
                0
            ]
        )
        store.conn.execute("DELETE FROM contacts WHERE id = ?", (other.id,))
        store.conn.execute(
            "UPDATE contacts SET sources = ?, flags = flags | ? WHERE id = ?",
            (json.dumps(sources), FLAG_BITS["merged"], emma.id),
        )
        store.conn.execute(
            "UPDATE contacts SET name = 'Initech', flags = flags | ? WHERE id = ?",
            (guessed, by_line[4].id),
        )
    store.decide(by_line[4].id, "invite")
    report = run_import(store, "d", [path], region="US")
    (f,) = report.files
    assert (report.contacts, f.new, f.merged) == (3, 0, 0)
    nameless = store.contact(by_line[4].id)
    assert (nameless.name, nameless.org, nameless.decision) == ("", "Initech", "invite")
    assert not nameless.flags & guessed


# --------------------------------------------------------------------------- no name


def test_a_person_without_a_name_is_exported_without_one(store, tmp_path):
    path = write(
        tmp_path / "book.csv",
        GOOGLE,
        [
            ["", "", "Initech", "", "12345@initech.example", "", ""],
            ["", "", "", "", "jane.doe@example.com", "", ""],
        ],
    )
    run_import(store, "d", [path], region="US")
    everyone = {c.emails[0].address: c for c in people(store)}
    nameless, guessed = everyone["12345@initech.example"], everyone["jane.doe@example.com"]
    assert (nameless.name, nameless.org, nameless.flags & FLAG_BITS["name_guessed"]) == (
        "",
        "Initech",
        0,
    )
    assert (guessed.name, bool(guessed.flags & FLAG_BITS["name_guessed"])) == ("Jane Doe", True)
    out = io.StringIO()
    make_writer("linkedin", [nameless, guessed])([nameless, guessed], out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1:] == [["", "", "12345@initech.example"], ["Jane", "Doe", "jane.doe@example.com"]]


# --------------------------------------------------------------------------- region


def _triage(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIAGE_DATA_DIR": str(data), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "triage", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_region_on_a_reimport_reads_unparsed_phones_again(tmp_path):
    data = tmp_path / "data"
    path = write(tmp_path / "de.csv", GOOGLE, [["Hans", "Weber", "", "", "", "030 1234567", ""]])
    first = _triage(data, "import", str(path), "--deck", "t", "--json")
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["region"] == "US" and "region_change" not in out
    status = json.loads(_triage(data, "status", "--deck", "t", "--json").stdout)
    assert status["flags"]["phone_unparsed"] == 1

    again = _triage(data, "import", str(path), "--deck", "t", "--region", "de")
    assert again.returncode == 0, again.stderr
    assert "phone region DE" in again.stdout
    assert "Phone region US -> DE: 1 of the 1 phones that did not parse now do" in again.stdout
    status = json.loads(_triage(data, "status", "--deck", "t", "--json").stdout)
    assert (status["contacts"], status["flags"]["phone_unparsed"]) == (1, 0)

    store = Store.open(data)
    try:
        (hans,) = people(store, "t")
        assert [(p.number, p.valid, p.original) for p in hans.phones] == [
            ("+49301234567", True, "030 1234567")
        ]
        deck = store.deck("t")
        assert deck is not None and deck.region == "DE"
    finally:
        store.close()
    # The deck keeps the region: the next import says it and reads nothing again.
    out = json.loads(_triage(data, "import", str(path), "--deck", "t", "--json").stdout)
    assert out["region"] == "DE" and "region_change" not in out


def test_region_uk_suggests_gb(tmp_path):
    path = write(tmp_path / "a.csv", GOOGLE, [["A", "B", "", "", "", "", ""]])
    done = _triage(tmp_path / "data", "import", str(path), "--deck", "t", "--region", "UK")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "triage: --region UK: not a phone region; did you mean GB?"
    ]
    store = Store.open(tmp_path / "data")
    try:
        assert store.deck("t") is None  # nothing was imported
    finally:
        store.close()


@given(st.text(max_size=30))
def test_the_fast_name_key_is_the_name_key(text: str) -> None:
    from triage.ingest.merge import _words
    from triage.ingest.names import name_key

    assert _words(text) == name_key(text)
