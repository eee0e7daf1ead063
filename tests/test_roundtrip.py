"""A full export imported back gives the same people: every field a person
has, the tags and the invitation note, through the command line.  The
decisions stay behind: everyone read back is undecided."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from triage.model import INVITE, UNDECIDED, Contact
from triage.store import Store

VCARDS = """\
BEGIN:VCARD
VERSION:3.0
FN:Ada Lovelace
N:Lovelace;Ada;;;
ORG:Analytical Engines
TITLE:=Chief Programmer
EMAIL;TYPE=INTERNET,PREF:ada@example.com
EMAIL;TYPE=INTERNET:ada@engines.example.org
TEL:+1 202-555-0142
TEL:+44 20 7946 0958
TEL:ext. 12 only
NOTE:- first line\\n- second line\\nthird; with a semicolon
CATEGORIES:Friends,Work colleagues
URL:https://www.linkedin.com/in/ada-lovelace
URL:https://ada.example.org/engines
ADR;TYPE=WORK:;;12 St James's Square;London;;SW1Y 4JH;United Kingdom
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:'=quoted start
N:;'=quoted start;;;
EMAIL:info@acme-example.com
EMAIL:bob@@example.com
NOTE:@mention and +1
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:+Plus Person
ORG:-Minus Org
TEL:+49 6123 44848
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Grace Hopper
EMAIL:grace@example.com
END:VCARD
"""
CONNECTIONS = """\
First Name,Last Name,URL,Email Address,Company,Position,Connected On
Linus,Linked,https://linkedin.com/in/linus,linus@example.com,Kernel,Maintainer,22 Dec 2025
"""


def triage(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIAGE_CONFIG": str(data / "no-config.toml")}
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def person(c: Contact) -> dict[str, object]:
    """Everything a person is, as the card and the exports see it."""
    return {
        "name": c.name,
        "given": c.given,
        "family": c.family,
        "org": c.org,
        "title": c.title,
        "emails": [(e.address, e.valid, e.role) for e in c.emails],
        # The number and its readable form (the typed text stays with the
        # source file: the full export holds the number).
        "phones": [(p.number, p.valid, p.display) for p in c.phones],
        "notes": c.notes,
        "labels": c.labels,
        "tags": c.tags,
        "note": c.note,
        "profile_url": c.profile_url,
        "website": c.website,
        "city": c.city,
        "connected_on": c.connected_on,
        "invited_on": c.invited_on,
        "flags": c.flag_names,
    }


def people(data: Path, deck_name: str) -> dict[str, dict[str, object]]:
    store = Store.open(data)
    try:
        deck = store.deck(deck_name)
        assert deck is not None
        out = {}
        for c in store.iter_contacts(deck.id):
            c.tags = store.tags_of(c.id)
            out[c.name] = {**person(c), "decision": c.decision}
        return out
    finally:
        store.close()


def test_full_export_imports_back_as_the_same_people(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cards = tmp_path / "cards.vcf"
    cards.write_text(VCARDS, encoding="utf-8")
    connections = tmp_path / "Connections.csv"
    connections.write_text(CONNECTIONS, encoding="utf-8")
    triage(data, "import", str(cards), str(connections), "--deck", "source", "--region", "US")

    # The user's own part: everybody invited, some tags and notes.
    store = Store.open(data)
    try:
        deck = store.deck("source")
        assert deck is not None
        for c in list(store.iter_contacts(deck.id)):
            store.decide(c.id, INVITE)
            if c.name == "Ada Lovelace":
                store.set_tag(c.id, "met at PyCon", True)
                store.set_tag(c.id, "=vip", True)
                store.set_note(c.id, "+1 for the talk on engines\nsee you soon")
            if c.name == "Linus Linked":
                store.set_tag(c.id, "kernel", True)
    finally:
        store.close()
    before = people(data, "source")
    assert len(before) == 5

    out = tmp_path / "everyone.csv"
    triage(data, "export", "--deck", "source", "--format", "full", "-o", str(out))
    proc = triage(data, "import", str(out), "--deck", "copy", "--region", "US")
    assert "everyone.csv: triage full export, utf-8-sig: 5 rows: 5 read, 0 rejected" in (
        proc.stdout
    )

    after = people(data, "copy")
    assert after.keys() == before.keys()
    for name, was in before.items():
        assert was["decision"] == INVITE
        now = after[name]
        assert now["decision"] == UNDECIDED, name
        assert {k: v for k, v in now.items() if k != "decision"} == {
            k: v for k, v in was.items() if k != "decision"
        }, name
    ada = after["Ada Lovelace"]
    assert (ada["website"], ada["city"]) == ("https://ada.example.org/engines", "London")
    assert ada["profile_url"] == "https://www.linkedin.com/in/ada-lovelace"
    assert ada["phones"] == [
        ("+12025550142", True, "+1 202-555-0142"),
        ("+442079460958", True, "+44 20 7946 0958"),
        ("ext. 12 only", False, ""),
    ]
    assert after["Ada Lovelace"]["tags"] == ["met at PyCon", "=vip"]
    assert after["Ada Lovelace"]["note"] == "+1 for the talk on engines\nsee you soon"
    assert after["'=quoted start"]["emails"] == [
        ("info@acme-example.com", True, True),
        ("bob@@example.com", False, False),
    ]


def test_full_export_from_standard_input(tmp_path: Path) -> None:
    """The same file piped in: recognised by its header, not by its name."""
    data = tmp_path / "data"
    cards = tmp_path / "cards.vcf"
    cards.write_text(VCARDS, encoding="utf-8")
    triage(data, "import", str(cards), "--deck", "source")
    store = Store.open(data)
    try:
        deck = store.deck("source")
        assert deck is not None
        for c in list(store.iter_contacts(deck.id)):
            store.decide(c.id, INVITE)
    finally:
        store.close()
    out = tmp_path / "export.csv"
    triage(data, "export", "--deck", "source", "--format", "full", "-o", str(out))
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), "import", "-", "--deck", "p"],
        input=out.read_bytes(),
        capture_output=True,
        timeout=120,
        env={**os.environ, "TRIAGE_CONFIG": str(data / "no-config.toml")},
    )
    assert proc.returncode == 0, proc.stderr
    assert b"(standard input): triage full export" in proc.stdout
    assert people(data, "p").keys() == people(data, "source").keys()


def test_tags_and_notes_arrive_with_their_people_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Putting back a full export's tags and notes is part of the import's one
    transaction: when it fails, nobody of that file is left without them."""
    from triage.ingest import userdata
    from triage.ingest.run import run_import

    data = tmp_path / "data"
    cards = tmp_path / "cards.vcf"
    cards.write_text(VCARDS, encoding="utf-8")
    triage(data, "import", str(cards), "--deck", "source", "--region", "US")
    store = Store.open(data)
    try:
        deck = store.deck("source")
        assert deck is not None
        for c in list(store.iter_contacts(deck.id)):
            store.decide(c.id, INVITE)
            store.set_tag(c.id, "met", True)
    finally:
        store.close()
    out = tmp_path / "everyone.csv"
    triage(data, "export", "--deck", "source", "--format", "full", "-o", str(out))

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(userdata, "restore_user_fields", broken)
    store = Store.open(data)
    try:
        with pytest.raises(OSError):
            run_import(store, "copy", [out], region="US")
        assert store.deck("copy") is None  # not the people without their tags
    finally:
        store.close()
    monkeypatch.undo()
    store = Store.open(data)
    try:
        run_import(store, "copy", [out], region="US")
        deck = store.deck("copy")
        assert deck is not None
        tagged = [store.tags_of(c.id) for c in store.iter_contacts(deck.id)]
        assert tagged and all(tags == ["met"] for tags in tagged)
    finally:
        store.close()


def test_list_values_holding_a_semicolon_come_back_whole(tmp_path: Path) -> None:
    """A tag ``work; friends``, a label, an unreadable address and an
    unparsed number holding ``; `` stay one value through a full export."""
    data = tmp_path / "data"
    book = tmp_path / "book.csv"
    book.write_text(
        "First Name,Last Name,Labels,E-mail 1 - Value,E-mail 2 - Value,Phone 1 - Value\n"
        'Ada,Lovelace,"clients; 2024 ::: x;",ada@example.com,"a; b@example.com","12; 34"\n',
        encoding="utf-8",
    )
    triage(data, "import", str(book), "--deck", "source", "--region", "US")
    store = Store.open(data)
    try:
        deck = store.deck("source")
        assert deck is not None
        (ada,) = store.iter_contacts(deck.id)
        store.decide(ada.id, INVITE)
        for tag in ("work; friends", "x;", ";", "plain"):
            store.set_tag(ada.id, tag, True)
    finally:
        store.close()
    before = people(data, "source")["Ada Lovelace"]
    assert before["labels"] == ["clients; 2024", "x;"]
    out = tmp_path / "everyone.csv"
    triage(data, "export", "--deck", "source", "--format", "full", "-o", str(out))
    assert "work;; friends; x;;; ;;; plain" in out.read_text(encoding="utf-8-sig")
    triage(data, "import", str(out), "--deck", "copy", "--region", "US")
    after = people(data, "copy")["Ada Lovelace"]
    assert after["tags"] == ["work; friends", "x;", ";", "plain"]
    assert {k: v for k, v in after.items() if k != "decision"} == {
        k: v for k, v in before.items() if k != "decision"
    }


def test_an_older_full_export_splits_its_lists_as_before() -> None:
    from triage.ingest.formats.full import split_cell

    assert split_cell("work; friends; a;b") == ["work", "friends", "a;b"]
    assert split_cell("work;; friends; x;;; ;;; a;b") == ["work; friends", "x;", ";", "a;b"]
    assert split_cell("") == [] and split_cell("a; a; ") == ["a"]
