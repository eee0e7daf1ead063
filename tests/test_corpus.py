"""Every real export in the public corpus imports, with pinned results.

The corpus lives in the development workspace beside the project
(``../shared/corpus/public``); a user's clone has none, so these tests skip
with that reason there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.ingest.run import run_import
from triage.store import Store

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "public"

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason="../shared/corpus/public not present (only in the development workspace)",
)


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".csv", ".vcf"))


# file -> (format, encoding, people in the deck, rejected rows)
PINNED = {
    "google_csv/google_new_format_2024.csv": ("google", "utf-8", 2, 0),
    "google_csv/google_old_format_2021.csv": ("google", "utf-8", 2, 0),
    "linkedin/kawsay_Connections.csv": ("linkedin", "utf-8-sig", 2, 0),
    "thunderbird_csv/thunderbird_csv_semicolon.csv": ("csv", "utf-8", 2, 0),
    "thunderbird_csv/thunderbird_quote.csv": ("csv", "utf-8", 1, 0),
    "thunderbird_csv/thunderbird_utf16_addressbook.csv": ("csv", "utf-16-le", 1, 0),
    "thunderbird_csv/thunderbird_shiftjis_addressbook.csv": ("csv", "cp1252", 1, 0),
    "vcard/ezvcard_John_Doe_ANDROID.vcf": ("vcard", "utf-8", 6, 0),
    "vcard/ezvcard_John_Doe_IPHONE.vcf": ("vcard", "utf-8", 1, 0),
    "vcard/ezvcard_gmail-list.vcf": ("vcard", "utf-8", 3, 0),
    "vcard/ezvcard_rfc2426-example.vcf": ("vcard", "utf-8", 2, 0),
    "vcard/nodevcf_photo-base64.vcf": ("vcard", "utf-8", 0, 1),
    "vcard/thunderbird_export.vcf": ("vcard", "utf-8", 2, 0),
    "vcard/thunderbird_emptylines_vcard_addressbook.vcf": ("vcard", "utf-8", 2, 0),
}


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file_imports(tmp_path, path):
    store = Store.open(tmp_path)
    report = run_import(store, "d", [path], region="US")
    f = report.files[0]
    assert f.records + len(f.rejected) >= 1
    rel = path.relative_to(CORPUS).as_posix()
    if rel in PINNED:
        fmt, encoding, people, rejected = PINNED[rel]
        assert (f.format, f.encoding, report.contacts, len(f.rejected)) == (
            fmt,
            encoding,
            people,
            rejected,
        )


def test_whole_corpus_in_one_deck_merges_the_same_people(tmp_path):
    store = Store.open(tmp_path)
    report = run_import(store, "all", corpus_files(), region="US")
    records = sum(f.records for f in report.files)
    merged = sum(f.merged for f in report.files)
    assert report.contacts == records - merged
    assert merged > 0  # the "John Doe" cards of several phones share an email
    # re-importing the whole corpus adds nobody
    again = run_import(store, "all", corpus_files(), region="US")
    assert again.contacts == report.contacts
    assert sum(f.new for f in again.files) == 0


def test_pinned_files_exist():
    assert len(PINNED) >= 10
    for rel in PINNED:
        assert (CORPUS / rel).is_file(), rel


def test_android_card_fields(tmp_path):
    store = Store.open(tmp_path)
    run_import(store, "d", [CORPUS / "vcard/ezvcard_John_Doe_GMAIL.vcf"], region="US")
    deck = store.deck("d")
    (c,) = list(store.iter_contacts(deck.id))
    assert c.name == "Mr. John Richter, James Doe Sr."
