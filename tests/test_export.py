"""The export core: selection, exclusions, formats, the formula guard,
batching and atomic writing (triage.export, no UI).

``make_deck`` builds decks straight through the store API; the CLI and dialog
tests import it from here.
"""

from __future__ import annotations

import csv
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from triage.export import formats as export_formats
from triage.export import plan as export
from triage.export.plan import (
    CONNECTED,
    NO_EMAIL,
    ExportError,
    OutputExists,
    build_plan,
    load_invited,
    plan_export,
    write_export,
)
from triage.ingest.merge import refresh_flags
from triage.ingest.names import role_address
from triage.model import FLAG_BITS, Contact, Deck, Email, Phone, RawRecord, Source
from triage.store import Store

FORMULA = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- helpers


@dataclass
class P:
    """One person of a test deck; emails given as text are valid."""

    name: str
    given: str = ""
    family: str = ""
    emails: Sequence[str | tuple[str, bool]] = ()
    phones: Sequence[str | tuple[str, bool]] = ()
    org: str = ""
    title: str = ""
    notes: str = ""
    labels: Sequence[str] = ()
    decision: str = "invite"
    tags: Sequence[str] = ()
    note: str = ""
    connected_on: str = ""
    decided_at: str = ""  # overrides the time decide() records
    extra_flags: Sequence[str] = field(default_factory=tuple)


def make_deck(
    data_dir: Path, people: Sequence[P], name: str = "t"
) -> tuple[Store, Deck, list[int]]:
    """A deck of ``people`` (ids in the same order), decided, tagged, noted."""
    store = Store.open(data_dir)
    ids: list[int] = []
    with store.transaction():
        deck = store.deck(name) or store.create_deck(name, "US")
        import_id = store.start_import(deck.id, ["people.csv"])
        for i, p in enumerate(people):
            emails = [
                Email(e, True, role_address(e)) if isinstance(e, str) else Email(e[0], e[1])
                for e in p.emails
            ]
            phones = [Phone(x) if isinstance(x, str) else Phone(*x) for x in p.phones]
            c = Contact(
                id=0, deck_id=deck.id, key=f"{name}-{i}-{p.name}", name=p.name, given=p.given,
                family=p.family, org=p.org, title=p.title, emails=emails, phones=phones,
                notes=p.notes, labels=list(p.labels),
                sources=[Source("people.csv", i + 2, import_id, "/x/people.csv")],
                connected_on=p.connected_on,
            )  # fmt: skip
            refresh_flags(c)
            for flag in p.extra_flags:
                c.flags |= FLAG_BITS[flag]
            ids.append(store.insert_contact(deck.id, c, i))
        store.finish_import(deck.id, import_id, {})
    for cid, p in zip(ids, people, strict=True):
        if p.decision != "undecided":
            store.decide(cid, p.decision)
        if p.decided_at:
            store.conn.execute(
                "UPDATE contacts SET decided_at = ? WHERE id = ?", (p.decided_at, cid)
            )
        for tag in p.tags:
            store.set_tag(cid, tag, True)
        if p.note:
            store.set_note(cid, p.note)
    return store, deck, ids


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def plan_for(
    data: Path,
    people: Sequence[P],
    fmt: str = "linkedin",
    tags: Sequence[str] = (),
    budget: int = 100,
) -> export.ExportPlan:
    store, deck, _ = make_deck(data, people)
    try:
        return plan_export(store, deck, fmt, tags, budget=budget)
    finally:
        store.close()


ADA = P("Ada Lovelace", "Ada", "Lovelace", ["ada@example.com"], ["+16502530000"],
        org="Analytical Engines", title="Countess", notes="met at the salon",
        tags=["work"])  # fmt: skip
GRACE = P("Grace Hopper", "Grace", "Hopper", ["grace@example.com", "g.hopper@example.org"],
          ["+442079460958", "+4930123456"], org="Navy", labels=["Navy people"],
          tags=["friends", "Work"], note="Hello Grace")  # fmt: skip
SKIPPED = P("Skip Person", "Skip", "Person", ["skip@example.com"], decision="skip")
UNDECIDED = P("Maybe Later", "Maybe", "Later", ["maybe@example.com"], decision="undecided")
NO_MAIL = P("Phone Only", "Phone", "Only", [], ["+33612345678"])
BAD_MAIL = P("Bad Mail", "Bad", "Mail", [("bad@@example", False)])
LINKED = P("Already Linked", "Already", "Linked", ["linked@example.com"], connected_on="2024-01-15")
ROLE = P("Acme Info", "", "", ["info@acme.example"], org="Acme")


# --------------------------------------------------------------------------- selection


def test_only_invited_people_in_every_format(data: Path, out_dir: Path) -> None:
    store, deck, _ = make_deck(data, [ADA, SKIPPED, UNDECIDED, GRACE])
    for fmt in export.FORMATS:
        plan = plan_export(store, deck, fmt)
        assert [c.name for c in plan.people] == ["Ada Lovelace", "Grace Hopper"]
        (path,) = write_export(plan, out_dir / f"out{export.suffix_for(fmt)}", force=True)
        text = path.read_text(encoding="utf-8")
        assert "Ada" in text and "Grace" in text
        assert "Skip" not in text and "skip@" not in text
        assert "Maybe" not in text and "maybe@" not in text
    store.close()


def test_oldest_decision_first_then_id(data: Path) -> None:
    people = [
        P("C Late", "C", "Late", ["c@example.com"], decided_at="2025-03-01T10:00:00+00:00"),
        P("A Early", "A", "Early", ["a@example.com"], decided_at="2025-01-01T10:00:00+00:00"),
        P("B Tie", "B", "Tie", ["b@example.com"], decided_at="2025-02-01T10:00:00+00:00"),
        P("D Tie", "D", "Tie", ["d@example.com"], decided_at="2025-02-01T10:00:00+00:00"),
    ]
    plan = plan_for(data, people)
    assert [c.name for c in plan.people] == ["A Early", "B Tie", "D Tie", "C Late"]


def test_tags_any_of_case_insensitive(data: Path) -> None:
    store, deck, _ = make_deck(data, [ADA, GRACE, P("Tim Lee", "Tim", "Lee", ["t@example.com"])])
    assert [c.name for c in plan_export(store, deck, tags=["WORK"]).people] == [
        "Ada Lovelace",
        "Grace Hopper",
    ]
    assert [c.name for c in plan_export(store, deck, tags=["friends"]).people] == ["Grace Hopper"]
    assert len(plan_export(store, deck, tags=["friends", "work"]).people) == 2
    assert len(plan_export(store, deck).people) == 3
    with pytest.raises(ExportError, match="no tag 'colleagues'"):
        plan_export(store, deck, tags=["colleagues"])
    store.close()


def test_a_tag_only_skipped_people_have_selects_nobody(data: Path) -> None:
    skipped = P("Skip Tagged", "Skip", "Tagged", ["s@example.com"], decision="skip", tags=["old"])
    plan = plan_for(data, [ADA, skipped], tags=["old"])
    assert plan.count == 0
    assert plan.nothing_message() == "no invited people with tag 'old' to export"


def test_plan_preview_names(data: Path) -> None:
    people = [P(f"Person {i}", "Person", str(i), [f"p{i}@example.com"]) for i in range(8)]
    plan = plan_for(data, people)
    assert plan.count == 8
    assert plan.first_names() == [f"Person {i}" for i in range(5)]
    assert plan.first_names(2) == ["Person 0", "Person 1"]


# --------------------------------------------------------------------------- exclusions


def test_linkedin_leaves_out_no_email_and_connected_and_says_so(data: Path) -> None:
    plan = plan_for(data, [ADA, NO_MAIL, BAD_MAIL, LINKED, ROLE])
    assert [c.name for c in plan.people] == ["Ada Lovelace", "Acme Info"]
    assert plan.selected == 5
    assert sorted(e.name for e in plan.excluded_for(NO_EMAIL)) == ["Bad Mail", "Phone Only"]
    assert [e.name for e in plan.excluded_for(CONNECTED)] == ["Already Linked"]
    notices = plan.notices()
    assert notices[0] == (
        "2 invited people have no usable email and were left out; see them with --format full"
    )
    assert notices[1] == (
        "1 invited person is already connected on LinkedIn and was left out;"
        " see them with --format full"
    )
    assert "role address" in notices[2] and "info@acme.example" in notices[2]
    assert "stays in the file" in notices[2]


def test_role_addresses_stay_in(data: Path, out_dir: Path) -> None:
    plan = plan_for(data, [ROLE])
    assert [c.name for c in plan.role_addresses] == ["Acme Info"]
    (path,) = write_export(plan, out_dir / "o.csv")
    assert read_csv(path)[1] == ["Acme Info", "", "info@acme.example"]


def test_connected_without_email_counts_once(data: Path) -> None:
    both = P("Both Ways", "Both", "Ways", [], connected_on="2024-01-01")
    plan = plan_for(data, [both])
    assert [(e.name, e.reason) for e in plan.excluded] == [("Both Ways", CONNECTED)]
    assert plan.nothing_message() == "no invited people to export in the linkedin format"


@pytest.mark.parametrize("fmt", ["google", "outlook", "vcard", "full"])
def test_other_formats_keep_everyone_invited(data: Path, fmt: str) -> None:
    plan = plan_for(data, [ADA, NO_MAIL, BAD_MAIL, LINKED, ROLE], fmt)
    assert plan.count == 5
    assert plan.excluded == [] and plan.notices() == []


# --------------------------------------------------------------------------- formats


def test_linkedin_columns_encoding_and_primary_email(data: Path, out_dir: Path) -> None:
    first_invalid = P("Zoë Ünal", "Zoë", "Ünal", [("not-an-email", False), "zoe@example.com"])
    plan = plan_for(data, [ADA, first_invalid, P("Cher", "", "", ["cher@example.com"])])
    (path,) = write_export(plan, out_dir / "linkedin.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"First Name,Last Name,Email Address\r\n")  # no BOM
    assert read_csv(path) == [
        ["First Name", "Last Name", "Email Address"],
        ["Ada", "Lovelace", "ada@example.com"],
        ["Zoë", "Ünal", "zoe@example.com"],
        ["Cher", "", "cher@example.com"],
    ]


def test_google_layout_labels_and_groups(data: Path, out_dir: Path) -> None:
    ada = P("Dr. Ada B. Lovelace, PhD", "Ada", "Lovelace", ["ada@example.com"],
            ["+16502530000"], org="Engines", title="Countess", notes="salon", tags=["work"],
            labels=["Old group"])  # fmt: skip
    plan = plan_for(data, [ada, GRACE], "google")
    (path,) = write_export(plan, out_dir / "google.csv")
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(path)
    header = rows[0]
    assert header[:17] == export_formats.GOOGLE_HEADER
    assert header[17:] == [
        "E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Label", "E-mail 2 - Value",
        "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value",
    ]  # fmt: skip
    ada_row = dict(zip(header, rows[1], strict=True))
    assert ada_row["First Name"] == "Ada"
    assert ada_row["Middle Name"] == "B."
    assert ada_row["Last Name"] == "Lovelace"
    assert ada_row["Name Prefix"] == "Dr."
    assert ada_row["Name Suffix"] == "PhD"
    assert ada_row["Organization Name"] == "Engines"
    assert ada_row["Organization Title"] == "Countess"
    assert ada_row["Notes"] == "salon"
    assert ada_row["Labels"] == "work ::: Old group ::: * myContacts"
    assert ada_row["E-mail 1 - Label"] == "* Other"
    assert ada_row["E-mail 1 - Value"] == "ada@example.com"
    assert ada_row["E-mail 2 - Value"] == ""
    assert ada_row["Phone 1 - Value"] == "+16502530000"  # a phone cannot run anything
    grace_row = dict(zip(header, rows[2], strict=True))
    # "Work" is the deck's tag "work" (tag names are unique regardless of case).
    assert grace_row["Labels"] == "work ::: friends ::: Navy people ::: * myContacts"
    assert grace_row["E-mail 2 - Value"] == "g.hopper@example.org"


def test_outlook_layout_and_overflow_into_notes(data: Path, out_dir: Path) -> None:
    many = P("Many Ways", "Many", "Ways", [f"m{i}@example.com" for i in range(5)],
             [f"+1650253000{i}" for i in range(6)], org="Org", title="Boss", notes="first note",
             tags=["work", "a;b"])  # fmt: skip
    plan = plan_for(data, [many], "outlook")
    (path,) = write_export(plan, out_dir / "outlook.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfFirst Name,Middle Name,Last Name,Company")
    header, row = read_csv(path)
    assert header == export_formats.OUTLOOK_HEADER
    got = dict(zip(header, row, strict=True))
    assert got["E-mail Address"] == "m0@example.com"
    assert got["E-mail 3 Address"] == "m2@example.com"
    assert got["Mobile Phone"] == "+16502530000"
    assert got["Other Phone"] == "+16502530003"
    assert got["Categories"] == "work;a,b"
    assert got["Notes"] == (
        "first note\nMore e-mail addresses: m3@example.com, m4@example.com\n"
        "More phone numbers: +16502530004, +16502530005"
    )


def test_full_has_every_field(data: Path, out_dir: Path) -> None:
    grace = P("Grace Hopper", "Grace", "Hopper", ["grace@example.com", ("bad@@x", False)],
              ["+442079460958", ("12", False)], org="Navy", title="Admiral", notes="src note",
              labels=["Navy people"], tags=["friends", "work"], note="Hello Grace",
              connected_on="2024-02-02", decided_at="2025-01-02T03:04:05+00:00")  # fmt: skip
    plan = plan_for(data, [grace], "full")
    (path,) = write_export(plan, out_dir / "full.csv")
    header, row = read_csv(path)
    got = dict(zip(header, row, strict=True))
    assert got["Name"] == "Grace Hopper"
    assert got["First Name"] == "Grace" and got["Last Name"] == "Hopper"
    assert got["E-mails"] == "grace@example.com; bad@@x (invalid)"
    assert got["Phones"] == "'+442079460958; 12 (unparsed)"
    assert got["Organization"] == "Navy" and got["Title"] == "Admiral"
    assert got["Tags"] == "friends; work"
    assert got["Labels"] == "Navy people"
    assert got["Invitation Note"] == "Hello Grace"
    assert got["Notes"] == "src note"
    assert got["Flags"] == "invalid_email; connected; phone_unparsed; no_profile"
    assert got["Decided At"] == "2025-01-02T03:04:05+00:00"
    assert got["Sources"] == "people.csv:2"
    assert got["Connected On"] == "2024-02-02"


def test_vcard_escaping_folding_and_crlf(data: Path, out_dir: Path) -> None:
    long_note = "Line one, with; specials\\ and a newline\nthen " + "ünïcødé 🎉 " * 12
    person = P("Jane, the; Great", "Jane", "Great", ["jane@example.com", "j2@example.com"],
               ["+16502530000"], org="A, B; C", title="T", notes=long_note, tags=["x,y", "z"],
               labels=["src"])  # fmt: skip
    plan = plan_for(data, [person], "vcard")
    (path,) = write_export(plan, out_dir / "cards.vcf")
    raw = path.read_bytes()
    assert raw.startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert raw.endswith(b"END:VCARD\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    physical = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    for line in physical:
        line.decode("utf-8")  # never a split UTF-8 sequence
    assert any(line.startswith(b" ") for line in physical)  # something was folded
    unfolded = raw.decode("utf-8").replace("\r\n ", "")
    assert "FN:Jane\\, the\\; Great\r\n" in unfolded
    assert "ORG:A\\, B\\; C\r\n" in unfolded
    assert "NOTE:Line one\\, with\\; specials\\\\ and a newline\\nthen ünïcødé 🎉" in unfolded
    assert "CATEGORIES:x\\,y,z,src\r\n" in unfolded
    assert "EMAIL;TYPE=INTERNET,PREF:jane@example.com\r\n" in unfolded
    assert "EMAIL;TYPE=INTERNET:j2@example.com\r\n" in unfolded
    assert "TEL:+16502530000\r\n" in unfolded


def test_vcard_reads_back_with_our_parser(data: Path, out_dir: Path) -> None:
    from triage.ingest.formats import vcard

    note = "multi\nline; note, with \\ backslash and émoji 🎉" + " long" * 30
    person = P("Ünal Zoë-Ann", "Ünal", "Zoë-Ann", ["zoe@example.com"], ["+33612345678"],
               org="Org; Inc", title="Chief, Things", notes=note)  # fmt: skip
    plan = plan_for(data, [person, ADA], "vcard")
    (path,) = write_export(plan, out_dir / "cards.vcf")
    with path.open(encoding="utf-8", newline="") as fh:
        records = list(vcard.parse(fh))
    assert all(isinstance(r, RawRecord) for r in records)
    assert [r.full_name for r in records if isinstance(r, RawRecord)] == [
        "Ünal Zoë-Ann",
        "Ada Lovelace",
    ]
    zoe = records[0]
    assert isinstance(zoe, RawRecord)
    assert zoe.given == "Ünal" and zoe.family == "Zoë-Ann"
    assert zoe.org == "Org; Inc" and zoe.title == "Chief, Things"
    assert zoe.notes == note
    assert zoe.emails == ["zoe@example.com"] and zoe.phones == ["+33612345678"]


def test_fold_never_splits_a_utf8_sequence() -> None:
    for width in range(1, 5):
        char = "é€🎉"[width - 2] if width > 1 else "a"
        for pad in range(4):
            line = "NOTE:" + "x" * pad + char * 80
            folded = export_formats.fold(line).encode()
            pieces = folded.split(b"\r\n")[:-1]
            assert all(len(p) <= 75 for p in pieces)
            assert (
                "".join(p.decode()[1:] if i else p.decode() for i, p in enumerate(pieces)) == line
            )


# --------------------------------------------------------------------------- formula guard

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "@SUM(1)",
    "+1-555",
    "-2+3",
    "\tTabbed",
    "\rCarriage",
    "line one\nline two",
    'say "hi", ok',
    "comma, separated",
    "Zoë 🎉 Ünal",
    "=cmd|' /C calc'!A0",
]


def hostile_people() -> list[P]:
    people = []
    for i, text in enumerate(HOSTILE):
        people.append(
            P(
                text,
                text,
                text,
                [f"h{i}@example.com", f"-h{i}@example.com"],
                [f"+1650253000{i}"],
                org=text,
                title=text,
                notes=text,
                tags=[f"tag{i}"],
                note=text,
                labels=[text],
            )
        )
    return people


@pytest.mark.parametrize("fmt", ["linkedin", "google", "outlook", "full"])
def test_no_cell_starts_with_a_formula_character(data: Path, out_dir: Path, fmt: str) -> None:
    plan = plan_for(data, hostile_people(), fmt)
    (path,) = write_export(plan, out_dir / "hostile.csv")
    rows = read_csv(path)
    assert len(rows) == 1 + len(HOSTILE)
    assert len({len(r) for r in rows}) == 1  # no broken row
    for row in rows:
        for cell in row:
            # A phone number's characters alone cannot run anything.
            phone_only = re.fullmatch(r"[0-9 +\-()./]+", cell)
            assert not cell.startswith(FORMULA) or phone_only, (fmt, cell)
    # The text is all there, behind the neutralising quote.
    assert [r[0] for r in rows[1:]] == [export_formats.guard(text) for text in HOSTILE]


def test_guard() -> None:
    for text in ('=HYPERLINK("http://x","y")', "@SUM(1)", "\tTabbed", "\rCarriage"):
        assert export_formats.guard(text) == "'" + text
    # Only a phone number's characters: nothing can run, written as it is.
    for text in ("+1-555", "-2+3", "+44 20 7946 0011", "+1 (650) 253-0000", "+49 6123/44848"):
        assert export_formats.guard(text) == text
    for text in ("+1 650 ext. 12", "+1=2", "-1;2", "+44 20\t1", "+ A1"):
        assert export_formats.guard(text) == "'" + text
    assert export_formats.guard("") == ""
    assert export_formats.guard("Ada") == "Ada"
    assert export_formats.guard("'=already") == "'=already"
    assert export_formats._guarded(["=1", "ok", "@x", ""]) == ["'=1", "ok", "'@x", ""]
    assert export_formats._guarded(["ok", "a\x00=b", "\tz"]) == ["ok", "a\x00=b", "'\tz"]
    assert export_formats._guarded(["a\x00=b"]) == ["a\x00=b"]


# Text a full-export cell may start with: what guard_full looks at, NUL (the
# fast path's separator) and ordinary characters; often a harmless cell, so
# that one cell needing the guard is often the only one.
_CELL_TEXT = st.one_of(
    st.sampled_from(["", "Ada"]), st.text(alphabet="=+-@\t\r'\x00 a1;", max_size=5)
)


@settings(max_examples=2000, deadline=None)
@given(texts=st.lists(_CELL_TEXT, min_size=11, max_size=11), phone=_CELL_TEXT)
@example(texts=["'=x", *[""] * 10], phone="")
@example(texts=["", "a\x00=b", *[""] * 9], phone="")
def test_a_full_row_guards_exactly_the_cells_guard_full_changes(
    texts: list[str], phone: str
) -> None:
    """The full row's one search over the whole row must send a row down the
    cell-by-cell path whenever any cell needs guard_full."""
    name, given_, family, org, title, notes, note, url, website, city, label = texts
    c = Contact(
        id=1, deck_id=1, key="k", name=name, given=given_, family=family, org=org,
        title=title, notes=notes, note=note, profile_url=url, website=website, city=city,
        labels=[label], phones=[Phone(phone)],
    )  # fmt: skip
    row = dict(zip(export_formats.FULL_HEADER, export_formats._full_row(c), strict=True))
    cells = {
        "Name": name, "First Name": given_, "Last Name": family, "Organization": org,
        "Title": title, "Notes": notes, "Invitation Note": note, "Profile URL": url,
        "Website": website, "City": city,
        "Labels": label.replace(";", ";;"), "Phones": phone.replace(";", ";;"),
    }  # fmt: skip
    guard_full = export_formats.guard_full
    assert {h: row[h] for h in cells} == {h: guard_full(text) for h, text in cells.items()}


# --------------------------------------------------------------------------- batches


def test_batches_are_numbered_and_ordered(data: Path, out_dir: Path) -> None:
    people = [
        P(f"P{i}", "P", str(i), [f"p{i}@example.com"], decided_at=f"2025-01-0{9 - i}T00:00:00")
        for i in range(5)
    ]
    plan = plan_for(data, people)
    paths = write_export(plan, out_dir / "invites.csv", batch_size=2)
    assert [p.name for p in paths] == ["invites-01.csv", "invites-02.csv", "invites-03.csv"]
    contents = [read_csv(p) for p in paths]
    assert all(c[0] == export_formats.LINKEDIN_HEADER for c in contents)
    assert [[r[1] for r in c[1:]] for c in contents] == [["4", "3"], ["2", "1"], ["0"]]
    assert sorted(os.listdir(out_dir)) == [p.name for p in paths]


def test_batch_names() -> None:
    assert export.batch_paths(Path("/x/out.csv"), 2) == [
        Path("/x/out-01.csv"),
        Path("/x/out-02.csv"),
    ]
    assert export.batch_paths(Path("/x/cards.vcf"), 1) == [Path("/x/cards-01.vcf")]
    assert export.batch_paths(Path("/x/out.csv"), 120)[-1] == Path("/x/out-120.csv")
    assert export.batch_paths(Path("/x/out.csv"), 120)[0] == Path("/x/out-001.csv")
    assert export.batch_paths(Path("/x/noext"), 1) == [Path("/x/noext-01")]


def test_batch_size_must_be_positive(data: Path, out_dir: Path) -> None:
    plan = plan_for(data, [ADA])
    with pytest.raises(ExportError, match="positive"):
        write_export(plan, out_dir / "o.csv", batch_size=0)


def test_budget_warning(data: Path) -> None:
    people = [P(f"P{i}", "P", str(i), [f"p{i}@example.com"]) for i in range(5)]
    plan = plan_for(data, people, budget=3)
    assert plan.budget_warning(None) == (
        "5 people in one file is more than your weekly invitation budget of 3;"
        " pace the invitations with --batch-size 3"
    )
    assert str(plan.budget_warning(4)).startswith("4 people in one file")
    assert plan.budget_warning(3) is None
    assert str(plan.budget_warning(None, suggestion="batch size {n}")).endswith("batch size 3")
    assert plan_for(data / "google", people, "google", budget=3).budget_warning(None) is None


# --------------------------------------------------------------------------- safe files


def test_refuses_to_overwrite_without_force(data: Path, out_dir: Path) -> None:
    plan = plan_for(data, [ADA])
    out = out_dir / "o.csv"
    out.write_text("precious")
    with pytest.raises(OutputExists) as info:
        write_export(plan, out)
    assert info.value.path == out and str(out) in str(info.value)
    assert out.read_text() == "precious"
    assert write_export(plan, out, force=True) == [out]
    assert "ada@example.com" in out.read_text()


def test_an_existing_batch_file_stops_the_whole_export(data: Path, out_dir: Path) -> None:
    plan = plan_for(data, [ADA, GRACE, ROLE])
    (out_dir / "o-02.csv").write_text("precious")
    with pytest.raises(OutputExists, match=r"o-02\.csv"):
        write_export(plan, out_dir / "o.csv", batch_size=1)
    assert sorted(os.listdir(out_dir)) == ["o-02.csv"]
    assert (out_dir / "o-02.csv").read_text() == "precious"


def test_missing_folder_and_folder_as_output(data: Path, out_dir: Path) -> None:
    plan = plan_for(data, [ADA])
    with pytest.raises(ExportError, match="no such folder"):
        write_export(plan, out_dir / "nope" / "o.csv")
    (out_dir / "dir.csv").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        write_export(plan, out_dir / "dir.csv", force=True)


def test_nothing_to_write_writes_nothing(data: Path, out_dir: Path) -> None:
    plan = plan_for(data, [SKIPPED])
    assert plan.count == 0
    assert plan.nothing_message() == "no invited people to export"
    assert write_export(plan, out_dir / "o.csv") == []
    assert os.listdir(out_dir) == []


def test_files_are_private(data: Path, out_dir: Path) -> None:
    plan = plan_for(data, [ADA, GRACE])
    old = os.umask(0)
    try:
        (single,) = write_export(plan, out_dir / "o.csv")
        batches = write_export(plan, out_dir / "b.vcf", batch_size=1)
        shared = out_dir / "shared.csv"
        shared.write_text("x")
        shared.chmod(0o644)
        write_export(plan, shared, force=True)
    finally:
        os.umask(old)
    for path in (single, *batches, shared):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


class Boom(Exception):
    pass


def failing_writer(after: int) -> export_formats.Writer:
    """A writer that writes ``after`` people (well past the write buffer, and
    across batch files), then fails."""
    written = 0

    def write(people: Sequence[Contact], fh: IO[str]) -> None:
        nonlocal written
        fh.write("First Name,Last Name,Email Address\r\n")
        for c in people:
            if written == after:
                fh.flush()
                raise Boom
            fh.write(f"{c.name},x,y\r\n" * 500)
            written += 1

    return write


@pytest.mark.parametrize("batch_size", [None, 1])
def test_a_failure_half_way_leaves_nothing_behind(
    data: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int | None
) -> None:
    plan = plan_for(data, [ADA, GRACE, ROLE])
    existing = out_dir / ("o.csv" if batch_size is None else "o-01.csv")
    existing.write_text("precious")
    monkeypatch.setattr(export, "make_writer", lambda fmt, everyone: failing_writer(2))
    with pytest.raises(Boom):
        write_export(plan, out_dir / "o.csv", batch_size=batch_size, force=True)
    assert os.listdir(out_dir) == [existing.name]  # no half file, no temp file
    assert existing.read_text() == "precious"


def test_a_failing_fsync_leaves_nothing_behind(
    data: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_for(data, [ADA, GRACE])

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "fsync", no_space)
    with pytest.raises(ExportError, match="No space left on device; nothing was written"):
        write_export(plan, out_dir / "o.csv")
    assert os.listdir(out_dir) == []


def test_an_interrupt_leaves_nothing_behind(
    data: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_for(data, [ADA, GRACE])
    real = export_formats._linkedin_rows

    def interrupted(people: Sequence[Contact]) -> Iterator[list[str]]:
        rows = real(people)
        yield next(iter(rows))
        raise KeyboardInterrupt

    monkeypatch.setattr(export_formats, "_linkedin_rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_export(plan, out_dir / "o.csv")
    assert os.listdir(out_dir) == []


# --------------------------------------------------------------------------- round trips


def _people_of(store: Store, deck: Deck) -> dict[str, tuple[list[str], list[str]]]:
    return {
        c.name: ([e.address for e in c.emails], [p.number for p in c.phones])
        for c in store.iter_contacts(deck.id)
    }


ROUND_TRIP = [
    P("Ada Lovelace", "Ada", "Lovelace", ["ada@example.com", "ada@engines-example.org"],
      ["+16502530000", "+442079460958"], org="Engines", title="Countess",
      notes="salon, evening; \"quoted\"", tags=["work"]),
    P("Zoë Ünal", "Zoë", "Ünal", ["zoe@example.de"], ["+4930123456"], notes="émoji 🎉\nsecond"),
    P("Phone Only", "Phone", "Only", [], ["+33612345678"]),
    P("Grace B. Hopper", "Grace", "Hopper", ["grace@example.com"], [], org="Navy, Inc."),
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["vcard", "google", "outlook"])
def test_round_trip_through_our_importer(data: Path, out_dir: Path, fmt: str) -> None:
    from triage.ingest.run import run_import

    store, deck, _ = make_deck(data, [*ROUND_TRIP, SKIPPED])
    plan = plan_export(store, deck, fmt)
    (path,) = write_export(plan, out_dir / f"back{export.suffix_for(fmt)}")
    report = run_import(store, "back", [path], region="US")
    assert report.files[0].format == fmt
    assert report.files[0].rejected == []
    back = store.deck("back")
    assert back is not None
    original = _people_of(store, deck)
    del original["Skip Person"]
    assert _people_of(store, back) == original
    again = {c.name: c for c in store.iter_contacts(back.id)}
    assert again["Ada Lovelace"].org == "Engines"
    assert again["Ada Lovelace"].title == "Countess"
    assert again["Ada Lovelace"].notes == 'salon, evening; "quoted"'
    assert again["Zoë Ünal"].notes == "émoji 🎉\nsecond"
    assert again["Ada Lovelace"].labels == ["work"]
    assert again["Grace B. Hopper"].org == "Navy, Inc."
    store.close()


def test_default_output() -> None:
    from datetime import date

    day = date(2025, 3, 4)
    assert (
        export.default_output("default", "linkedin", day)
        == Path.home() / "triage-default-2025-03-04.csv"
    )
    assert (
        export.default_output("my deck/2", "vcard", day).name == "triage-my-deck-2-2025-03-04.vcf"
    )
    assert export.default_output("../..", "full", day).name == "triage-deck-2025-03-04.csv"


def test_load_invited_fills_tags_once(data: Path) -> None:
    store, deck, _ = make_deck(data, [ADA, GRACE, SKIPPED])
    invited = load_invited(store, deck)
    assert [c.tags for c in invited.people] == [["work"], ["work", "friends"]]
    assert invited.deck_tags == ["work", "friends"]
    assert build_plan(invited, "full", ["friends"]).count == 1
    with pytest.raises(ExportError, match="unknown format"):
        build_plan(invited, "xml")
    store.close()


def test_an_upload_plan_reads_only_what_the_file_holds(data: Path, out_dir: Path) -> None:
    """plan_export for linkedin reads names, emails and flags (tags only to
    narrow by them), and writes the file a complete read would write."""
    store, deck, _ = make_deck(data, [ADA, GRACE, ROLE, SKIPPED])
    lean = load_invited(store, deck, upload_only=True, tags=False)
    assert all(c.phones == [] and c.notes == "" and c.tags == [] for c in lean.people)
    with pytest.raises(ValueError, match="linkedin"):
        build_plan(lean, "google")
    with pytest.raises(ValueError, match="tags"):
        build_plan(lean, "linkedin", ["work"])
    complete = build_plan(load_invited(store, deck), "linkedin")
    plan = plan_export(store, deck, "linkedin")
    assert [c.id for c in plan.people] == [c.id for c in complete.people]
    assert plan.notices() == complete.notices()
    (a,) = write_export(plan, out_dir / "lean.csv")
    (b,) = write_export(complete, out_dir / "complete.csv")
    assert a.read_bytes() == b.read_bytes()
    tagged = plan_export(store, deck, "linkedin", ["friends"])
    assert [c.name for c in tagged.people] == ["Grace Hopper"]
    store.close()


def test_first_existing_and_file_count(data: Path, out_dir: Path) -> None:
    plan = plan_for(data, [ADA, GRACE, ROLE])
    assert export.file_count(3, None) == 1
    assert export.file_count(3, 2) == 2 and export.file_count(4, 2) == 2
    assert export.first_existing(plan, out_dir / "o.csv", 1) is None
    (out_dir / "o-03.csv").write_text("x")
    assert export.first_existing(plan, out_dir / "o.csv", 1) == out_dir / "o-03.csv"
    assert export.first_existing(plan, out_dir / "o.csv", 2) is None
    assert export.first_existing(plan, out_dir / "o.csv", None) is None
