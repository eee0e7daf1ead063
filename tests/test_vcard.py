"""Tests for the hand-written vCard reader (triage.importers.vcard)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.ingest.formats.base import FormatError
from triage.ingest.formats.vcard import parse
from triage.model import Problem, RawRecord

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "public"
VCARD_DIR = CORPUS / "vcard"
NO_CORPUS = "../shared/corpus/public not present (only in the development workspace)"


def corpus_dir() -> Path:
    """The vCard corpus folder, or skip the calling test when it is absent."""
    if not VCARD_DIR.is_dir():
        pytest.skip(NO_CORPUS)
    return VCARD_DIR


@pytest.fixture
def corpus() -> Path:
    return corpus_dir()


def items_of(text: str) -> list[RawRecord | Problem]:
    """Parse text split the way a file opened with newline="" iterates."""
    return list(parse(io.StringIO(text, newline="")))


def records_of(text: str) -> list[RawRecord]:
    out = items_of(text)
    assert all(isinstance(item, RawRecord) for item in out), out
    return [item for item in out if isinstance(item, RawRecord)]


def one(text: str) -> RawRecord:
    recs = records_of(text)
    assert len(recs) == 1, recs
    return recs[0]


def card(*body: str, version: str = "3.0", nl: str = "\r\n") -> str:
    lines = ["BEGIN:VCARD", f"VERSION:{version}", *body, "END:VCARD"]
    return nl.join(lines) + nl


def parse_file(name: str) -> list[RawRecord | Problem]:
    path = corpus_dir() / name
    with path.open(encoding="utf-8", newline="") as handle:
        return list(parse(handle))


def records_in(name: str) -> list[RawRecord]:
    return [item for item in parse_file(name) if isinstance(item, RawRecord)]


# --------------------------------------------------------------------------- corpus

# file name -> (records, problems)
CORPUS_COUNTS: dict[str, tuple[int, int]] = {
    "ezvcard_John_Doe_ANDROID.vcf": (6, 0),
    "ezvcard_John_Doe_BLACK_BERRY.vcf": (1, 0),
    "ezvcard_John_Doe_EVOLUTION.vcf": (1, 0),
    "ezvcard_John_Doe_GMAIL.vcf": (1, 0),
    "ezvcard_John_Doe_IPHONE.vcf": (1, 0),
    "ezvcard_John_Doe_LOTUS_NOTES.vcf": (1, 0),
    "ezvcard_John_Doe_MAC_ADDRESS_BOOK.vcf": (1, 0),
    "ezvcard_John_Doe_MS_OUTLOOK.vcf": (1, 0),
    "ezvcard_fullcontact.vcf": (1, 0),
    "ezvcard_gmail-list.vcf": (3, 0),
    "ezvcard_gmail-single.vcf": (1, 0),
    "ezvcard_gmail-single2.vcf": (1, 0),
    "ezvcard_issue114.vcf": (1, 0),
    "ezvcard_outlook-2003.vcf": (1, 0),
    "ezvcard_outlook-2007.vcf": (1, 0),
    "ezvcard_rfc2426-example.vcf": (2, 0),
    "ezvcard_rfc6350-example.vcf": (1, 0),
    "ezvcard_thunderbird-MFFAB.vcf": (1, 0),
    "nodevcf_empty-lines.vcf": (1, 0),
    "nodevcf_photo-base64.vcf": (0, 1),  # only a PHOTO: no name, email or phone
    "nodevcf_vcard-2.1.vcf": (1, 0),
    "nodevcf_vcard-3.0.vcf": (1, 0),
    "nodevcf_vcard-4.0.vcf": (1, 0),
    "nodevcf_xing.vcf": (1, 0),
    "thunderbird_dos_vcard_addressbook.vcf": (1, 0),
    "thunderbird_emptylines_vcard_addressbook.vcf": (2, 0),
    "thunderbird_export.vcf": (2, 0),
    "thunderbird_v3-binary-jpeg.vcf": (1, 0),
    "thunderbird_v4-uri-png.vcf": (1, 0),
    "vobject_radicale-1587.vcf": (1, 0),
}


@pytest.mark.corpus
def test_corpus_has_exactly_the_pinned_files(corpus: Path) -> None:
    assert sorted(p.name for p in corpus.glob("*.vcf")) == sorted(CORPUS_COUNTS)


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(CORPUS_COUNTS))
def test_corpus_file_parses_with_pinned_counts(name: str) -> None:
    items = parse_file(name)
    assert all(isinstance(item, RawRecord | Problem) for item in items)
    records = sum(isinstance(item, RawRecord) for item in items)
    problems = sum(isinstance(item, Problem) for item in items)
    assert (records, problems) == CORPUS_COUNTS[name]
    for item in items:
        if isinstance(item, RawRecord):
            assert item.kind == "contact"
            assert item.line >= 1
            # no PHOTO/KEY payload may leak into any text field
            for text in (item.full_name, item.org, item.title, item.notes):
                assert "/9j/" not in text and "MIID" not in text


@pytest.mark.corpus
def test_corpus_gmail_unescaped_comma_in_fn() -> None:
    (rec,) = records_in("ezvcard_John_Doe_GMAIL.vcf")
    assert rec.line == 1
    assert rec.full_name == "Mr. John Richter, James Doe Sr."
    assert (rec.family, rec.given, rec.middle) == ("Doe", "John", "Richter, James")
    assert rec.org == "IBM"
    assert rec.title == "Money Counter"
    assert rec.emails == ["john.doe@ibm.com"]
    assert rec.phones == ["905-555-1234", "905-666-1234"]
    assert rec.notes.startswith(
        'THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"'
    )
    assert "WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED" in rec.notes
    assert rec.notes.endswith("POSSIBILITY OF SUCH DAMAGE.\nFavotire Color: Blue")
    assert rec.countries == []  # the ADR has no country component
    assert rec.profile_url == ""


@pytest.mark.corpus
def test_corpus_iphone_cr_cr_lf() -> None:
    (rec,) = records_in("ezvcard_John_Doe_IPHONE.vcf")
    assert rec.line == 1
    assert rec.full_name == "Mr. John Richter James Doe Sr."
    assert rec.emails == ["john.doe@ibm.com"]
    assert rec.phones == [
        "905-555-1234",  # type=pref
        "905-666-1234",
        "905-777-1234",
        "905-888-1234",
        "905-999-1234",
        "905-111-1234",
        "905-222-1234",  # item2.TEL
    ]
    assert rec.org == "IBM"
    assert rec.countries == ["United States of America", "USA"]


@pytest.mark.corpus
def test_corpus_android_qp_names_and_line_numbers() -> None:
    recs = records_in("ezvcard_John_Doe_ANDROID.vcf")
    assert [r.line for r in recs] == [1, 6, 11, 18, 36, 71]
    first, second, third, fourth, fifth, sixth = recs
    # email-only cards are kept
    assert (first.full_name, first.emails) == ("", ["john.doe@company.com"])
    assert first.labels == ["My Contacts"]
    assert second.emails == ["jane.doe@company.com"]
    assert third.full_name == "Ñ Ñ Ñ Ñ Ñ"
    assert third.family == "Ñ Ñ Ñ Ñ"
    assert third.phones == ["123456789"]
    # QP soft breaks inside N and FN
    assert fourth.full_name == " ".join(["Ñ"] * 11)
    assert fourth.phones == ["123456", "234567", "3456789", "45678901"]
    assert fourth.notes == "Ñ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ"  # the twin NOTE is a duplicate
    assert (fifth.family, fifth.given) == ("Ñ Ñ", "Ñ Ñ Ñ")
    assert fifth.org == "Ñ" * 12
    assert fifth.emails[0] == "bob@company.com"
    assert fifth.phones == ["123456"]  # three TELs with the same number
    # a QP soft break followed by a blank line, then the next property
    assert sixth.org == "Ñ" * 44
    assert sixth.emails == ["henry@company.com"]


@pytest.mark.corpus
def test_corpus_outlook_qp_soft_break_notes() -> None:
    (rec2003,) = records_in("ezvcard_outlook-2003.vcf")
    assert rec2003.notes == "This is the note field!!\nSecond line\n\nThird line is empty"
    assert rec2003.org == "Company, The"
    assert rec2003.emails == ["jdoe@hotmail.com"]
    assert rec2003.countries == ["United States of America"]
    (rec2007,) = records_in("ezvcard_outlook-2007.vcf")
    assert rec2007.notes == (
        "This is the NOTE field\t\n"
        "I assume it encodes this text inside a NOTE vCard type.\n"
        "But I'm not sure because there's text formatting going on here.\n"
        "It does not preserve the formatting"
    )
    assert rec2007.full_name == "Mr. Michael Angstadt Jr."
    assert rec2007.emails == ["mike.angstadt@gmail.com"]
    assert rec2007.phones == [
        "(111) 555-1111",
        "(111) 555-2222",
        "(111) 555-4444",
        "(111) 555-3333",
    ]


@pytest.mark.corpus
def test_corpus_ms_outlook_photo_continuation() -> None:
    (rec,) = records_in("ezvcard_John_Doe_MS_OUTLOOK.vcf")
    assert rec.emails == ["john.doe@ibm.cm"]
    assert rec.phones == ["(905) 555-1234", "(905) 666-1234"]
    assert (rec.family, rec.given, rec.middle) == ("Doe", "John", "Richter,James")


@pytest.mark.corpus
def test_corpus_rfc6350_tel_uri() -> None:
    (rec,) = records_in("ezvcard_rfc6350-example.vcf")
    assert rec.full_name == "Simon Perreault"
    assert rec.phones == ["+1-418-656-9254;ext=102", "+1-418-262-6501"]
    assert rec.org == "Viagenie"
    assert rec.emails == ["simon.perreault@viagenie.ca"]
    assert rec.countries == ["Canada"]


@pytest.mark.corpus
def test_corpus_empty_lines() -> None:
    (rec,) = records_in("nodevcf_empty-lines.vcf")
    assert rec.full_name == "Dr. Erika Mustermann"
    assert rec.title == "Redaktion & Gestaltung"
    assert rec.phones == ["+49 221 9999123", "+49 221 1234567"]
    assert rec.emails == ["erika@mustermann.de"]
    assert rec.countries == ["Germany"]
    two = records_in("thunderbird_emptylines_vcard_addressbook.vcf")
    assert [(r.line, r.full_name, r.emails) for r in two] == [
        (3, "John Doe", ["john.doe@genericemail.invalid"]),
        (11, "Jane Doe", ["jane.doe@genericemail.invalid"]),
    ]


@pytest.mark.corpus
def test_corpus_version_near_end_and_tel_uris() -> None:
    (v21,) = records_in("nodevcf_vcard-2.1.vcf")
    assert (v21.full_name, v21.family, v21.given) == ("Forrest Gump", "Gump", "Forrest")
    assert v21.emails == ["forrestgump@example.com"]
    assert v21.phones == ["(111) 555-1212", "(404) 555-1212"]
    (v4,) = records_in("nodevcf_vcard-4.0.vcf")
    assert v4.phones == ["+11115551212", "+14045551212", "+14045551213"]
    assert v4.countries == ["United States of America"]  # after a folded quoted LABEL


@pytest.mark.corpus
def test_corpus_rfc2426_mixed_case_begin_and_pref() -> None:
    recs = records_in("ezvcard_rfc2426-example.vcf")
    assert [(r.line, r.full_name) for r in recs] == [(1, "Frank Dawson"), (13, "Tim Howes")]
    assert recs[0].emails == ["Frank_Dawson@Lotus.com", "fdawson@earthlink.net"]
    assert recs[0].org == "Lotus Development Corporation"
    assert recs[1].countries == ["U.S.A."]


@pytest.mark.corpus
def test_corpus_thunderbird_mffab_many_emails() -> None:
    (rec,) = records_in("ezvcard_thunderbird-MFFAB.vcf")
    assert rec.emails == [
        "doe.john@hotmail.com",
        "additional-email@company.com",
        "additional-email1@company.com",
        "additional-email2@company.com",
        "additional-email3@company.com",
    ]
    assert rec.labels == ["category1", "category2", "category3"]
    assert rec.org == "TheOrganization"
    assert rec.notes.endswith('You can put anything in the "note" field; even curse words.')


@pytest.mark.corpus
def test_corpus_mac_lotus_and_fullcontact() -> None:
    (mac,) = records_in("ezvcard_John_Doe_MAC_ADDRESS_BOOK.vcf")
    assert mac.phones[0] == "905-777-1234"  # the type=pref one comes first
    assert mac.full_name == "Mr. John Richter,James Doe Sr."
    (lotus,) = records_in("ezvcard_John_Doe_LOTUS_NOTES.vcf")
    assert lotus.emails == ["john.doe@ibm.com", "billy_bob@gmail.com"]
    assert lotus.org == "IBM"
    (full,) = records_in("ezvcard_fullcontact.vcf")
    assert full.org == "Organization1"
    assert full.title == "Title1"
    assert full.countries == ["HomeCountry", "WorkCountry", "OtherCountry", "CustomCountry"]
    assert full.notes == "Notes line 1\nNotes line 2"
    assert full.labels == ["Tag"]
    assert len(full.emails) == 5 and len(full.phones) == 9


@pytest.mark.corpus
def test_corpus_misc_files() -> None:
    (evo,) = records_in("ezvcard_John_Doe_EVOLUTION.vcf")
    assert evo.emails == ["john.doe@ibm.com"]  # folded inside the address
    assert evo.phones == ["905-666-1234", "905-555-1234"]
    assert evo.countries == ["United States of America"]
    (issue,) = records_in("ezvcard_issue114.vcf")
    assert issue.full_name == "Dummy, Dummy"
    assert issue.phones == ["+49 1234 56789", "+49 9876 54321"]
    assert issue.countries == ["Germany"]
    (dos,) = records_in("thunderbird_dos_vcard_addressbook.vcf")
    assert (dos.full_name, dos.emails) == ("Name Surname", ["example@gmail.com"])
    export = records_in("thunderbird_export.vcf")
    assert [(r.line, r.emails) for r in export] == [
        (1, ["contact1@invalid"]),
        (8, ["contact2@invalid"]),
    ]
    assert export[1].notes == "here's some unicode text…"
    (xing,) = records_in("nodevcf_xing.vcf")
    assert xing.notes.startswith("17.02.2016, 19:18 - XING")
    assert xing.labels == ["Consulting"]
    assert parse_file("nodevcf_photo-base64.vcf") == [
        Problem(1, "card has no name, email or phone")
    ]


# --------------------------------------------------------------------------- structure


def test_many_cards_and_line_numbers() -> None:
    text = (
        "\r\n"
        + card("FN:Ann", "EMAIL:ann@example.com")
        + "junk between cards\r\n"
        + card("FN:Bob")
        + card("FN:Cid")
    )
    recs = records_of(text)
    assert [(r.line, r.full_name) for r in recs] == [(2, "Ann"), (8, "Bob"), (12, "Cid")]


def test_begin_in_any_case_and_names_in_any_case() -> None:
    text = "begin:vCard\nversion:3.0\nfn:Ann\nitem1.email;type=pref:a@x.org\nEnd:VCard\n"
    rec = one(text)
    assert (rec.full_name, rec.emails) == ("Ann", ["a@x.org"])


def test_broken_card_in_the_middle_is_reported_and_neighbours_kept() -> None:
    text = (
        card("FN:Ann")  # lines 1-4
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\n"  # lines 5-7, no END
        + card("FN:Cid")  # lines 8-11
    )
    # Cid's card reads as one inside Broken's, which never ends.
    assert items_of(text) == [
        RawRecord(line=1, full_name="Ann"),
        RawRecord(line=8, full_name="Cid"),
        Problem(5, "card has no END:VCARD"),
    ]


def test_unterminated_last_card() -> None:
    text = card("FN:Ann") + "BEGIN:VCARD\nFN:Bob\n"
    items = items_of(text)
    assert items[0] == RawRecord(line=1, full_name="Ann")
    assert items[1] == Problem(5, "card has no END:VCARD")


def test_only_an_unterminated_card_is_a_problem_not_a_format_error() -> None:
    assert items_of("BEGIN:VCARD\nFN:Ann\n") == [Problem(1, "card has no END:VCARD")]


def test_card_without_name_email_or_phone() -> None:
    text = card("NOTE:just a note", "URL:http://x.org") + card("FN:Ann")
    assert items_of(text) == [
        Problem(1, "card has no name, email or phone"),
        RawRecord(line=6, full_name="Ann"),
    ]


def test_org_only_and_n_only_cards_are_records() -> None:
    assert one(card("ORG:Acme")).org == "Acme"
    rec = one(card("N:Doe;Jane"))
    assert (rec.full_name, rec.family, rec.given, rec.middle) == ("", "Doe", "Jane", "")


@pytest.mark.parametrize("text", ["", "\n\n", "FN:Ann\nEMAIL:a@x.org\n", "END:VCARD\n"])
def test_no_card_at_all_is_a_format_error(text: str) -> None:
    with pytest.raises(FormatError, match="no BEGIN:VCARD found"):
        items_of(text)


def test_mapping_is_ignored_and_plain_lines_work() -> None:
    lines = ["BEGIN:VCARD", "FN:Ann", "END:VCARD"]  # no line endings at all
    assert list(parse(lines, mapping={"FN": "x"})) == [RawRecord(line=1, full_name="Ann")]


def test_byte_order_mark_before_begin() -> None:
    assert one("\ufeffBEGIN:VCARD\r\nFN:Ann\r\nEND:VCARD\r\n").full_name == "Ann"


def test_unterminated_outer_card_around_a_nested_one() -> None:
    text = "BEGIN:VCARD\nFN:Outer\nBEGIN:VCARD\nFN:Inner\nEND:VCARD\n"
    assert items_of(text) == [
        RawRecord(line=3, full_name="Inner"),
        Problem(1, "card has no END:VCARD"),
    ]


# --------------------------------------------------------------------------- line endings


def test_cr_cr_lf_counts_each_item_as_a_line() -> None:
    text = card("FN:Ann", "EMAIL:a@x.org", nl="\r\r\n") + card("FN:Bob", nl="\r\r\n")
    recs = records_of(text)
    # each card is 5 physical items + 5 blank ones = 10 lines
    assert [(r.line, r.full_name) for r in recs] == [(1, "Ann"), (11, "Bob")]
    assert recs[0].emails == ["a@x.org"]


def test_cr_cr_lf_with_folds_and_photo() -> None:
    text = (
        "BEGIN:VCARD\r\r\nVERSION:3.0\r\r\nFN:Ann Long\r\r\n ername\r\r\n"
        "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\r\r\n AAgAA\r\r\n AAAA==\r\r\n"
        "EMAIL:a@x.org\r\r\nEND:VCARD\r\r\n"
    )
    rec = one(text)
    assert (rec.full_name, rec.emails) == ("Ann Longername", ["a@x.org"])


def test_mixed_line_endings_and_bare_cr() -> None:
    text = "BEGIN:VCARD\nVERSION:3.0\r\nFN:Ann\rEMAIL:a@x.org\r\nTEL:1\nEND:VCARD\r"
    rec = one(text)
    assert (rec.full_name, rec.emails, rec.phones) == ("Ann", ["a@x.org"], ["1"])


def test_bare_cr_inside_a_value_keeps_the_rest() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ann\r\nNOTE:custom\r3\r\nX-CUSTOM3:a\r4\r\nEND:VCARD\r\n"
    )
    assert one(text).notes == "custom\n3"


def test_blank_lines_inside_and_between_cards() -> None:
    text = "\n\nBEGIN:VCARD\n\nVERSION:3.0\n\nFN:Ann\n\n\nEMAIL:a@x.org\n\nEND:VCARD\n\n\n" + card(
        "FN:Bob"
    )
    recs = records_of(text)
    assert [(r.line, r.full_name) for r in recs] == [(3, "Ann"), (15, "Bob")]
    assert recs[0].emails == ["a@x.org"]


# --------------------------------------------------------------------------- folding


def test_folding_with_space_and_tab() -> None:
    rec = one(card("FN:Jo", " hn Smi", "\tth", "EMAIL:jo", " hn@exam", " ple.com", "NOTE:a ", " b"))
    assert rec.full_name == "John Smith"
    assert rec.emails == ["john@example.com"]
    assert rec.notes == "a b"


def test_fold_inside_the_parameters() -> None:
    rec = one(
        card('ADR;TYPE=work;LABEL="1 Main St\\nTown, S', ' tate":;;1 Main St;Town;;1;Chile', "FN:A")
    )
    assert rec.countries == ["Chile"]


def test_value_starting_on_the_continuation_line() -> None:
    rec = one(card("EMAIL;TYPE=INTERNET:", " ann@example.com", "FN:Ann"))
    assert rec.emails == ["ann@example.com"]


# --------------------------------------------------------------------------- QP and charsets


def test_quoted_printable_with_soft_breaks_and_charset() -> None:
    text = card(
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91o=C3=B1o;Jos=C3=A9;;;",
        "FN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Jos=E9 =",
        "=D1o=F1o",
        "NOTE;QUOTED-PRINTABLE:line one=0D=0Aline=",
        " two",
        version="2.1",
    )
    rec = one(text)
    assert (rec.family, rec.given) == ("Ñoño", "José")
    assert rec.full_name == "José Ñoño"
    assert rec.notes == "line one\nline two"  # a soft-broken line may start with a space


def test_quoted_printable_charset_fallbacks() -> None:
    # no charset: UTF-8 when it decodes, else Latin-1
    assert one(card("FN;ENCODING=QUOTED-PRINTABLE:Andr=C3=A9", version="2.1")).full_name == "André"
    assert one(card("FN;ENCODING=QUOTED-PRINTABLE:Andr=E9", version="2.1")).full_name == "André"
    # unknown charset: UTF-8 with replacement characters
    rec = one(card("FN;CHARSET=x-klingon;ENCODING=QUOTED-PRINTABLE:Andr=E9=C3=A9", version="2.1"))
    assert rec.full_name == "Andr\ufffdé"
    # lowercase names and params
    assert one(card("fn;encoding=quoted-printable:A=3DB", version="2.1")).full_name == "A=B"


def test_qp_soft_break_then_blank_line_then_property() -> None:
    text = card(
        "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91=",
        "=C3=91=",
        "",
        "TEL;CELL:123",
        version="2.1",
    )
    rec = one(text)
    assert (rec.org, rec.phones) == ("ÑÑ", ["123"])


def test_qp_soft_break_with_cr_cr_lf() -> None:
    text = card(
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Jo=", "=C3=AB", version="2.1", nl="\r\r\n"
    )
    assert one(text).full_name == "Joë"


def test_qp_soft_break_before_end_still_ends_the_card() -> None:
    text = "BEGIN:VCARD\nVERSION:2.1\nFN;QUOTED-PRINTABLE:Ann=\nEND:VCARD\n" + card("FN:Bob")
    assert [r.full_name for r in records_of(text)] == ["Ann", "Bob"]


def test_base64_encoded_text_value() -> None:
    rec = one(card("FN;CHARSET=UTF-8;ENCODING=b:Sm9zw6k=", version="3.0"))
    assert rec.full_name == "José"


def test_charset_on_plain_value_is_ignored() -> None:
    rec = one(card("FN;CHARSET=ISO-8859-1:Hans-Peter Müller", version="2.1"))
    assert rec.full_name == "Hans-Peter Müller"


# --------------------------------------------------------------------------- versions and escapes


def test_escapes_in_3_0() -> None:
    rec = one(
        card(
            "FN:Doe\\, Jane \\; \\\\ x",
            "N:Doe\\;Smith;Jane;;;",
            "ORG:Acme\\, Inc.;Sales",
            "NOTE:one\\ntwo\\Nthree",
            "TITLE:Boss\\:Big",
        )
    )
    assert rec.full_name == "Doe, Jane ; \\ x"
    assert (rec.family, rec.given) == ("Doe;Smith", "Jane")
    assert rec.org == "Acme, Inc."
    assert rec.notes == "one\ntwo\nthree"
    assert rec.title == "Boss:Big"


def test_unescaped_commas_are_text() -> None:
    rec = one(card("FN:Mr. John Richter, James Doe Sr.", "ORG:Company, The;Dept", "TITLE:A, B"))
    assert rec.full_name == "Mr. John Richter, James Doe Sr."
    assert rec.org == "Company, The"
    assert rec.title == "A, B"


def test_backslash_n_is_not_an_escape_in_2_1_even_with_version_last() -> None:
    text = "BEGIN:VCARD\nFN:C:\\new\nNOTE:a\\nb\nN:Doe\\;Jr;Jim\nVERSION:2.1\nEND:VCARD\n"
    rec = one(text)
    assert rec.full_name == "C:\\new"
    assert rec.notes == "a\\nb"
    assert (rec.family, rec.given) == ("Doe;Jr", "Jim")


def test_version_anywhere_in_3_0_card() -> None:
    text = "BEGIN:VCARD\nNOTE:a\\nb\nFN:Ann\nVERSION:3.0\nEND:VCARD\n"
    assert one(text).notes == "a\nb"


def test_n_with_fewer_components() -> None:
    assert (one(card("N:Doe")).family, one(card("N:Doe")).given) == ("Doe", "")
    rec = one(card("N;CHARSET=UTF-8:Doe;John"))
    assert (rec.family, rec.given, rec.middle) == ("Doe", "John", "")
    rec = one(card("N:Doe;John;Paul;Dr.;Jr.;extra"))
    assert (rec.family, rec.given, rec.middle) == ("Doe", "John", "Paul")


# --------------------------------------------------------------------------- params


def test_group_prefix_is_stripped() -> None:
    rec = one(card("item1.EMAIL;type=INTERNET:a@x.org", "item1.X-ABLabel:Work", "item2.TEL:1"))
    assert (rec.emails, rec.phones) == (["a@x.org"], ["1"])


def test_preferred_values_first() -> None:
    rec = one(
        card(
            "EMAIL:plain@x.org",
            "EMAIL;TYPE=INTERNET,PREF:typelist@x.org",
            "TEL:1",
            "TEL;type=CELL;type=pref:2",
        )
    )
    assert rec.emails == ["typelist@x.org", "plain@x.org"]
    assert rec.phones == ["2", "1"]
    bare = one(
        card("TEL;HOME:1", "TEL;CELL;PREF:2", "EMAIL;INTERNET:a@x", "EMAIL;PREF:b@x", version="2.1")
    )
    assert (bare.phones, bare.emails) == (["2", "1"], ["b@x", "a@x"])
    v4 = one(
        card(
            "EMAIL:none@x",
            "EMAIL;PREF=2:two@x",
            "EMAIL;PREF=1:one@x",
            'TEL;TYPE="work,voice";PREF=1:1',
            "TEL:2",
            version="4.0",
        )
    )
    assert v4.emails == ["one@x", "two@x", "none@x"]
    assert v4.phones == ["1", "2"]


def test_quoted_param_values_with_colon_and_semicolon() -> None:
    rec = one(
        card(
            'EMAIL;X-UUID="a:b;c";TYPE=WORK:ann@x.org',
            'TEL;LABEL="call: 9-5; weekdays":+1 555',
            'FN;X-A="q":Ann',
        )
    )
    assert (rec.emails, rec.phones, rec.full_name) == (["ann@x.org"], ["+1 555"], "Ann")


def test_tel_uri_and_mailto() -> None:
    rec = one(
        card(
            "TEL;VALUE=uri:tel:+1-555-555-5555",
            "TEL;VALUE=uri;TYPE=cell:TEL:+1-555-555-0000",
            "EMAIL:mailto:ann@x.org",
            "EMAIL:MAILTO:bob@x.org",
            version="4.0",
        )
    )
    assert rec.phones == ["+1-555-555-5555", "+1-555-555-0000"]
    assert rec.emails == ["ann@x.org", "bob@x.org"]


def test_fcencoded_and_unknown_properties_are_ignored() -> None:
    rec = one(
        card(
            "X-FCENCODED-582D46432D52656C617465644E616D65733A4D6F74686572:Mother",
            "X-FCENCODED-582D46432D4F7468657244617465733A4F74686572:2016-08-03",
            "PROFILE:VCARD",
            "NAME:VCard for John Doe",
            "MAILER:Mozilla Thunderbird",
            "X-EMAIL:not@this.one",
            "FN:Ann",
        )
    )
    assert rec == RawRecord(line=1, full_name="Ann")


# --------------------------------------------------------------------------- binary blobs


def test_photo_base64_folded_is_skipped() -> None:
    rec = one(
        card(
            "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/4QBYRXhpZgAATU0AKgAA",
            " AAgAAgESAAMAAAABAAEAAIdpAAQAAAABAAAAJgAAAAAAA6ABAAMAAAABAAEAAKACAAQAAAABAA",
            " 9T9mwR4XxpqYOf+gBff/Gq/BGil7KIe1Z//9k=",
            "FN:Ann",
        )
    )
    assert rec == RawRecord(line=1, full_name="Ann")


def test_photo_2_1_unfolded_until_blank_line() -> None:
    text = card(
        "FN:Ann",
        "PHOTO;ENCODING=BASE64;TYPE=JPEG:",
        "/9j/4AAQSkZJRgABAQEAYABgAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQY",
        "GBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYa",
        "KCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAAR==",
        "",
        "KEY;X509;ENCODING=BASE64:",
        "    MIIDITCCAoqgAwIBAgIQT52W2WawmStUwpV8tBV9TTANBgkqhkiG9w0BAQUFADBMMQswCQYD",
        "    92ZzKbeVCq3Yi7LeIOkKcGQRCMha8X2e7GmlpdWC1ycenlbN0nbVeSv3JUMcafC4+Q==",
        "",
        "EMAIL;PREF;INTERNET:ann@x.org",
        version="2.1",
    )
    rec = one(text)
    assert (rec.full_name, rec.emails, rec.notes) == ("Ann", ["ann@x.org"], "")


def test_photo_data_uri_and_wrong_base64_encoding_skipped() -> None:
    rec = one(
        card(
            "PHOTO:data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAIAAAACACAYAAADDPmHLAAA",
            " q0klEQVR42u2dB1RU57r3XXd965R859yP9d17Ts45SRTpvTOFOgiKDcUWY4kSe4kGu7EgNoogg",
            "LOGO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQAAAQ",
            " CAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAs",
            "SOUND;VALUE=uri:http://x.org/a.wav",
            "TEL:5",
            version="4.0",
        )
    )
    assert rec == RawRecord(line=1, phones=["5"])


# --------------------------------------------------------------------------- mapping


def test_field_mapping() -> None:
    rec = one(
        card(
            "FN: Jane  Doe ",
            "N:Doe;Jane;Q.;Dr.;PhD",
            "ORG:Acme;R&D",
            "ORG:Second Org",
            "TITLE:CTO",
            "TITLE:Ignored",
            "NOTE:first",
            "NOTE:second",
            "NOTE:first",
            "CATEGORIES:Friends,Work, VIP ,,Work",
            "CATEGORIES:Golf",
            "ADR;TYPE=HOME:;;1 Main St;Town;;123;Canada",
            "ADR;TYPE=WORK:;;2 Side St;City;;456;Canada",
            "ADR:;;short",
            "ADR:;;x;y;z;1;France",
            "URL:http://example.com",
            "URL;TYPE=work:https\\://www.linkedin.com/in/jane-doe",
            "URL:https://linkedin.com/in/other",
            "EMAIL: a@x.org ",
            "EMAIL:A@X.org",
            "EMAIL:",
            "TEL:",
            "TEL:+1 555",
            "TEL:+1 555",
        )
    )
    assert rec == RawRecord(
        line=1,
        kind="contact",
        full_name="Jane  Doe",
        given="Jane",
        middle="Q.",
        family="Doe",
        org="Acme",
        title="CTO",
        emails=["a@x.org"],
        phones=["+1 555"],
        notes="first\nsecond",
        labels=["Friends", "Work", "VIP", "Golf"],
        countries=["Canada", "France"],
        profile_url="https://www.linkedin.com/in/jane-doe",
        website="http://example.com",
        city="Town",
    )


def test_empty_first_values_do_not_hide_later_ones() -> None:
    rec = one(card("FN:", "FN:Ann", "ORG:;Dept", "ORG:Acme", "TITLE: ", "TITLE:Boss"))
    assert (rec.full_name, rec.org, rec.title) == ("Ann", "Acme", "Boss")


# --------------------------------------------------------------------------- never crash

ALLOWED = (RawRecord, Problem)


def check_never_raises(text: str) -> None:
    try:
        items = items_of(text)
    except FormatError:
        return
    for item in items:
        assert isinstance(item, ALLOWED)
        if isinstance(item, RawRecord):
            assert item.line >= 1
            assert all(isinstance(v, str) for v in item.emails + item.phones + item.labels)


VCARD_ALPHABET = st.sampled_from(
    [
        "BEGIN:VCARD",
        "END:VCARD",
        "VERSION:2.1",
        "VERSION:3.0",
        "FN:",
        "N:",
        "EMAIL;PREF:",
        "TEL;VALUE=uri:tel:",
        "ORG:",
        "ADR:;;;;;;",
        "CATEGORIES:",
        "URL:",
        "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=",
        "PHOTO;ENCODING=b:",
        ";PREF=",
        ';TYPE="',
        "=",
        "=C3",
        "\\",
        ":",
        ";",
        ",",
        '"',
        "\r",
        "\n",
        "\r\n",
        " ",
        "\t",
        "utf-8",
        "x-bad",
        "\x00",
        "\ud800",
        "Ñ",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    check_never_raises(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(VCARD_ALPHABET, st.text(max_size=5)), max_size=60))
def test_vcard_like_garbage_never_raises(parts: list[str]) -> None:
    check_never_raises("".join(parts))


CORPUS_TEXTS = (
    [p.read_text(encoding="utf-8") for p in sorted(VCARD_DIR.glob("*.vcf"))]
    if VCARD_DIR.is_dir()
    else []
)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS_TEXTS, reason=NO_CORPUS)
@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_corpus_never_raises(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(CORPUS_TEXTS))
    for _ in range(data.draw(st.integers(1, 6))):
        size = len(text)
        start = data.draw(st.integers(0, size))
        end = data.draw(st.integers(start, min(size, start + 200)))
        action = data.draw(st.sampled_from(["delete", "insert", "duplicate", "replace"]))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        else:
            junk = data.draw(st.one_of(VCARD_ALPHABET, st.text(max_size=10)))
            tail = text[end:] if action == "replace" else text[start:]
            text = text[:start] + junk + tail
    check_never_raises(text)


# --------------------------------------------------------------------------- timing (not a test)


def _timing(count: int = 10_000) -> None:
    """Print cards/s for typical small cards: python tests/test_vcard.py"""
    text = "".join(
        card(
            f"FN:Person Number{i}",
            f"N:Number{i};Person;;;",
            f"EMAIL;TYPE=INTERNET;TYPE=pref:person{i}@example.com",
            f"EMAIL;TYPE=INTERNET:p{i}@work.example.org",
            f"TEL;TYPE=CELL:+1 555 {i:07d}",
            f"TEL;TYPE=WORK,VOICE:+1 555 000{i % 10}",
            f"ORG:Company {i % 97}\\, Inc.;Dept",
            "TITLE:Engineer",
        )
        for i in range(count)
    )
    lines = io.StringIO(text, newline="").readlines()
    best = min(_time_once(lines) for _ in range(5))
    print(f"{count} cards in {best * 1000:.0f} ms: {count / best:,.0f} cards/s")


def _time_once(lines: list[str]) -> float:
    start = time.perf_counter()
    for _ in parse(lines):
        pass
    return time.perf_counter() - start


if __name__ == "__main__":
    _timing()


# --------------------------------------------------------------------------- cards in cards


def test_nested_cards_keep_the_outer_person() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:2.1\nN:parent\n"
        "BEGIN:VCARD\nVERSION:2.1\nN:nest1\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:2.1\nEND:VCARD\n"  # nobody in it: no person, no problem
        "TEL:1\nEND:VCARD\n"
    )
    items = items_of(text)
    assert all(isinstance(item, RawRecord) for item in items), items
    assert [(r.line, r.family, r.phones) for r in records_of(text)] == [
        (4, "nest1", []),
        (1, "parent", ["1"]),
    ]


def test_agent_21_with_embedded_card() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Has Agent\r\nAGENT:\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Friday;Fred\r\nTEL;WORK;VOICE:+1-213-555-1234\r\n"
        "END:VCARD\r\nEMAIL:boss@example.com\r\nEND:VCARD\r\n"
    )
    fred, boss = records_of(text)
    assert (fred.line, fred.given, fred.family, fred.phones) == (
        5,
        "Fred",
        "Friday",
        ["+1-213-555-1234"],
    )
    assert (boss.line, boss.full_name, boss.emails) == (1, "Has Agent", ["boss@example.com"])


def test_agent_21_begin_on_the_agent_line() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:2.1\nFN:Boss\nAGENT:BEGIN:VCARD\n"
        "FN:Aide\nEND:VCARD\nTEL:5\nEND:VCARD\n"
    )
    assert [(r.full_name, r.phones) for r in records_of(text)] == [("Aide", []), ("Boss", ["5"])]


def test_agent_30_escaped_card_and_uri() -> None:
    text = card(
        "FN:Boss",
        "AGENT:BEGIN:VCARD\\nFN:Susan Thomas\\nTEL:+1-919-555-\r\n 1234\\nEMAIL\\;INTERNET:",
        " sthomas@host.com\\nEND:VCARD\\n",
        "EMAIL:boss@example.com",
    ) + card("FN:Cid", "AGENT;VALUE=uri:CID:JQPUBLIC.part3.960129T083020.xyzMail@host3.com")
    boss, susan, cid = records_of(text)
    assert (boss.full_name, boss.emails) == ("Boss", ["boss@example.com"])
    assert (susan.line, susan.full_name, susan.phones, susan.emails) == (
        4,
        "Susan Thomas",
        ["+1-919-555-1234"],
        ["sthomas@host.com"],
    )
    assert cid.full_name == "Cid"


def test_agent_with_plain_text_adds_nobody() -> None:
    assert [r.full_name for r in records_of(card("FN:Ann", "AGENT:my assistant"))] == ["Ann"]


# --------------------------------------------------------------------------- raw bytes and CHARSET


def raw_items(data: bytes, charset: str) -> list[RawRecord | Problem]:
    """Parse bytes the way a legacy-code-page file is read: one char per byte."""
    return list(parse(io.StringIO(data.decode("latin-1"), newline=""), charset=charset))


def test_shift_jis_trail_byte_0x5c_stays_in_the_name() -> None:
    # 能 is 0x94 0x5C and 予 0x97 0x5C in Shift_JIS: the 0x5C is not an escape.
    n = "伊能;圭一;伊予;;".encode("shift_jis")
    assert b"\x94\x5c;" in n
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:" + n + b"\r\n"
        b"FN;CHARSET=SHIFT_JIS:" + "伊能 圭一 伊予".encode("shift_jis") + b"\r\nEND:VCARD\r\n"
    )
    (rec,) = raw_items(data, "cp1252")
    assert isinstance(rec, RawRecord)
    assert (rec.family, rec.given, rec.middle, rec.full_name) == (
        "伊能",
        "圭一",
        "伊予",
        "伊能 圭一 伊予",
    )


def test_declared_windows_1251_and_undeclared_bytes_in_the_files_code_page() -> None:
    data = (
        b"BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=WINDOWS-1251:"
        + "Віталій Кличко".encode("cp1251")
        + b"\nORG:"
        + "Київ".encode("cp1251")
        + b"\nEND:VCARD\n"
    )
    (rec,) = raw_items(data, "cp1251")
    assert isinstance(rec, RawRecord)
    assert (rec.full_name, rec.org) == ("Віталій Кличко", "Київ")
    (latin,) = raw_items(data, "cp1252")  # the declaration still wins for FN
    assert isinstance(latin, RawRecord)
    assert latin.full_name == "Віталій Кличко"


def test_quoted_printable_with_charset_in_raw_lines() -> None:
    qp = "".join(f"={b:02X}" for b in "安藤".encode("shift_jis"))
    data = (
        b"BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:"
        + qp.encode()
        + b";=\nRoid\nFN;CHARSET=UTF-8;QUOTED-PRINTABLE:Jos=C3=A9\nEND:VCARD\n"
    )
    (rec,) = raw_items(data, "cp932")
    assert isinstance(rec, RawRecord)
    assert (rec.family, rec.given, rec.full_name) == ("安藤", "Roid", "José")


def test_raw_utf8_value_in_a_legacy_file_is_read_as_utf8() -> None:
    data = "BEGIN:VCARD\nFN:Zoë Ünal\nEND:VCARD\n".encode() + (
        b"BEGIN:VCARD\nFN:Ren\xe9\nEND:VCARD\n"
    )
    assert [r.full_name for r in raw_items(data, "cp1252") if isinstance(r, RawRecord)] == [
        "Zoë Ünal",
        "René",
    ]


def test_unknown_charset_falls_back_to_the_files_code_page() -> None:
    data = b"BEGIN:VCARD\nFN;CHARSET=x-klingon:Ren\xe9\nEND:VCARD\n"
    (rec,) = raw_items(data, "cp1252")
    assert isinstance(rec, RawRecord)
    assert rec.full_name == "René"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["cp1252", "shift_jis", "cp1251", "gb18030"]))
def test_raw_bytes_never_raise(body: bytes, charset: str) -> None:
    data = b"BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=" + charset.encode() + b":" + body + b"\n"
    data += b"AGENT:BEGIN:VCARD\\nFN:" + body + b"\nEND:VCARD\n"
    items = raw_items(data, charset)
    assert all(isinstance(item, (RawRecord, Problem)) for item in items)


def test_url_and_address_give_profile_website_and_city() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\n"
        "URL:https://ada.example.org\r\n"
        "URL:https://www.linkedin.com/in/ada\r\n"
        "URL:https://second.example.org\r\n"
        "ADR;TYPE=HOME:;;1 Road;;;;\r\n"
        "ADR;TYPE=WORK:;;12 St James's Square;London;;SW1Y 4JH;United Kingdom\r\n"
        "END:VCARD\r\n"
    )
    (rec,) = list(parse(io.StringIO(text, newline="")))
    assert isinstance(rec, RawRecord)
    assert rec.profile_url == "https://www.linkedin.com/in/ada"
    assert rec.website == "https://ada.example.org"
    assert rec.city == "London"
    assert rec.countries == ["United Kingdom"]
