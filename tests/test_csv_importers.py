"""CSV importers and the registry: Google, Outlook, LinkedIn, generic CSV/TSV."""

from __future__ import annotations

import csv
import io
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.ingest.formats import (
    FORMATS,
    FormatError,
    OpenedFile,
    generic,
    google,
    linkedin,
    open_file,
    outlook,
    parse_mapping,
    sniff_format,
)
from triage.ingest.formats.tabular import NO_DATA, parse_date, sniff_delimiter
from triage.model import Problem, RawRecord

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "public"
CSV_CORPUS_DIRS = ("google_csv", "linkedin", "thunderbird_csv")


def corpus_file(relative: str) -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/public not present (only in the development workspace)")
    return CORPUS / relative


def load(path: Path, **kwargs: Any) -> tuple[OpenedFile, list[RawRecord], list[Problem]]:
    opened = open_file(path, **kwargs)
    items = list(opened.items)
    records = [i for i in items if isinstance(i, RawRecord)]
    problems = [i for i in items if isinstance(i, Problem)]
    assert len(records) + len(problems) == len(items)
    return opened, records, problems


def fixture(name: str, **kwargs: Any) -> tuple[OpenedFile, list[RawRecord], list[Problem]]:
    return load(FIXTURES / name, **kwargs)


# --- the public corpus ------------------------------------------------------


@pytest.mark.corpus
def test_every_corpus_csv_imports() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/public not present (only in the development workspace)")
    files = [p for d in CSV_CORPUS_DIRS for p in sorted((CORPUS / d).iterdir())]
    assert len(files) == 8
    for path in files:
        opened, records, _ = load(path)
        assert opened.format in FORMATS
        assert records, path.name


@pytest.mark.corpus
def test_corpus_google_old_2021() -> None:
    opened, records, problems = load(corpus_file("google_csv/google_old_format_2021.csv"))
    assert (opened.format, opened.encoding, problems) == ("google", "utf-8", [])
    john, max_ = records
    assert (john.line, john.full_name, john.given, john.family) == (2, "John Doe", "John", "Doe")
    assert john.emails == ["Doe@gmail.com"]
    assert john.phones == ["01701234567", "03012345678"]
    assert john.labels == ["Mittelschule", "JGA Blake"]  # "* friends", "* myContacts" dropped
    assert john.countries == ["DE"]
    assert max_.line == 4  # John's quoted address spans lines 2-3
    assert (max_.full_name, max_.emails, max_.phones) == (
        "Max Mustermann",
        ["Mustermann@gmail.com"],
        ["+49 171 1234567"],
    )
    assert max_.labels == ["Nachbar"]
    assert max_.countries == []


@pytest.mark.corpus
def test_corpus_google_new_2024() -> None:
    opened, records, problems = load(corpus_file("google_csv/google_new_format_2024.csv"))
    assert (opened.format, opened.encoding, problems) == ("google", "utf-8", [])
    assert [(r.line, r.given, r.middle, r.family) for r in records] == [
        (2, "John", "", "Doe"),
        (3, "Max", "Amadeus", "Mustermann"),
    ]
    assert all(r.emails == [] and r.full_name == "" for r in records)


@pytest.mark.corpus
def test_corpus_linkedin_connections() -> None:
    opened, records, problems = load(corpus_file("linkedin/kawsay_Connections.csv"))
    assert (opened.format, opened.encoding, problems) == ("linkedin", "utf-8-sig", [])
    jose, aesop = records
    assert (jose.line, jose.given, jose.family, jose.org) == (5, "José", "García", "Acme, Inc.")
    assert jose.emails == []
    assert jose.connected_on == "2024-01-15"
    assert jose.profile_url == "https://www.linkedin.com/in/josegarcia"
    assert (aesop.given, aesop.emails, aesop.title) == (
        "Æsop",
        ["aesop@example.com"],
        "Director, Operations",
    )
    assert aesop.connected_on == "2024-02-03"


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "encoding", "expected"),
    [
        (
            "thunderbird_csv_semicolon.csv",
            "utf-8",
            [(2, "John Doe", ["john@doe.invalid"]), (3, "Jane Doe", ["jane@doe.invalid"])],
        ),
        (
            "thunderbird_export.csv",
            "utf-8",
            [
                (2, "contact number one", ["contact1@invalid"]),
                (3, "contact number two", ["contact2@invalid"]),
            ],
        ),
        ("thunderbird_quote.csv", "utf-8", [(2, "Acer America", [])]),
        (
            "thunderbird_utf16_addressbook.csv",
            "utf-16-le",
            [(2, "John Doe", ["johndoe@host.invalid"])],
        ),
    ],
)
def test_corpus_thunderbird(
    name: str, encoding: str, expected: list[tuple[int, str, list[str]]]
) -> None:
    opened, records, problems = load(corpus_file(f"thunderbird_csv/{name}"))
    assert (opened.format, opened.encoding, problems) == ("csv", encoding, [])
    assert [(r.line, r.full_name, r.emails) for r in records] == expected


@pytest.mark.corpus
def test_corpus_thunderbird_details() -> None:
    _, (one, two), _ = load(corpus_file("thunderbird_csv/thunderbird_export.csv"))
    assert (one.given, one.family) == ("contact", "one")
    assert two.title == '"worker"'
    assert two.notes == "here's some unicode text…"
    _, (acer,), _ = load(corpus_file("thunderbird_csv/thunderbird_quote.csv"))
    assert (acer.org, acer.phones) == ("Acer America", ["(800) 000-0000"])


@pytest.mark.corpus
def test_corpus_shift_jis_is_detected() -> None:
    opened, records, problems = load(
        corpus_file("thunderbird_csv/thunderbird_shiftjis_addressbook.csv")
    )
    assert (opened.format, opened.encoding, problems) == ("csv", "cp932", [])
    (record,) = records
    assert (record.line, record.full_name) == (2, "名無しの権兵衛")


# --- Google -----------------------------------------------------------------


def test_google_old_layout_multi_values_and_primaries() -> None:
    opened, records, problems = fixture("google_old_multi.csv")
    assert opened.format == "google"
    alice, bob, carol, initech = records
    assert alice.line == 2
    assert alice.emails == [
        "alice@home.example",  # "* Home" is the primary
        "alice@work.example",
        "a1@old.example",
        "a2@old.example",
        "alice5@example.org",
        "alice6@example.org",
        "alice7@example.org",  # groups go as high as the header has them
    ]
    assert alice.phones == ["+1 555 0199", "+1 555 0100", "555-0101"]
    assert alice.labels == ["Friends", "Climbing"]
    assert alice.countries == ["US", "Canada"]
    assert (alice.org, alice.title, alice.notes) == ("Acme Corp", "CTO", "Met at PyCon")
    # blank line 4 and the all-empty row 5 are skipped silently
    assert problems == [Problem(6, NO_DATA)]
    assert (bob.line, bob.emails, bob.labels) == (7, ["bob@example.com"], [])
    assert bob.notes == "line one\nline two\nline three"
    assert (carol.line, carol.full_name) == (10, "Carol Lee")  # short row still read
    assert (initech.line, initech.org, initech.full_name) == (11, "Initech", "")


def test_google_2024_layout() -> None:
    opened, records, problems = fixture("google_2024_multi.csv")
    assert opened.format == "google"
    dana, fox = records
    assert (dana.given, dana.middle, dana.family, dana.org, dana.title) == (
        "Dana",
        "Q",
        "Scully",
        "FBI",
        "Agent",
    )
    assert dana.emails == [
        "dana@home.example",
        "dana@fbi.example",
        "dana.scully@home.example",
        "d3@example.org",
        "d4@example.org",
        "d5@example.org",
        "d6@example.org",
    ]
    assert dana.phones == ["+1 202 555 0100", "+1 202 555 0143", "+1 202 555 0144"]
    assert dana.labels == ["Work", "X-Files"]
    assert dana.countries == ["United States"]
    assert fox.emails == ["fox@fbi.example"]  # the same address twice is kept once
    assert problems == [Problem(4, NO_DATA)]


def test_google_parser_takes_plain_lines() -> None:
    lines = [
        "Name,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value\n",
        "Ann,Work,ann@work.example,* Home,ann@home.example\n",
    ]
    (record,) = list(google.parse(lines))
    assert isinstance(record, RawRecord)
    assert record.emails == ["ann@home.example", "ann@work.example"]


def test_google_mapping_adds_columns() -> None:
    _, records, _ = fixture(
        "google_2024_multi.csv", mapping={"tags": "Nickname", "notes": "File As"}
    )
    assert records[0].labels == ["Work", "X-Files"]


def test_google_header_is_required_when_forced(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Email,Name\na@example.com,A\n")
    with pytest.raises(FormatError, match="no Google Contacts header found"):
        open_file(path, format="google")


# --- Outlook ----------------------------------------------------------------


def test_outlook_desktop_english() -> None:
    opened, records, problems = fixture("outlook_desktop_en.csv")
    assert (opened.format, opened.encoding) == ("outlook", "utf-8")
    john, ex = records
    assert (john.given, john.middle, john.family) == ("John", "Q", "Public")
    assert (john.org, john.title) == ("Contoso, Ltd.", "Sales Manager")
    assert john.emails == ["john@contoso.example", "jq@home.example"]
    assert john.phones == ["(425) 555-0100", "(425) 555-0199"]  # primary first, no fax, no dup
    assert john.labels == ["Business", "VIP"]
    assert john.countries == ["United States", "Canada"]
    assert john.notes == 'Met at "Ignite"\r\nfollow up'
    assert (ex.line, ex.emails) == (4, [])  # Exchange X.500 path dropped
    assert problems == []  # the row holding only 0/0/00 dates is blank


def test_outlook_mapping_adds_extra_columns() -> None:
    _, records, _ = fixture("outlook_desktop_en.csv", mapping={"tags": "Department"})
    assert records[0].labels == ["Business", "VIP", "Sales"]


def test_outlook_com() -> None:
    opened, (claire,), problems = fixture("outlook_com.csv")
    assert opened.format == "outlook"
    assert claire.emails == ["claire@fabrikam.example", "claire.moreau@example.fr"]
    assert (claire.org, claire.title, claire.countries) == ("Fabrikam", "Designer", ["France"])
    assert claire.phones == ["+33 6 12 34 56 78"]
    assert problems == []


def test_outlook_german_cp1252() -> None:
    opened, (juergen,), _ = fixture("outlook_de_cp1252.csv")
    assert (opened.format, opened.encoding) == ("outlook", "cp1252")
    assert (juergen.given, juergen.family) == ("Jürgen", "Müller")
    assert (juergen.org, juergen.title) == ("Bäckerei Müller GmbH", "Geschäftsführer")
    assert juergen.emails == ["juergen@baeckerei.example"]
    assert juergen.phones == ["0171 2345678", "089 123456"]
    assert juergen.labels == ["Kunden", "Lieferanten"]
    assert juergen.countries == ["Deutschland"]
    assert juergen.notes == "Zahlt pünktlich – „immer“ € 50"


def test_outlook_french_with_bom() -> None:
    opened, (francois,), _ = fixture("outlook_fr_bom.csv")
    assert (opened.format, opened.encoding) == ("outlook", "utf-8-sig")
    assert (francois.given, francois.family) == ("François", "Dupont")
    assert francois.title == "Directeur des achats"  # the second "Titre" column
    assert francois.org == "Société Générale d'Exemple"
    assert francois.emails == ["francois.dupont@exemple.fr", "fdupont@perso.example"]
    assert francois.phones == ["06 12 34 56 78", "01 23 45 67 89"]
    assert francois.labels == ["Fournisseurs", "Paris"]
    assert francois.countries == ["France"]


def test_outlook_french_fonction_column_and_case_insensitive_names() -> None:
    lines = [
        "PRÉNOM,nom,societe,Fonction,ADRESSE DE MESSAGERIE,Pays/Region (domicile)\n",
        "Élise,Roy,Initech,Comptable,elise@example.fr,Belgique\n",
    ]
    (record,) = list(outlook.parse(lines))
    assert isinstance(record, RawRecord)
    assert (record.given, record.family, record.org, record.title) == (
        "Élise",
        "Roy",
        "Initech",
        "Comptable",
    )
    assert (record.emails, record.countries) == (["elise@example.fr"], ["Belgique"])


# --- LinkedIn ---------------------------------------------------------------


def test_linkedin_connections_with_preamble() -> None:
    opened, records, problems = fixture("linkedin_connections_2025.csv")
    assert (opened.format, opened.encoding) == ("linkedin", "utf-8-sig")
    alex, sam, priya, lee = records
    assert (alex.line, alex.connected_on, alex.profile_url) == (
        5,
        "2025-12-22",
        "https://www.linkedin.com/in/alex-martin-123",
    )
    assert (sam.family, sam.org, sam.title, sam.emails) == (
        "LOANG, CIA, AIIA",
        "Acme, Inc.",
        "Director, Audit",
        ["sam@example.com"],
    )
    assert sam.connected_on == "2024-01-03"
    assert (priya.emails, priya.connected_on) == ([], "2023-02-01")  # urn:li:member dropped
    assert problems == [Problem(8, NO_DATA)]  # a connection with no name and no email
    assert (lee.line, lee.connected_on) == (9, "someday")  # unparseable date kept as written
    assert all(r.connected_on for r in records)


def test_linkedin_connections_2018_six_columns_reordered() -> None:
    opened, (maria, tom), problems = fixture("linkedin_connections_2018.csv")
    assert opened.format == "linkedin"
    assert (maria.given, maria.family, maria.org, maria.title) == (
        "Maria",
        "Lopez",
        "Initech",
        "Engineer",
    )
    assert (maria.emails, maria.connected_on, maria.profile_url) == ([], "2018-01-08", "")
    assert (tom.emails, tom.connected_on) == (["tom@example.com"], "2017-12-31")
    assert problems == []


def test_linkedin_connections_excel_dates_and_blank_names() -> None:
    _, records, problems = fixture("linkedin_connections_excel.csv")
    assert [(r.line, r.given, r.connected_on) for r in records] == [
        (2, "Omar", "2022-09-09"),
        (4, "Zoë", "2023-01-01"),
        (5, "Nadia", "unknown"),  # every row is a connection: never empty
    ]
    assert records[1].family == "😀 Smile"
    assert problems == [Problem(3, NO_DATA)]


def test_linkedin_invitations_2022_header() -> None:
    opened, records, problems = fixture("linkedin_invitations_2022.csv")
    assert opened.format == "invitations"
    assert problems == []
    assert [(r.line, r.kind, r.full_name, r.invited_on) for r in records] == [
        (2, "invitation", "Ana Silva", "2022-08-26"),
        (4, "invitation", "Chen Wei", "2022-09-01"),  # INCOMING on line 3 skipped
        (6, "invitation", "Dee Ray", "bad date"),
    ]
    assert records[1].notes == "Great talk at the meetup!\nSee you next time."


def test_linkedin_invitations_with_profile_urls() -> None:
    opened, records, problems = fixture("linkedin_invitations_2023.csv")
    assert opened.format == "invitations"
    assert problems == []
    assert [(r.full_name, r.invited_on, r.profile_url, r.notes) for r in records] == [
        ("Jordan Lee", "2023-03-25", "https://www.linkedin.com/in/jordan-lee", ""),
        ("Ravi Patel", "2026-01-29", "https://www.linkedin.com/in/ravi", "Hello Ravi"),
    ]
    assert all(r.kind == "invitation" for r in records)


def test_linkedin_invitations_unknown_direction_is_a_problem() -> None:
    lines = ["From,To,Sent At,Message,Direction\n", "A,B,1/1/24,,SIDEWAYS\n", ",,,,\n"]
    assert list(linkedin.parse_invitations(lines)) == [
        Problem(2, "direction 'SIDEWAYS' is not OUTGOING or INCOMING")
    ]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("22 Dec 2025", "2025-12-22"),
        ("03 Feb 2024", "2024-02-03"),
        ("1/8/18, 6:14 PM", "2018-01-08"),
        ("9-Sep-22", "2022-09-09"),
        ("8/26/22, 8:56 PM", "2022-08-26"),
        ("Mar 25 2023 10:15 AM", "2023-03-25"),
        ("1/29/26, 2:37 PM", "2026-01-29"),
        ("2023-03-25", "2023-03-25"),
        ("March 5, 2021", "2021-03-05"),
        (" 12/31/1999 ", "1999-12-31"),
        ("0/0/00", None),
        ("31 Feb 2024", None),
        ("someday", None),
        ("", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


# --- generic CSV ------------------------------------------------------------


def test_generic_semicolon() -> None:
    opened, (marie, paul), problems = fixture("generic_semicolon.csv")
    assert opened.format == "csv"
    assert (marie.given, marie.family, marie.org) == ("Marie", "Durand", "ACME")
    assert (marie.emails, marie.phones, marie.labels) == (
        ["marie@exemple.fr"],
        ["01 02 03 04 05"],
        ["Clients", "VIP"],
    )
    assert paul.emails == ["paul@exemple.fr", "p.martin@exemple.fr"]
    assert problems == []


def test_generic_tab() -> None:
    opened, (ana, ben), _ = fixture("generic_tab.tsv")
    assert opened.format == "csv"
    assert (ana.full_name, ana.emails, ana.phones) == (
        "Ana María López",
        ["ana@example.es"],
        ["+34 600 000 000"],
    )
    assert (ana.org, ana.title, ana.countries, ana.notes) == (
        "Telefónica",
        "Ingeniera",
        ["Spain"],
        "likes jazz, vegetarian",
    )
    assert ben.emails == ["ben@example.com"]


def test_generic_pipe_blank_rows_and_org_only() -> None:
    _, records, problems = fixture("generic_pipe.txt")
    assert [(r.line, r.full_name, r.org) for r in records] == [
        (2, "Kai Müller", "Example GmbH"),
        (4, "Nobody", ""),
        (6, "", "Lonely Corp"),
    ]
    assert problems == []


def test_generic_without_known_columns_explains_how_to_map() -> None:
    with pytest.raises(FormatError) as info:
        open_file(FIXTURES / "generic_unmapped.csv")
    assert str(info.value) == (
        "no email, phone or name column found; columns are: Identifiant, Libellé, Numéro. "
        "Map them with --map email=Identifiant,name=Libellé"
    )


def test_generic_with_mapping() -> None:
    mapping = parse_mapping("name=Libellé, phone=numero")
    _, records, problems = fixture("generic_unmapped.csv", mapping=mapping)
    assert [(r.line, r.full_name, r.phones) for r in records] == [
        (2, "Alice Martin", ["+33 1 23 45 67 89"])
    ]
    assert problems == [Problem(3, NO_DATA)]


def test_mapping_naming_a_missing_column() -> None:
    with pytest.raises(FormatError, match="column 'Mail' \\(from --map email=Mail\\) not found"):
        open_file(FIXTURES / "generic_unmapped.csv", mapping={"email": "Mail"})
    with pytest.raises(FormatError, match="'Nope'"):
        open_file(FIXTURES / "outlook_com.csv", mapping={"tags": "Nope"})


def test_mapping_overrides_automatic_columns() -> None:
    lines = ["Name,Email,Alt\n", "Al,al@example.com,al@other.example\n"]
    (record,) = list(generic.parse(lines, mapping={"email": "Alt"}))
    assert isinstance(record, RawRecord)
    assert record.emails == ["al@other.example"]


def test_unmapped_email_looking_cells_are_not_guessed() -> None:
    lines = ["Name,Contact info\n", "Al,al@example.com\n"]
    # "Contact info" is not a known column: the address is not picked up.
    (record,) = list(generic.parse(lines))
    assert isinstance(record, RawRecord)
    assert (record.full_name, record.emails) == ("Al", [])


def test_quoted_newlines_keep_line_numbers_right() -> None:
    _, records, _ = fixture("multiline.csv")
    assert [(r.line, r.emails[0]) for r in records] == [
        (2, "ann@example.com"),
        (5, "bo@example.com"),
        (6, "cy@example.com"),
        (9, "di@example.com"),
    ]
    assert records[0].notes == "first line\r\nsecond line\r\nthird"


def test_rows_with_wrong_cell_counts_are_read() -> None:
    lines = ["Name,Email,Phone\n", "Al,al@example.com\n", "Bo,bo@example.com,555,extra,cells\n"]
    records = list(generic.parse(lines))
    assert [(r.line, r.emails) for r in records if isinstance(r, RawRecord)] == [
        (2, ["al@example.com"]),
        (3, ["bo@example.com"]),
    ]


def test_a_row_csv_rejects_is_a_problem_and_reading_goes_on() -> None:
    from triage.ingest.formats.tabular import FIELD_LIMIT

    huge = "x" * (FIELD_LIMIT + 1)
    lines = ["Name,Email\n", f'"{huge},a@example.com\n', "Bo,bo@example.com\n"]
    items = list(generic.parse(lines))
    assert isinstance(items[0], Problem)
    assert items[0].line == 2
    assert "unreadable row" in items[0].reason
    assert isinstance(items[1], RawRecord)
    assert (items[1].line, items[1].full_name) == (3, "Bo")


@pytest.mark.parametrize(
    ("header", "rows", "expected"),
    [
        ("a;b;c", ["1;2;3", "4;5;6"], ";"),
        ("a\tb\tc", ["1\t2\t3"], "\t"),
        ("a|b|c", ["1|2|3"], "|"),
        ("a,b,c", ["1,2,3"], ","),
        ("name;email", ["Doe, John;j@example.com", "Roe, Ann;a@example.com"], ";"),
        ('"Doe; J",email', ['"x;y",a@example.com'], ","),
        ("single", ["value"], ","),
    ],
)
def test_sniff_delimiter(header: str, rows: list[str], expected: str) -> None:
    assert sniff_delimiter(header + "\n", [r + "\n" for r in rows]) == expected


# --- the registry -----------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("BEGIN:VCARD\r\nVERSION:3.0\r\n", "vcard"),
        ("\ufeff\r\n\r\nbegin:vCard\nFN:x\n", "vcard"),
        ("From,To,Sent At,Message,Direction\n", "invitations"),
        ('Notes:\n"blah, blah"\n\nFirst Name,Last Name,URL,Connected On\n', "linkedin"),
        ("First Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value\n", "google"),
        ("Name,Given Name,Family Name,Group Membership\n", "google"),
        ("First Name,Last Name,E-mail Address,E-mail 2 Address\n", "outlook"),
        ("Vorname;Nachname;E-Mail-Adresse\n", "outlook"),
        ("First Name,Last Name,Display Name,Primary Email\n", "csv"),
        ("hello\n", "csv"),
    ],
)
def test_sniff_format(head: str, expected: str) -> None:
    assert sniff_format(head) == expected


def test_format_comes_from_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_bytes((FIXTURES / "outlook_com.csv").read_bytes())
    assert open_file(path).format == "outlook"


def test_format_can_be_forced() -> None:
    opened, records, _ = fixture("google_old_multi.csv", format="csv")
    assert opened.format == "csv"
    assert records[0].full_name == "Alice Example"
    with pytest.raises(FormatError, match="unknown format 'bogus'"):
        open_file(FIXTURES / "google_old_multi.csv", format="bogus")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf", "the file is empty"),
        (b"  \r\n\r\n\t\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive"),
        (b"SQLite format 3\x00\x10\x00", "SQLite database"),
        (b"\x00\x01\x02\x03" * 100, "binary data"),
    ],
)
def test_unreadable_files_raise_format_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    with pytest.raises(FormatError, match=message) as info:
        open_file(path)
    assert "\n" not in str(info.value)
    assert "x.csv" not in str(info.value)


def test_missing_file_lets_oserror_through(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_file(tmp_path / "missing.csv")


def test_items_are_lazy_and_memory_stays_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["First Name", "Last Name", "Notes", "Labels", "E-mail 1 - Label", "E-mail 1 - Value"]
        )
        note = "lorem ipsum " * 25
        for i in range(20_000):
            writer.writerow(
                [f"First{i}", f"Last{i}", note, "* myContacts", "* Work", f"p{i}@x.com"]
            )
    size = path.stat().st_size
    assert size > 6_000_000
    tracemalloc.start()
    try:
        opened = open_file(path)
        count = sum(1 for _ in opened.items)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    # Bounded by the 1 MiB detection chunk, not by the file: it was streamed.
    assert peak < 3 * 1024 * 1024 < size / 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email=Courriel,name=Nom", {"email": "Courriel", "name": "Nom"}),
        (" Phone = Tél. mobile , tags=Groupes ", {"phone": "Tél. mobile", "tags": "Groupes"}),
        ("email=a=b", {"email": "a=b"}),
    ],
)
def test_parse_mapping(text: str, expected: dict[str, str]) -> None:
    assert parse_mapping(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email", "expected FIELD=COLUMN"),
        ("=Courriel", "expected FIELD=COLUMN"),
        ("mail=Courriel", "unknown field 'mail'"),
        ("email=", "needs a column name"),
        ("email=A,email=B", "given twice"),
        (" , ", "--map is empty"),
    ],
)
def test_parse_mapping_errors(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_mapping(text)


# --- never a traceback ------------------------------------------------------


def _consume(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.csv"
        path.write_bytes(data)
        try:
            opened = open_file(path)
            for item in opened.items:
                assert isinstance(item, RawRecord | Problem)
        except FormatError as exc:
            assert str(exc)
            assert "\n" not in str(exc)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    _consume(data)


def _seed_files() -> list[bytes]:
    paths = sorted(FIXTURES.iterdir())
    if CORPUS.is_dir():
        paths += [p for d in CSV_CORPUS_DIRS for p in sorted((CORPUS / d).iterdir())]
    return [p.read_bytes() for p in paths]


SEEDS = _seed_files()
_mutation = st.tuples(
    st.sampled_from(["flip", "insert", "delete"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.integers(min_value=0, max_value=255),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(_mutation, min_size=1, max_size=8))
def test_mutated_files_never_crash(seed: bytes, mutations: list[tuple[str, float, int]]) -> None:
    data = bytearray(seed)
    for op, where, byte in mutations:
        at = min(int(where * len(data)), max(len(data) - 1, 0))
        if op == "insert" or not data:
            data.insert(at, byte)
        elif op == "flip":
            data[at] ^= byte or 0xFF
        else:
            del data[at]
    _consume(bytes(data))


def test_utf16_google_export_reads(tmp_path: Path) -> None:
    text = io.StringIO()
    csv.writer(text).writerows(
        [["Name", "E-mail 1 - Type", "E-mail 1 - Value"], ["Ann", "* Home", "ann@example.com"]]
    )
    path = tmp_path / "google.csv"
    path.write_bytes(b"\xff\xfe" + text.getvalue().encode("utf-16-le"))
    opened, (ann,), _ = load(path)
    assert (opened.format, opened.encoding, ann.emails) == (
        "google",
        "utf-16-le",
        ["ann@example.com"],
    )


# --- triage's own full export ------------------------------------------------


def _full_file(rows: list[list[str]]) -> str:
    from triage.export.formats import FULL_HEADER, guard_full

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FULL_HEADER)
    writer.writerows([[guard_full(c) for c in row] for row in rows])
    return "\ufeff" + out.getvalue()


def _full_row(**cells: str) -> list[str]:
    from triage.export.formats import FULL_HEADER

    return [cells.get(name, "") for name in FULL_HEADER]


def test_full_export_is_not_taken_for_linkedin_connections() -> None:
    from triage.export.formats import FULL_HEADER

    head = "\ufeff" + ",".join(FULL_HEADER) + "\n"
    assert sniff_format(head) == "full"
    # LinkedIn's own file still is what it is.
    assert sniff_format("First Name,Last Name,URL,Email Address,Connected On\n") == "linkedin"


def test_full_export_cells_and_lists_come_back() -> None:
    from triage.ingest.formats import full

    text = _full_file(
        [
            _full_row(
                **{
                    "Name": "=Ada Lovelace",
                    "First Name": "'=Ada",
                    "Last Name": "''Lovelace",
                    "E-mails": "ada@example.com; bob@@x (invalid); info@x.org (role)",
                    "Phones": "+12025550142; ext 12 (unparsed)",
                    "Organization": "-Engines",
                    "Title": "@lead",
                    "Tags": "vip; met at PyCon",
                    "Labels": "Friends; Work",
                    "Invitation Note": "+1 for the talk",
                    "Notes": "- a\n- b",
                    "Flags": "merged",
                    "Decided At": "2026-01-01T00:00:00+00:00",
                    "Sources": "a.csv:2",
                    "Connected On": "2025-12-22",
                    "Profile URL": "https://www.linkedin.com/in/ada",
                }
            )
        ]
    )
    (rec,) = list(full.parse(io.StringIO(text, newline="")))
    assert isinstance(rec, RawRecord)
    assert (rec.line, rec.full_name, rec.given, rec.family) == (
        2,
        "=Ada Lovelace",
        "'=Ada",
        "''Lovelace",
    )
    assert rec.emails == ["ada@example.com", "bob@@x", "info@x.org"]
    assert rec.phones == ["+12025550142", "ext 12"]
    assert (rec.org, rec.title, rec.notes) == ("-Engines", "@lead", "- a\n- b")
    assert rec.labels == ["Friends", "Work"]
    assert (rec.connected_on, rec.profile_url) == ("2025-12-22", "https://www.linkedin.com/in/ada")
    fields = full.user_fields(io.StringIO(text, newline=""))
    assert fields == {2: (["vip", "met at PyCon"], "+1 for the talk")}


@given(st.text(max_size=12))
def test_full_export_guard_is_undone_exactly(cell: str) -> None:
    from triage.export.formats import guard_full
    from triage.ingest.formats.full import unguard

    assert unguard(guard_full(cell)) == cell


def test_google_websites_and_city() -> None:
    text = (
        "First Name,Last Name,Labels,Website 1 - Label,Website 1 - Value,Website 2 - Label,"
        "Website 2 - Value,Address 1 - City,Address 1 - Country\n"
        "Jane,Doe,* myContacts,Profile,https://www.linkedin.com/in/jane ::: https://jane.example,"
        "Blog,https://blog.example,Wiesbaden ::: Mainz,Germany\n"
        "John,Roe,,,,,,,\n"
    )
    jane, john = list(google.parse(io.StringIO(text, newline="")))
    assert isinstance(jane, RawRecord) and isinstance(john, RawRecord)
    assert (jane.profile_url, jane.website, jane.city) == (
        "https://www.linkedin.com/in/jane",
        "https://jane.example",
        "Wiesbaden",
    )
    assert (john.profile_url, john.website, john.city) == ("", "", "")


def test_outlook_web_page_and_city() -> None:
    text = (
        "First Name,Last Name,E-mail Address,Web Page,Business City,Home City\n"
        "Jane,Doe,jane@example.com,https://jane.example,,Lyon\n"
        "John,Roe,john@example.com,https://linkedin.com/in/john,Paris,Lyon\n"
    )
    jane, john = list(outlook.parse(io.StringIO(text, newline="")))
    assert isinstance(jane, RawRecord) and isinstance(john, RawRecord)
    assert (jane.website, jane.profile_url, jane.city) == ("https://jane.example", "", "Lyon")
    assert (john.website, john.profile_url, john.city) == (
        "",
        "https://linkedin.com/in/john",
        "Paris",
    )
