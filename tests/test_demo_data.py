"""The bundled demo address book: present, readable, fictional, and it imports
into the deck the README and the snapshots describe."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from triage.demo import DEMO_FILES, demo_files
from triage.model import Contact

# What the demo is built to show (see triage/demo/__init__.py).
PEOPLE = 60
MERGED = 9  # 8 share an email across files (some in other case), 1 shares a phone
EMAIL = re.compile(r"[^\s,;:<>()\"]+@[^\s,;:<>()\"]+")


def read(path: Path) -> str:
    """The text with its line endings as written (vCard folds are CRLF + space)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return fh.read()


def test_files_exist_and_are_utf8() -> None:
    with demo_files() as paths:
        assert [p.name for p in paths] == list(DEMO_FILES)
        for path in paths:
            assert path.is_file(), path
            data = path.read_bytes()
            assert data, path
            data.decode("utf-8")  # raises if not UTF-8


def test_outlook_has_bom_and_csv_layouts() -> None:
    with demo_files() as paths:
        google, outlook, vcard = paths
        head = next(csv.reader(google.open(encoding="utf-8", newline="")))
        assert head[:3] == ["First Name", "Middle Name", "Last Name"]
        assert "Labels" in head and "E-mail 1 - Label" in head
        assert "Address 1 - Country" in head
        assert outlook.read_bytes().startswith(b"\xef\xbb\xbf")
        head = next(csv.reader(outlook.open(encoding="utf-8-sig", newline="")))
        assert {"First Name", "Last Name", "Company", "Job Title", "E-mail Address"} <= set(head)
        text = read(vcard)
        assert text.count("BEGIN:VCARD") == text.count("END:VCARD") > 0
        assert "\r\n " in text  # folded lines
        assert "PHOTO;ENCODING=b" in text


def test_every_address_is_fictional() -> None:
    """Only example.* and made-up ``*-example.*`` domains: no real person or company."""
    with demo_files() as paths:
        for path in paths:
            text = read(path).replace("\r\n ", "")  # unfold
            for address in EMAIL.findall(text):
                domain = address.rpartition("@")[2].casefold()
                assert re.match(r"^([\w-]+-)?example\.[a-z.]+$", domain), (path.name, address)


@pytest.fixture(scope="module")
def demo_deck(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], list[Contact]]:
    from triage.ingest.run import run_import
    from triage.store import Store

    store = Store.open(tmp_path_factory.mktemp("data"))
    try:
        with demo_files() as paths:
            report = run_import(store, "demo", paths, region="US")
        deck = store.deck("demo")
        assert deck is not None
        contacts = list(store.iter_contacts(deck.id))
    finally:
        store.close()
    return report.as_dict(), contacts


def test_imports_without_rejections(demo_deck: tuple[dict[str, object], list[Contact]]) -> None:
    report, _ = demo_deck
    files = report["files"]
    assert isinstance(files, list)
    assert [f["format"] for f in files] == ["google", "outlook", "vcard"]
    assert all(f["rejected"] == [] for f in files)
    assert report["contacts"] == PEOPLE


def test_flags_present(demo_deck: tuple[dict[str, object], list[Contact]]) -> None:
    _, contacts = demo_deck
    assert len(contacts) == PEOPLE
    flags = Counter(name for c in contacts for name in c.flag_names)
    assert flags["merged"] == MERGED
    assert flags["role_address"] >= 3
    assert flags["invalid_email"] >= 1
    assert flags["no_email"] >= 6
    assert flags["name_guessed"] >= 1
    assert flags["phone_unparsed"] >= 1
    assert all(len(c.sources) == 2 for c in contacts if c.has("merged"))


def test_cards_read_as_intended(demo_deck: tuple[dict[str, object], list[Contact]]) -> None:
    _, contacts = demo_deck
    by_name = {c.name: c for c in contacts}
    # non-ASCII names survive every format
    for name in ("Zoë Castellanos", "Łukasz Wiśniewski", "José Núñez", "Søren Lindqvist",
                 "Ayşe Yılmaz", "山田太郎"):  # fmt: skip
        assert name in by_name, name
    # the nameless Google "other contact" gets a name from its address
    assert by_name["Jane Doe"].has("name_guessed")
    assert by_name["Anna Kowalczyk"].has("invalid_email")
    assert by_name["Helen Marsh"].has("role_address")
    # the same person in two files, email in another case: one card, both sources
    zoe = by_name["Zoë Castellanos"]
    assert [e.address for e in zoe.emails] == ["zoe@lumenloop-example.com"]
    assert {s.file for s in zoe.sources} == {"google.csv", "contacts.vcf"}
    # national numbers read with the contact's country hint (Address Country, ccTLD)
    assert "+442079460912" in [p.number for p in by_name["Gerald Pike"].phones]
    assert "+33199002741" in [p.number for p in by_name["Sophie Laurent"].phones]
    assert "+493090182062" in [p.number for p in by_name["Emma Schulz"].phones]
    assert "+61491570159" in [p.number for p in by_name["Chloe Martin"].phones]
    # the multi-line quoted note stays one note
    assert by_name["Gerald Pike"].notes.count("\n") == 2
