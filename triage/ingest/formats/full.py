"""triage's own full export (``triage export --format full``), read back.

The file is recognised by its header (``Invitation Note``, ``Decided At``,
``Last Exported`` next to ``E-mails`` and ``Phones``): without this importer
its ``First Name``/``Last Name``/``Connected On`` columns made it look like a
LinkedIn Connections.csv and every email and phone was lost.

What comes back is the person: names, organisation, title, every email and
phone, notes, labels, profile URL, website, city and the LinkedIn dates.
The tags and the personal invitation note are the user's own; they are read
by :func:`user_fields` and put back by the command after the import.  The
decision, its time, the export time and the old provenance are not imported:
everyone read from a full export arrives undecided, so no import ever
invites anybody.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from triage.ingest.formats.base import Item
from triage.ingest.formats.tabular import (
    Columns,
    Convert,
    Table,
    add_mapped,
    iter_items,
    open_table,
    problem_unless_blank,
    resolve_mapping,
    usable,
)
from triage.model import RawRecord

# Header keys (see tabular.norm_key) only the full export has together.
FULL_KEYS = frozenset({"emails", "phones", "invitationnote", "decidedat", "lastexported"})
LIST_SEPARATOR = "; "
# What the export appends to an email or phone it could not vouch for.
_EMAIL_NOTES = (" (invalid) (role)", " (role)", " (invalid)")
_PHONE_NOTE = " (unparsed)"
# A leading apostrophe the export put before these (see export.formats.guard_full).
_GUARDED = "=+-@\t\r'"


def looks_like(keys: frozenset[str]) -> bool:
    return keys >= FULL_KEYS


def unguard(cell: str) -> str:
    """The cell as it was before the export neutralised it for spreadsheets."""
    if cell[:1] == "'" and cell[1:2] and cell[1] in _GUARDED:
        return cell[1:]
    return cell


def split_cell(cell: str) -> list[str]:
    """The values of a ``; ``-joined list cell, in order, without repeats.

    The export doubles each ``;`` of a value (a tag ``work; friends`` is
    written ``work;; friends``): in a run of semicolons each pair is one
    ``;`` of the value, and an odd one followed by a space separates two
    values.  A cell without ``;;`` (every older export) splits as before.
    """
    if not cell:
        return []
    if ";;" not in cell:
        parts = cell.split(LIST_SEPARATOR)
    else:
        parts, piece, pos = [], [], 0
        for run in _SEMICOLONS.finditer(cell):
            piece.append(cell[pos : run.start()] + ";" * (len(run.group()) // 2))
            pos = run.end()
            if len(run.group()) % 2:
                if cell.startswith(" ", pos):
                    parts.append("".join(piece))
                    piece, pos = [], pos + 1
                else:
                    piece.append(";")  # a lone ";" inside a value, as older exports wrote it
        piece.append(cell[pos:])
        parts.append("".join(piece))
    return list(dict.fromkeys(part for part in parts if part.strip()))


_SEMICOLONS = re.compile(";+")


def _email(value: str) -> str:
    for note in _EMAIL_NOTES:
        if value.endswith(note):
            return value[: -len(note)]
    return value


def _phone(value: str) -> str:
    return value.removesuffix(_PHONE_NOTE)


def read_header(lines: Iterable[str]) -> Table:
    return open_table(lines, want=looks_like, what="triage full export header")


def parse(lines: Iterable[str], *, mapping: dict[str, str] | None = None) -> Iterator[Item]:
    """Yield one RawRecord (or Problem) per person of a full export."""
    table = read_header(lines)
    return iter_items(table, converter(table.header, mapping))


def get(row: list[str], index: int) -> str:
    """A cell of ``row`` as the person had it (unguarded); "" for no column."""
    return unguard(row[index]) if index >= 0 else ""


def converter(header: list[str], mapping: dict[str, str] | None = None) -> Convert:
    """The row -> item function for a full export with this header."""
    cols = Columns(header)
    mapped = resolve_mapping(cols, mapping)
    width = len(cols.header)
    i_name = cols.first("Name")
    i_given = cols.first("First Name")
    i_family = cols.first("Last Name")
    i_emails = cols.first("E-mails")
    i_phones = cols.first("Phones")
    i_org = cols.first("Organization")
    i_title = cols.first("Title")
    i_labels = cols.first("Labels")
    i_notes = cols.first("Notes")
    i_connected = cols.first("Connected On")
    i_invited = cols.first("Invited On")
    i_url = cols.first("Profile URL")
    i_website = cols.first("Website")
    i_city = cols.first("City")

    def convert(line: int, row: list[str]) -> Item | None:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        rec = RawRecord(
            line=line,
            full_name=get(row, i_name).strip(),
            given=get(row, i_given).strip(),
            family=get(row, i_family).strip(),
            org=get(row, i_org).strip(),
            title=get(row, i_title).strip(),
            emails=[_email(v) for v in split_cell(get(row, i_emails))],
            phones=[_phone(v) for v in split_cell(get(row, i_phones))],
            notes=get(row, i_notes),
            labels=split_cell(get(row, i_labels)),
            connected_on=get(row, i_connected).strip(),
            invited_on=get(row, i_invited).strip(),
            profile_url=get(row, i_url).strip(),
            website=get(row, i_website).strip(),
            city=get(row, i_city).strip(),
        )
        if mapped:
            add_mapped(rec, row, mapped)
        if usable(rec):
            return rec
        return problem_unless_blank(line, row)

    return convert


def user_fields(lines: Iterable[str]) -> dict[int, tuple[list[str], str]]:
    """Line of each person -> (tags, invitation note), for the people that
    have either: what the command puts back after the import."""
    table = read_header(lines)
    cols = Columns(table.header)
    width = len(cols.header)
    i_tags = cols.first("Tags")
    i_note = cols.first("Invitation Note")
    out: dict[int, tuple[list[str], str]] = {}

    def convert(line: int, row: list[str]) -> Item | None:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        tags = [t.strip() for t in split_cell(get(row, i_tags)) if t.strip()]
        note = get(row, i_note)
        if tags or note:
            out[line] = (tags, note)
        return None

    for _ in iter_items(table, convert):
        pass
    return out
