"""Outlook CSV: desktop Outlook's export and Outlook.com's, in English, German
and French.

Outlook writes column names in the UI language, so every field has a list of
names (matched after :func:`~triage.importers.tabular.norm_key`, which drops
case, accents and punctuation).  Sources: Roundcube's csv2vcard maps and
Outlook headers quoted in public code (FORMATS.md §2).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from triage.ingest.formats.base import Item
from triage.ingest.formats.tabular import (
    Columns,
    Convert,
    Table,
    add_mapped,
    iter_items,
    keys_of,
    open_table,
    problem_unless_blank,
    resolve_mapping,
    split_websites,
    usable,
)
from triage.model import RawRecord

GIVEN = ("First Name", "Vorname", "Prénom")
MIDDLE = ("Middle Name", "Weitere Vornamen", "2. Vorname", "Deuxième prénom")
FAMILY = ("Last Name", "Nachname", "Nom", "Nom de famille")
FULL = ("Full Name", "Nom complet", "Vollständiger Name")
COMPANY = ("Company", "Firma", "Société")
TITLE = ("Job Title", "Position", "Fonction", "Titre du poste", "Titre du poste / Fonction")
PROFESSION = ("Profession", "Beruf")
NOTES = ("Notes", "Notizen")
CATEGORIES = ("Categories", "Kategorien", "Catégories")
EMAILS = (
    "E-mail Address",
    "E-Mail-Adresse",
    "Adresse de messagerie",
    "Adresse e-mail",
    "E-mail 2 Address",
    "E-Mail 2: Adresse",
    "Adresse de messagerie 2",
    "Adresse e-mail 2",
    "E-mail 3 Address",
    "E-Mail 3: Adresse",
    "Adresse de messagerie 3",
    "Adresse e-mail 3",
)
PHONES = (
    # primary
    "Primary Phone",
    "Haupttelefon",
    "Téléphone principal",
    # mobile
    "Mobile Phone",
    "Mobiltelefon",
    "Mobiltelefon 2",
    "Tél. mobile",
    "Téléphone mobile",
    "Téléphone portable",
    # work
    "Business Phone",
    "Business Phone 2",
    "Company Main Phone",
    "Telefon geschäftlich",
    "Telefon geschäftlich 2",
    "Telefon Firma",
    "Téléphone (bureau)",
    "Téléphone 2 (bureau)",
    "Téléphone professionnel",
    "Téléphone société",
    # home
    "Home Phone",
    "Home Phone 2",
    "Telefon privat",
    "Telefon privat 2",
    "Telefon (privat)",
    "Telefon (privat 2)",
    "Téléphone (domicile)",
    "Téléphone 2 (domicile)",
    "Téléphone personnel",
    # other
    "Other Phone",
    "Weiteres Telefon",
    "Téléphone (autre)",
    "Car Phone",
    "Autotelefon",
    "Téléphone (voiture)",
)
COUNTRIES = (
    "Business Country/Region",
    "Business Country",
    "Land/Region geschäftlich",
    "Land geschäftlich",
    "Pays/Région (bureau)",
    "Pays (bureau)",
    "Home Country/Region",
    "Home Country",
    "Land/Region privat",
    "Land privat",
    "Pays/Région (domicile)",
    "Pays (domicile)",
    "Other Country/Region",
    "Other Country",
    "Weiteres/e Land/Region",
    "Weiteres Land",
    "Pays/Région (autre)",
    "Pays (autre)",
)

CITIES = (
    "Business City",
    "Home City",
    "Other City",
    "Ort geschäftlich",
    "Ort privat",
    "Weiterer Ort",
    "Ville (bureau)",
    "Ville (domicile)",
    "Ville (autre)",
)
WEB_PAGES = (
    "Web Page",
    "Webseite",
    "Webpage",
    "Page Web",
    "Personal Web Page",
    "Business Web Page",
)

_EMAIL_KEYS = keys_of(EMAILS)
_NAME_KEYS = keys_of(GIVEN + FAMILY)


def looks_like(keys: frozenset[str]) -> bool:
    """An Outlook-style header: an ``E-mail Address`` column and a name column."""
    return bool(keys & _EMAIL_KEYS) and bool(keys & _NAME_KEYS)


def _title_column(cols: Columns) -> int:
    index = cols.first(*TITLE)
    if index < 0:
        # French Outlook names both the courtesy title and the job title
        # "Titre"; the job title is the second one.
        titres = cols.positions.get("titre", [])
        index = titres[1] if len(titres) > 1 else cols.first(*PROFESSION)
    return index


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values)) if len(values) > 1 else values


def read_header(lines: Iterable[str]) -> Table:
    return open_table(lines, want=looks_like, what="Outlook header (E-mail Address, First Name)")


def parse(lines: Iterable[str], *, mapping: dict[str, str] | None = None) -> Iterator[Item]:
    """Yield one RawRecord (or Problem) per row of an Outlook CSV."""
    table = read_header(lines)
    return iter_items(table, converter(table.header, mapping))


def converter(header: list[str], mapping: dict[str, str] | None = None) -> Convert:
    """The row -> item function for a file with this header."""
    cols = Columns(header)
    mapped = resolve_mapping(cols, mapping)
    width = len(cols.header)
    i_given = cols.first(*GIVEN)
    i_middle = cols.first(*MIDDLE)
    i_family = cols.first(*FAMILY)
    i_full = cols.first(*FULL)
    i_org = cols.first(*COMPANY)
    i_title = _title_column(cols)
    i_notes = cols.first(*NOTES)
    i_categories = cols.first(*CATEGORIES)
    emails = cols.every(*EMAILS)
    phones = cols.every(*PHONES)
    countries = cols.every(*COUNTRIES)
    cities = cols.every(*CITIES)
    web_pages = cols.every(*WEB_PAGES)

    def cell(row: list[str], index: int) -> str:
        return row[index].strip() if index >= 0 else ""

    def convert(line: int, row: list[str]) -> Item | None:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        email_list = [
            v
            for v in (row[i].strip() for i in emails)
            # Exchange users export an X.500 path instead of an address.
            if v and not v.casefold().startswith("/o=")
        ]
        rec = RawRecord(
            line=line,
            full_name=cell(row, i_full),
            given=cell(row, i_given),
            middle=cell(row, i_middle),
            family=cell(row, i_family),
            org=cell(row, i_org),
            title=cell(row, i_title),
            emails=_unique(email_list),
            phones=_unique([v for v in (row[i].strip() for i in phones) if v]),
            notes=cell(row, i_notes),
            labels=_unique([c.strip() for c in cell(row, i_categories).split(";") if c.strip()]),
            countries=_unique([v for v in (row[i].strip() for i in countries) if v]),
        )
        if web_pages:
            rec.website, rec.profile_url = split_websites(row[i] for i in web_pages)
        rec.city = next((v for v in (row[i].strip() for i in cities) if v), "")
        if mapped:
            add_mapped(rec, row, mapped)
        if usable(rec):
            return rec
        return problem_unless_blank(line, row)

    return convert
