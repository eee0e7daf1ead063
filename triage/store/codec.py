"""How a contact is stored: its columns, the JSON codecs of the list
columns, and the rows an import inserts and updates.

The JSON columns are written by hand around the C string quoter (on the
import's hot path ``json.dumps`` cost more than everything else per
contact: it builds an encoder per call); ``json.loads`` reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring as _quote
from typing import Any

from triage.model import Contact, Email, Phone, Source

# The four JSON columns come back as one JSON array per row, so a batch of
# rows is decoded by a single json.loads (one C call instead of four per row).
CONTACT_COLUMNS = (
    "id, deck_id, key, name, given, family, org, title, notes, flags, decision, decided_at,"
    " note, connected_on, invited_on, profile_url, exported_at,"
    " '[' || emails || ',' || phones || ',' || labels || ',' || sources || ']'"
)


def decode_contacts(rows: Sequence[Sequence[Any]]) -> list[Contact]:
    blobs = json.loads("[" + ",".join([r[17] for r in rows]) + "]") if rows else []
    return [
        Contact(
            id=row[0],
            deck_id=row[1],
            key=row[2],
            name=row[3],
            given=row[4],
            family=row[5],
            org=row[6],
            title=row[7],
            emails=[Email(a, bool(v), bool(r)) for a, v, r in emails],
            phones=[Phone(n, bool(v)) for n, v in phones],
            notes=row[8],
            labels=labels,
            sources=[Source(f, ln, imp, path) for f, ln, imp, path in sources],
            flags=row[9],
            decision=row[10],
            decided_at=row[11],
            note=row[12],
            connected_on=row[13],
            invited_on=row[14],
            profile_url=row[15],
            exported_at=row[16],
        )
        for row, (emails, phones, labels, sources) in zip(rows, blobs, strict=True)
    ]


def encode_list(items: list[str]) -> str:
    return "[" + ",".join([_quote(x) for x in items]) + "]" if items else "[]"


def encode_emails(emails: list[Email]) -> str:
    return (
        "["
        + ",".join([f"[{_quote(e.address)},{int(e.valid)},{int(e.role)}]" for e in emails])
        + "]"
    )


def encode_phones(phones: list[Phone]) -> str:
    return "[" + ",".join([f"[{_quote(p.number)},{int(p.valid)}]" for p in phones]) + "]"


def encode_sources(sources: list[Source]) -> str:
    return (
        "["
        + ",".join(
            [
                f"[{_quote(s.file)},{int(s.line)},{int(s.import_id)},{_quote(s.path)}]"
                for s in sources
            ]
        )
        + "]"
    )


def encode_source_parts(file: str, import_id: int, path: str) -> tuple[str, str]:
    """(before, after): ``encode_sources([Source(file, line, import_id, path)])``
    is ``before + str(line) + after``, for a whole file's records at once."""
    return f"[[{_quote(file)},", f",{int(import_id)},{_quote(path)}]]"


def decode_sources(text: str) -> list[Source]:
    return [Source(f, ln, imp, path) for f, ln, imp, path in json.loads(text)]


def search_text(c: Contact) -> str:
    return search_words(c.name, c.org, c.title, c.emails)


def search_words(name: str, org: str, title: str, emails: list[Email]) -> str:
    """What the search column holds for a contact with these fields."""
    parts = [name, org, title, *[e.address for e in emails]]
    return " ".join([p for p in parts if p]).casefold()


INSERT_SQL = (
    "INSERT INTO contacts (id, deck_id, key, name, given, family, org, title, emails, phones,"
    " notes, labels, sources, search, flags, connected_on, invited_on, profile_url, r_event)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# An import's changes to a contact (decisions, tags and notes are never touched).
UPDATE_SQL = (
    "UPDATE contacts SET name = ?, given = ?, family = ?, org = ?, title = ?,"
    " emails = ?, phones = ?, notes = ?, labels = ?, sources = ?, search = ?,"
    " flags = ?, connected_on = ?, invited_on = ?, profile_url = ? WHERE id = ?"
)


def insert_row(deck_id: int, c: Contact, rank: int) -> tuple[Any, ...]:
    return (
        c.id or None,
        deck_id,
        c.key,
        *data_columns(c),
        rank,
    )


def data_columns(c: Contact) -> tuple[Any, ...]:
    """The imported data of a contact, encoded, in the column order shared by
    the INSERT and the UPDATE (name … profile_url)."""
    return (
        c.name,
        c.given,
        c.family,
        c.org,
        c.title,
        encode_emails(c.emails),
        encode_phones(c.phones),
        c.notes,
        encode_list(c.labels),
        encode_sources(c.sources),
        search_text(c),
        c.flags,
        c.connected_on,
        c.invited_on,
        c.profile_url,
    )


# A new contact encoded by the import (its worker processes): the columns of
# INSERT_SQL after id and deck_id and before the rank, i.e. (key, name, given,
# family, org, title, emails, phones, notes, labels, sources, search, flags,
# connected_on, invited_on, profile_url), the JSON ones by the encode_* functions.
Row = tuple[Any, ...]
