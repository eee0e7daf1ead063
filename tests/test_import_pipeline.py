"""The import use case: merging, re-imports, invitations and atomicity."""

from __future__ import annotations

import pytest

from triage.ingest.run import ImportFailed, run_import
from triage.store import Store
from triage.store.writer import ContactWriter

GOOGLE_HEADER = (
    "First Name,Middle Name,Last Name,Organization Name,Organization Title,Notes,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
    "Phone 1 - Label,Phone 1 - Value,Address 1 - Country\n"
)


def google(path, rows):
    path.write_text(GOOGLE_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def outlook(path, rows):
    header = (
        "First Name,Middle Name,Last Name,Company,Job Title,E-mail Address,Mobile Phone,Notes\n"
    )
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def dump(store: Store) -> list[str]:
    return list(store.conn.iterdump())


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


def names(store: Store, deck: str = "d") -> dict[str, object]:
    d = store.deck(deck)
    return {c.name: c for c in store.iter_contacts(d.id)}


def test_same_email_in_two_files_is_one_person(store, tmp_path):
    g = google(
        tmp_path / "g.csv",
        [
            "Ada,,Lovelace,Analytical Engines,Founder,,* myContacts ::: Friends,Work,"
            "ada@example.com,,,"
            "Mobile,+44 20 7946 0958,United Kingdom",
            "Grace,,Hopper,Navy,,,,,grace@example.com,,,,,",
        ],
    )
    o = outlook(
        tmp_path / "o.csv",
        [
            "Ada,,Lovelace,,,ADA@Example.com,,met at PyCon",
            "Linus,,T,,,linus@example.org,,",
        ],
    )
    report = run_import(store, "d", [g, o], region="US")
    assert report.contacts == 3
    gf, of = report.files
    assert (gf.records, gf.new, gf.merged) == (2, 2, 0)
    assert (of.records, of.new, of.merged) == (2, 1, 1)
    ada = names(store)["Ada Lovelace"]
    assert [e.address for e in ada.emails] == ["ada@example.com"]
    assert [p.number for p in ada.phones] == ["+442079460958"]
    assert ada.has("merged")
    assert ada.notes == "met at PyCon"
    assert ada.labels == ["Friends"]
    assert [(s.file, s.line) for s in ada.sources] == [("g.csv", 2), ("o.csv", 2)]


def test_shared_switchboard_does_not_fuse_a_company(store, tmp_path):
    g = google(
        tmp_path / "g.csv",
        [
            "Jane,,Doe,Acme,,,,,,,,Work,+1 202 555 0100,",
            "John,,Smith,Acme,,,,,,,,Work,+1 202 555 0100,",
            "Jane,A.,Doe,Acme,,,,,,,,Work,+1 202 555 0100,",
        ],
    )
    report = run_import(store, "d", [g], region="US")
    assert report.contacts == 2
    assert report.files[0].merged == 1
    people = names(store)
    assert set(people) == {"Jane Doe", "John Smith"}


def test_reimport_changes_nothing_and_newer_export_keeps_decisions(store, tmp_path):
    rows = [
        "Ada,,Lovelace,,,,,,ada@example.com,,,,,",
        "Grace,,Hopper,,,,,,grace@example.com,,,,,",
    ]
    g = google(tmp_path / "contacts.csv", rows)
    run_import(store, "d", [g], region="US")
    before = dump(store)
    again = run_import(store, "d", [g], region="US").files[0]
    assert (again.new, again.merged, again.updated, again.unchanged) == (0, 0, 0, 2)
    # Only the import log grew.
    assert [s for s in dump(store) if 'INSERT INTO "imports"' not in s] == [
        s for s in before if 'INSERT INTO "imports"' not in s
    ]

    people = names(store)
    store.decide(people["Ada Lovelace"].id, "invite")
    store.set_tag(people["Ada Lovelace"].id, "math", True)
    store.set_note(people["Grace Hopper"].id, "Ask about COBOL")
    # A newer export: one new person, a moved line, a new phone for Grace.
    google(
        tmp_path / "contacts.csv",
        [
            "Alan,,Turing,,,,,,alan@example.com,,,,,",
            "Ada,,Lovelace,,,,,,ada@example.com,,,,,",
            "Grace,,Hopper,,,,,,grace@example.com,,,Mobile,(202) 555-0142,",
        ],
    )
    newer = run_import(store, "d", [g], region="US").files[0]
    # Grace changed; Ada only moved a line (her provenance follows it).
    assert (newer.new, newer.merged, newer.updated, newer.unchanged) == (1, 0, 1, 1)
    people = names(store)
    assert len(people) == 3
    ada, grace = people["Ada Lovelace"], people["Grace Hopper"]
    assert ada.decision == "invite"
    assert store.contact(ada.id).tags == ["math"]
    assert grace.note == "Ask about COBOL"
    assert [p.number for p in grace.phones] == ["+12025550142"]
    # provenance follows the newer export instead of piling up
    assert [(s.file, s.line) for s in ada.sources] == [("contacts.csv", 3)]
    assert not ada.has("merged")
    assert people["Alan Turing"].decision == "undecided"


def test_newcomers_join_the_walk_after_those_already_there(store, tmp_path):
    g1 = google(tmp_path / "a.csv", [f"P{i},,X,,,,,,p{i}@example.com,,,,," for i in range(20)])
    run_import(store, "d", [g1], region="US")
    deck = store.deck("d")

    def walk():
        out, cur = [], store.walk_first(deck.id, "event")
        while cur is not None:
            out.append(store.contact(cur).name)
            cur = store.walk_step(deck.id, "event", __import__("triage.model").model.ALL, cur, +1)
        return out

    first = walk()
    assert first != sorted(first)  # shuffled
    g2 = google(tmp_path / "b.csv", [f"Q{i},,Y,,,,,,q{i}@example.com,,,,," for i in range(5)])
    run_import(store, "d", [g2], region="US")
    second = walk()
    assert second[:20] == first
    assert sorted(second[20:]) == sorted(f"Q{i} Y" for i in range(5))


def test_failure_half_way_leaves_the_database_exactly_as_it_was(store, tmp_path, monkeypatch):
    run_import(
        store, "d", [google(tmp_path / "a.csv", ["Ada,,L,,,,,,ada@example.com,,,,,"])], region="US"
    )
    before = dump(store)
    big = google(tmp_path / "b.csv", [f"P{i},,X,,,,,,p{i}@example.com,,,,," for i in range(2500)])
    calls = {"n": 0}
    real = ContactWriter.add

    def failing(self, *args, **kwargs):
        calls["n"] += 1  # after two batches were written
        if calls["n"] == 2100:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ContactWriter, "add", failing)
    with pytest.raises(ImportFailed, match="No space left"):
        run_import(store, "d", [big], region="US")
    monkeypatch.undo()
    assert dump(store) == before
    assert store.counts(store.deck("d").id).contacts == 1


def test_a_bad_file_aborts_the_whole_import(store, tmp_path):
    good = google(tmp_path / "good.csv", ["Ada,,L,,,,,,ada@example.com,,,,,"])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    with pytest.raises(ImportFailed, match=r"bad\.csv"):
        run_import(store, "d", [good, bad], region="US")
    assert store.deck("d") is None


def test_linkedin_connections_and_invitations(store, tmp_path):
    g = google(
        tmp_path / "g.csv",
        [
            "Ada,,Lovelace,,,,,,ada@example.com,,,,,",
            "Grace,,Hopper,,,,,,grace@example.com,,,,,",
            "Alan,,Turing,,,,,,alan@example.com,,,,,",
        ],
    )
    conn = tmp_path / "Connections.csv"
    conn.write_text(
        'Notes:\n"Some emails are missing."\n\n'
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Grace,Hopper,https://www.linkedin.com/in/grace,grace@example.com,Navy,RADM,22 Dec 2025\n"
        "Edsger,Dijkstra,https://www.linkedin.com/in/ewd,urn:li:member:123,,,1 Jan 2024\n",
        encoding="utf-8",
    )
    inv = tmp_path / "Invitations.csv"
    inv.write_text(
        "From,To,Sent At,Message,Direction\n"
        'Me,Alan Turing,"8/26/22, 8:56 PM",,OUTGOING\n'
        'Ada Lovelace,Me,"8/27/22, 8:56 PM",,INCOMING\n'
        'Me,Nobody Known,"8/28/22, 8:56 PM",,OUTGOING\n',
        encoding="utf-8",
    )
    report = run_import(store, "d", [inv, g, conn], region="US")
    assert [f.format for f in report.files] == ["google", "linkedin", "invitations"]
    assert report.files[2].invitations == 2
    assert report.files[2].invitations_matched == 1
    people = names(store)
    assert people["Grace Hopper"].has("connected")
    assert people["Grace Hopper"].connected_on == "2025-12-22"
    assert people["Alan Turing"].has("invited")
    assert people["Alan Turing"].invited_on == "2022-08-26"
    assert not people["Ada Lovelace"].has("invited")
    edsger = people["Edsger Dijkstra"]
    assert edsger.emails == [] and edsger.has("no_email") and edsger.has("connected")


# -- hostile input: any bytes give a report or one clean error -------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SEEDS = [
    GOOGLE_HEADER.encode() + b"Ada,,L,,,,,,ada@example.com,,,,,\n",
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n",
    b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    b"A,B,,a@b.co,,,1 Jan 2024\n",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.sampled_from(_SEEDS),
    cut=st.integers(min_value=0, max_value=200),
    noise=st.binary(max_size=200),
)
def test_any_bytes_import_or_fail_cleanly(tmp_path_factory, seed, cut, noise):
    folder = tmp_path_factory.mktemp("h")
    path = folder / "input"
    path.write_bytes(seed[:cut] + noise + seed[cut:])
    store = Store.open(folder / "data")
    try:
        report = run_import(store, "d", [path], region="US")
    except ImportFailed as exc:
        assert str(exc).startswith(str(path))
        assert "\n" not in str(exc)
        assert store.deck("d") is None
    else:
        assert report.contacts == sum(f.new for f in report.files)
    finally:
        store.close()


def test_every_card_has_its_own_place_in_the_walk(store, tmp_path):
    a = google(tmp_path / "a.csv", [f"A{i},,X,,,,,,a{i}@example.com,,,,," for i in range(30)])
    b = outlook(tmp_path / "b.csv", [f"B{i},,Y,,,b{i}@example.com,," for i in range(30)])
    run_import(store, "d", [a, b], region="US")
    deck = store.deck("d")
    ranks = [
        r
        for (r,) in store.conn.execute("SELECT r_event FROM contacts WHERE deck_id = ?", (deck.id,))
    ]
    assert len(ranks) == len(set(ranks)) == 60
    seen, cur = [], store.walk_first(deck.id, "event")
    while cur is not None:
        seen.append(cur)
        cur = store.next_undecided(deck.id, "event", cur)
        if cur == seen[0]:
            break
    assert len(seen) == 60


def test_one_person_thousands_of_times(store, tmp_path):
    """Every copy folds into one card that lists each line it came from; a
    re-import of the same file changes nothing."""
    n = 3000
    path = google(tmp_path / "g.csv", ["Ann,,Lee,,,,,,ann@example.com,,,,,"] * n)
    report = run_import(store, "d", [path], region="US")
    (rep,) = report.files
    assert (rep.records, rep.new, rep.merged, rep.unchanged) == (n, 1, n - 1, 0)
    (ann,) = names(store).values()
    assert [s.line for s in ann.sources] == list(range(2, n + 2))
    assert ann.has("merged") and ann.emails[0].address == "ann@example.com"

    again = run_import(store, "d", [path], region="US").files[0]
    assert (again.new, again.merged, again.updated, again.unchanged) == (0, 0, 0, n)
    (ann,) = names(store).values()
    assert [s.line for s in ann.sources] == list(range(2, n + 2))


def test_an_import_too_large_for_the_walk_is_refused_whole(store, tmp_path, monkeypatch):
    from triage.ingest import run as importing

    first = google(tmp_path / "a.csv", [f"A{i},,X,,,,,,a{i}@example.com,,,,," for i in range(3)])
    run_import(store, "d", [first], region="US")
    before = dump(store)
    monkeypatch.setattr(importing._Ranks, "LIMIT", 5)
    big = google(tmp_path / "b.csv", [f"B{i},,Y,,,,,,b{i}@example.com,,,,," for i in range(6)])
    with pytest.raises(ImportFailed, match="at most 5 people"):
        run_import(store, "d", [big], region="US")
    assert dump(store) == before


@pytest.mark.parametrize("spill", [1 << 62, 0], ids=["dicts", "sqlite"])
def test_what_a_merge_adds_is_found_by_later_records(store, tmp_path, monkeypatch, spill):
    """An address or a phone learnt by merging (through a phone, an email)
    finds the same person in later records, in the same batch or a later
    file; a name+organisation person is found again after gaining an org;
    an address learnt this way tells a namesake on the same phone apart."""
    from triage.ingest.matching import Merger

    monkeypatch.setattr(Merger, "SPILL", spill)
    a = google(
        tmp_path / "a.csv",
        [
            "Ann,,Lee,,,,,,,,,Mobile,+1 415 555 0101,",
            "Ann,,Lee,,,,,,ann@b.com,,,Mobile,+1 415 555 0101,",  # phone → learns ann@b.com
            "Ann,,Lee,,,,,,ann@b.com,,,Mobile,+1 415 555 0199,",  # email → learns 0199
            "Ann,,Lee,,,,,,ann@a.com,,,Mobile,+1 415 555 0101,",  # another address: another Ann
            "Cy,,Po,,,,,,,,,,,",  # name only
            "Cy,,Po,Acme,,,,,,,,,,",  # a different org: someone else
        ],
    )
    b = google(
        tmp_path / "b.csv",
        [
            "A.,,Lee,,,,,,,,,Mobile,+1 415 555 0199,",  # the learnt phone, a compatible name
            "Ann,,Lee,,,,,,ANN@B.COM,,,,,",
            "Cy,,Po,,,,,,,,,,,",
        ],
    )
    report = run_import(store, "d", [a, b], region="US")
    assert [(f.new, f.merged) for f in report.files] == [(4, 2), (0, 3)]
    people = list(store.iter_contacts(store.deck("d").id))
    assert sorted((c.name, c.org, len(c.sources)) for c in people) == [
        ("Ann Lee", "", 1),
        ("Ann Lee", "", 5),
        ("Cy Po", "", 2),
        ("Cy Po", "Acme", 1),
    ]
    (ann,) = [c for c in people if c.name == "Ann Lee" and len(c.sources) == 5]
    assert [e.address for e in ann.emails] == ["ann@b.com"]
    assert [p.number for p in ann.phones] == ["+14155550101", "+14155550199"]
