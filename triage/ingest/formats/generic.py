"""Any other CSV or TSV: columns recognised by common names, or named by the
user with ``--map FIELD=COLUMN``.

Thunderbird's CSV export comes through here.  Only column *names* are used:
a cell that merely looks like an email address in an unrecognised column is
not guessed at, so what lands in each field is always explainable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from triage.ingest.formats.base import FormatError, Item
from triage.ingest.formats.tabular import (
    MAP_FIELDS,
    Columns,
    Convert,
    Table,
    iter_items,
    keys_of,
    open_table,
    problem_unless_blank,
    resolve_mapping,
    split_list,
    usable,
)
from triage.model import RawRecord

# Exact names (compared after norm_key), in order of preference for the
# one-value fields.
NAMES: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "e-mail",
        "e-mail address",
        "email address",
        "mail",
        "primary email",
        "courriel",
        "adresse e-mail",
        "adresse de messagerie",
        "e-mail-adresse",
        "email addresses",
    ),
    "phone": (
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "mobile phone",
        "work phone",
        "phone number",
        "mobile number",
        "telephone number",
        "téléphone",
        "telefon",
        "portable",
        "handy",
    ),
    "name": (
        "name",
        "full name",
        "display name",
        "contact",
        "contact name",
        "nom complet",
        "anzeigename",
        "nom à afficher",
    ),
    "first": ("first name", "given name", "firstname", "prénom", "vorname", "forename", "first"),
    "last": ("last name", "surname", "family name", "lastname", "nom", "nachname", "last"),
    "company": (
        "company",
        "organisation",
        "organization",
        "org",
        "firma",
        "société",
        "employer",
        "company name",
        "organization name",
        "organisation name",
        "unternehmen",
        "entreprise",
    ),
    "title": ("title", "job title", "position", "role", "fonction", "poste"),
    "notes": ("notes", "note", "comments", "comment", "notizen", "remarks"),
    "country": ("country", "pays", "land", "country/region"),
    "tags": (
        "tags",
        "tag",
        "labels",
        "label",
        "categories",
        "category",
        "groups",
        "group",
        "group membership",
        "kategorien",
        "catégories",
    ),
}
# Patterns for the numbered and qualified variants of the multi-value fields
# ("Secondary Email", "E-mail 2", "Work Phone", "Home Country" ...).
_QUAL = r"(?:primary|secondary|work|home|other|personal|private|business|office|main|alternate)?"
PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(_QUAL + r"(?:e?mail|courriel)\d*(?:address|adresse)?\d*"),
    "phone": re.compile(
        _QUAL + r"(?:phone|telephone|tel|telefon|mobile|mobil|cell|cellphone|mobilephone)"
        r"(?:number|nummer|no)?\d*"
    ),
    "country": re.compile(_QUAL + r"country(?:region)?\d*"),
}
LIST_FIELDS = ("email", "phone", "country", "tags")
_KEYS = {field: keys_of(names) for field, names in NAMES.items()}


def auto_columns(cols: Columns) -> dict[str, list[int]]:
    """Column indexes per field found by name; lists in header order."""
    plan: dict[str, list[int]] = {}
    for field, names in NAMES.items():
        if field in LIST_FIELDS:
            pattern = PATTERNS.get(field)
            found = [
                i
                for i, key in enumerate(cols.keys)
                if key in _KEYS[field] or (pattern is not None and pattern.fullmatch(key))
            ]
        else:
            first = cols.first(*names)
            found = [first] if first >= 0 else []
        if found:
            plan[field] = found
    return plan


def _no_columns_message(cols: Columns) -> str:
    names = [" ".join(h.split()) for h in cols.header if h.strip()]
    if not names:
        return "no columns found in the first line"
    example = f"email={names[0]}"
    if len(names) > 1:
        example += f",name={names[1]}"
    return (
        f"no email, phone or name column found; columns are: {cols.listing()}. "
        f"Map them with --map {example}"
    )


def _split_phones(cell: str) -> list[str]:
    return [p.strip() for p in re.split(r";| ::: ", cell) if p.strip()]


def read_header(lines: Iterable[str]) -> Table:
    return open_table(lines)


def parse(lines: Iterable[str], *, mapping: dict[str, str] | None = None) -> Iterator[Item]:
    """Yield one RawRecord (or Problem) per row of a CSV/TSV of any layout."""
    table = read_header(lines)
    return iter_items(table, converter(table.header, mapping))


def converter(header: list[str], mapping: dict[str, str] | None = None) -> Convert:
    """The row -> item function for a file with this header (FormatError when
    no column is usable)."""
    cols = Columns(header)
    plan = auto_columns(cols)
    for field, index in resolve_mapping(cols, mapping).items():
        plan[field] = [index]
    if not any(f in plan for f in ("email", "phone", "name", "first", "last")):
        raise FormatError(_no_columns_message(cols))

    width = len(cols.header)
    emails = plan.get("email", [])
    phones = plan.get("phone", [])
    countries = plan.get("country", [])
    tags = plan.get("tags", [])
    scalar = {
        MAP_FIELDS[f]: plan[f][0]
        for f in ("name", "first", "last", "company", "title", "notes")
        if f in plan
    }

    def gather(row: list[str], indexes: list[int], split: bool) -> list[str]:
        out: list[str] = []
        for i in indexes:
            value = row[i].strip()
            if value:
                for part in split_list(value) if split else _split_phones(value):
                    if part not in out:
                        out.append(part)
        return out

    def convert(line: int, row: list[str]) -> Item | None:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        rec = RawRecord(
            line=line,
            emails=gather(row, emails, True),
            phones=gather(row, phones, False),
            countries=gather(row, countries, False),
            labels=gather(row, tags, True),
        )
        for attr, index in scalar.items():
            setattr(rec, attr, row[index].strip())
        if usable(rec):
            return rec
        return problem_unless_blank(line, row)

    return convert
