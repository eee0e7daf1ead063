"""Every real export in the public corpus imports as exactly the people in it,
names readable.

The files and the counts a careful reader makes of them live beside the
project in the development workspace (see ``CORPUS`` in conftest.py):
``wild/EXPECT.json`` pins the people of each file in ``wild/``, and
``OLDER`` below those of the rest.  Without the corpus the per-file tests
are not generated and one test says why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, NO_CORPUS

from triage.ingest.run import run_import
from triage.store import Store

WILD = CORPUS / "wild"

# file -> (format, encoding, people in the deck, rejected rows)
OLDER: dict[str, tuple[str, str, int, int]] = {
    "google_csv/google_new_format_2024.csv": ("google", "utf-8", 2, 0),
    "google_csv/google_old_format_2021.csv": ("google", "utf-8", 2, 0),
    "linkedin/kawsay_Connections.csv": ("linkedin", "utf-8-sig", 2, 0),
    "thunderbird_csv/thunderbird_csv_semicolon.csv": ("csv", "utf-8", 2, 0),
    "thunderbird_csv/thunderbird_export.csv": ("csv", "utf-8", 2, 0),
    "thunderbird_csv/thunderbird_quote.csv": ("csv", "utf-8", 1, 0),
    "thunderbird_csv/thunderbird_utf16_addressbook.csv": ("csv", "utf-16-le", 1, 0),
    "thunderbird_csv/thunderbird_shiftjis_addressbook.csv": ("csv", "cp932", 1, 0),
    "vcard/ezvcard_John_Doe_ANDROID.vcf": ("vcard", "utf-8", 6, 0),
    "vcard/ezvcard_John_Doe_BLACK_BERRY.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_John_Doe_EVOLUTION.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_John_Doe_GMAIL.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_John_Doe_IPHONE.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_John_Doe_LOTUS_NOTES.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_John_Doe_MAC_ADDRESS_BOOK.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_John_Doe_MS_OUTLOOK.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_fullcontact.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_gmail-list.vcf": ("vcard", "utf-8", 3, 0),
    "vcard/ezvcard_gmail-single.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_gmail-single2.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_issue114.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_outlook-2003.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_outlook-2007.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_rfc2426-example.vcf": ("vcard", "utf-8", 2, 0),
    "vcard/ezvcard_rfc6350-example.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_thunderbird-MFFAB.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/nodevcf_empty-lines.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/nodevcf_photo-base64.vcf": ("vcard", "utf-8", 0, 1),
    "vcard/nodevcf_vcard-2.1.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/nodevcf_vcard-3.0.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/nodevcf_vcard-4.0.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/nodevcf_xing.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/thunderbird_dos_vcard_addressbook.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/thunderbird_emptylines_vcard_addressbook.vcf": ("vcard", "utf-8", 2, 0),
    "vcard/thunderbird_export.vcf": ("vcard", "utf-8", 2, 0),
    "vcard/thunderbird_v3-binary-jpeg.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/thunderbird_v4-uri-png.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/vobject_radicale-1587.vcf": ("vcard", "utf-8", 1, 0),
}

# file -> (encoding, names that must appear exactly)
READABLE: dict[str, tuple[str, list[str]]] = {
    "wild/aosp_v21_japanese_1.vcf": ("shift_jis", ["安藤ロイド"]),
    "wild/aosp_v21_japanese_3.vcf": ("shift_jis", ["伊能 圭一 伊予"]),
    "wild/aosp_v21_multiple_entry.vcf": (
        "shift_jis",
        ["安藤ロイド3", "安藤ロイド4", "安藤ロイド5"],
    ),
    "wild/aosp_v40_sort_as.vcf": ("utf-8", ["安藤 ロイド"]),
    "wild/fkvcards_Ukrainian_cp1251.vcf": ("cp1251", ["Віталій Володимирович Кличко"]),
    "wild/fkvcards_German_cp1252.vcf": ("cp1252", ["Sören Täve Nüßlebaum"]),
    "wild/fkvcards_v3Ansi.vcf": ("cp1252", ["KMS Außenstelle"]),
    "wild/fkvcards_v3Utf16Bom.vcf": ("utf-16-le", ["KMS Außenstelle"]),
    "wild/garywei944_google_contacts.csv": ("utf-8", ["二狗王"]),
    "wild/fkvcards_v4_cardbook.vcf": ("utf-8", ["Möhrke Gerda"]),
    "wild/sondreb_google_outlook_format.csv": ("utf-8", ["Norway Doe"]),
    "thunderbird_csv/thunderbird_shiftjis_addressbook.csv": ("cp932", ["名無しの権兵衛"]),
    "linkedin/kawsay_Connections.csv": ("utf-8-sig", ["José García", "Æsop Fontaine"]),
}
MOJIBAKE = ("\ufffd", "Ã", "Â", "ƒ", "‚", "â€")


def _expect() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((WILD / "EXPECT.json").read_text("utf-8"))
    return data


def _cases() -> list[Any]:
    """One case per corpus file: (relative path, expectation)."""
    cases: list[Any] = []
    for rel, (fmt, encoding, people, rejected) in OLDER.items():
        expect = {"format": fmt, "encoding": encoding, "people": [people], "rejected": rejected}
        cases.append(pytest.param(rel, expect, id=rel))
    for name, entry in sorted(_expect().items()):
        people = [entry.get("contacts", entry["records"]), *entry.get("accept", [])]
        expect = {"people": people, "rejected": entry.get("rejected_max", 0)}
        cases.append(pytest.param(f"wild/{name}", expect, id=f"wild/{name}"))
    return cases


def test_corpus_is_present() -> None:
    """Without the corpus the per-file tests below are not generated: say so once."""
    if not CORPUS.is_dir():
        pytest.skip(NO_CORPUS)
    contact_files = {
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix in (".csv", ".vcf", ".txt")
    }
    assert contact_files == set(OLDER) | {f"wild/{name}" for name in _expect()}
    assert (len(OLDER), len(_expect())) == (38, 45)


if CORPUS.is_dir():  # else test_corpus_is_present says why there is nothing

    def _import(tmp_path: Path, path: Path) -> tuple[Any, list[str]]:
        store = Store.open(tmp_path)
        try:
            report = run_import(store, "d", [path], region="US")
            deck = store.deck("d")
            assert deck is not None
            names = [c.name for c in store.iter_contacts(deck.id)]
        finally:
            store.close()
        return report, names

    @pytest.mark.parametrize(("rel", "expect"), _cases())
    def test_corpus_file_imports_its_people(
        tmp_path: Path, rel: str, expect: dict[str, Any]
    ) -> None:
        report, names = _import(tmp_path, CORPUS / rel)
        (f,) = report.files
        assert report.contacts in expect["people"], names
        assert len(f.rejected) <= expect["rejected"], f.rejected
        if "format" in expect:
            assert (f.format, f.encoding, len(f.rejected)) == (
                expect["format"],
                expect["encoding"],
                expect["rejected"],
            )
        for name in names:
            assert not any(bad in name for bad in MOJIBAKE), name

    @pytest.mark.parametrize("rel", sorted(READABLE))
    def test_names_are_readable(tmp_path: Path, rel: str) -> None:
        encoding, wanted = READABLE[rel]
        report, names = _import(tmp_path, CORPUS / rel)
        assert report.files[0].encoding == encoding
        for name in wanted:
            assert name in names, names

    @pytest.mark.parametrize(
        ("rel", "people"),
        [
            ("wild/aosp_v21_nest.vcf", {"parent", "nest1", "nest2"}),
            ("wild/pimalaya_vcard21_agent_nested.vcf", {"Has Agent", "Fred Friday"}),
        ],
    )
    def test_cards_inside_cards_keep_the_outer_person(
        tmp_path: Path, rel: str, people: set[str]
    ) -> None:
        report, names = _import(tmp_path, CORPUS / rel)
        assert set(names) == people
        assert report.files[0].rejected == []

    def test_whole_corpus_in_one_deck_merges_the_same_people(tmp_path: Path) -> None:
        files = [CORPUS / rel for rel in OLDER]
        store = Store.open(tmp_path)
        report = run_import(store, "all", files, region="US")
        records = sum(f.records for f in report.files)
        merged = sum(f.merged for f in report.files)
        assert report.contacts == records - merged
        assert merged > 0  # the "John Doe" cards of several phones share an email
        # re-importing the whole corpus adds nobody
        again = run_import(store, "all", files, region="US")
        assert again.contacts == report.contacts
        assert sum(f.new for f in again.files) == 0
        store.close()

    def test_android_card_fields(tmp_path: Path) -> None:
        _, names = _import(tmp_path, CORPUS / "vcard/ezvcard_John_Doe_GMAIL.vcf")
        assert names == ["Mr. John Richter, James Doe Sr."]
