"""The one codec between contact rows and the domain types.

A contact is stored as plain columns plus four JSON list columns (emails,
phones, labels, sources).  Everything that turns a row into a
:class:`Contact` or a record into a row is here:

- :func:`encode_row` makes the :data:`Row` of a new contact (the import's
  worker processes build it from a cleaned record), and :func:`insert_row`,
  :func:`data_columns` the INSERT and UPDATE parameters of a Contact;
- :func:`decode_row` turns such a Row back into a Contact, and
  :func:`decode_contacts` the rows of a SELECT of :data:`CONTACT_COLUMNS`.
  Both build the objects with :func:`_contact`.

The JSON columns are written by hand around the C string quoter (on the
import's hot path ``json.dumps`` cost more than everything else per
contact: it builds an encoder per call); ``json.loads`` reads them back, one
call for a whole batch of rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring as _quote
from typing import Any, Protocol

from triage.model import FLAG_BITS, UNDECIDED, Contact, Email, Phone, Source
from triage.store.fold import fold

# The four JSON columns come back as one JSON array per row, so a batch of
# rows is decoded by a single json.loads (one C call instead of four per row).
CONTACT_COLUMNS = (
    "id, deck_id, key, name, given, family, org, title, notes, flags, decision, decided_at,"
    " note, connected_on, invited_on, profile_url, exported_at,"
    " '[' || emails || ',' || phones || ',' || labels || ',' || sources || ']'"
)

Row = tuple[Any, ...]
"""A new contact, encoded: the columns of :data:`INSERT_SQL` after id and
deck_id and before the rank, i.e. (key, name, given, family, org, title,
emails, phones, notes, labels, sources, search, flags, connected_on,
invited_on, profile_url), the list columns as JSON text."""
ROW_KEY = 0
ROW_NAME = 1
ROW_ORG = 4
ROW_EMAILS = 6
ROW_SOURCES = 10
ROW_FLAGS = 12


class Record(Protocol):
    """What a contact row is made of: a :class:`Contact`, or a record an
    import cleaned (it has no key, decision or provenance of its own yet)."""

    name: str
    given: str
    family: str
    org: str
    title: str
    emails: list[Email]
    phones: list[Phone]
    notes: str
    labels: list[str]
    flags: int
    connected_on: str
    invited_on: str
    profile_url: str
    website: str
    city: str


# --------------------------------------------------------------------------- encoding


def encode_list(items: list[str]) -> str:
    return "[" + ",".join([_quote(x) for x in items]) + "]" if items else "[]"


def encode_emails(emails: list[Email]) -> str:
    return (
        "["
        + ",".join([f"[{_quote(e.address)},{int(e.valid)},{int(e.role)}]" for e in emails])
        + "]"
    )


def encode_phones(phones: list[Phone]) -> str:
    """``[number, valid]`` per phone, plus ``display, original`` when it has
    them (files written before they existed decode with their defaults)."""
    return (
        "["
        + ",".join(
            [
                f"[{_quote(p.number)},{int(p.valid)},{_quote(p.display)},{_quote(p.original)}]"
                if p.display or p.original
                else f"[{_quote(p.number)},{int(p.valid)}]"
                for p in phones
            ]
        )
        + "]"
    )


def encode_labels(labels: list[str], website: str, city: str) -> str:
    """The labels column: the source's labels, then the person's website and
    city as one object when there are any (older files have none)."""
    if not website and not city:
        return encode_list(labels)
    extra = f'{{"website":{_quote(website)},"city":{_quote(city)}}}'
    return "[" + ",".join([*[_quote(x) for x in labels], extra]) + "]"


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


def search_words(name: str, org: str, title: str, emails: list[Email]) -> str:
    """What the search column holds for a contact with these fields."""
    parts = [p for p in (name, org, title, *[e.address for e in emails]) if p]
    text = " ".join(parts)
    if text.isascii():
        return text.lower()
    # Folded part by part (the same text: nothing folds across a space), so
    # that the addresses, ASCII as a rule, skip the decomposition.
    return " ".join([fold(p) for p in parts])


def encode_row(key: str, record: Record, sources: str) -> Row:
    """The Row of ``record`` stored under ``key`` (``sources``: its encoded
    provenance, see :func:`encode_source_parts`)."""
    emails = record.emails
    return (
        key,
        record.name,
        record.given,
        record.family,
        record.org,
        record.title,
        encode_emails(emails),
        encode_phones(record.phones),
        record.notes,
        encode_labels(record.labels, record.website, record.city),
        sources,
        search_words(record.name, record.org, record.title, emails),
        record.flags,
        record.connected_on,
        record.invited_on,
        record.profile_url,
    )


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
    """The parameters of :data:`INSERT_SQL` for ``c`` (an id of 0 lets SQLite
    choose one); ``rank`` is its place in the event walk."""
    return (c.id or None, deck_id, *encode_row(c.key, c, encode_sources(c.sources)), rank)


def data_columns(c: Contact) -> tuple[Any, ...]:
    """The imported data of a contact, encoded, in the column order shared by
    the INSERT and the UPDATE (name … profile_url)."""
    return encode_row(c.key, c, encode_sources(c.sources))[1:]


# --------------------------------------------------------------------------- decoding


def _contact(
    contact_id: int,
    deck_id: int,
    key: str,
    name: str,
    given: str,
    family: str,
    org: str,
    title: str,
    lists: list[Any],
    notes: str,
    flags: int,
    decision: str,
    decided_at: str,
    note: str,
    connected_on: str,
    invited_on: str,
    profile_url: str,
    exported_at: str,
) -> Contact:
    """A Contact from its columns, ``lists`` being the four JSON list columns
    already parsed (emails, phones, labels, sources)."""
    emails, phones, labels, sources = lists
    extra = labels.pop() if labels and labels[-1].__class__ is dict else None
    contact = Contact(
        contact_id,
        deck_id,
        key,
        name,
        given,
        family,
        org,
        title,
        [Email(a, bool(v), bool(r)) for a, v, r in emails],
        [
            Phone(p[0], p[1] == 1) if len(p) == 2 else Phone(p[0], p[1] == 1, p[2], p[3])
            for p in phones
        ],
        notes,
        labels,
        [Source(f, ln, imp, path) for f, ln, imp, path in sources],
        flags,
        decision,
        decided_at,
        note,
        connected_on,
        invited_on,
        profile_url,
        exported_at,
    )
    if extra is not None:
        contact.website = extra.get("website", "")
        contact.city = extra.get("city", "")
    if flags & _GUESSED and _placeholder(contact):
        contact.name = ""
        contact.flags = flags & ~_GUESSED
    return contact


# Earlier versions stored a person without a name under a placeholder (the
# organisation, the first phone, or this), flagged as guessed: such a name
# reads as no name.
_GUESSED = FLAG_BITS["name_guessed"]
_NO_NAME = "(no name)"


def _placeholder(c: Contact) -> bool:
    name = c.name
    return name == _NO_NAME or name == c.org or bool(c.phones and name == c.phones[0].number)


_UPLOAD_NAME = (
    f"CASE WHEN flags & {_GUESSED} AND (name = '{_NO_NAME}' OR name = org"
    " OR name = json_extract(phones, '$[0][0]')) THEN '' ELSE name END"
)


def decode_contacts(rows: Sequence[Sequence[Any]]) -> list[Contact]:
    """Contacts (without tags) from rows of ``SELECT CONTACT_COLUMNS``."""
    if not rows:
        return []
    blobs = json.loads("[" + ",".join([r[17] for r in rows]) + "]")
    return [
        _contact(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            lists,
            row[8],
            row[9],
            row[10],
            row[11],
            row[12],
            row[13],
            row[14],
            row[15],
            row[16],
        )
        for row, lists in zip(rows, blobs, strict=True)
    ]


def decode_row(row: Row, contact_id: int = 0, deck_id: int = 0) -> Contact:
    """The Contact a :data:`Row` stores (undecided, without tags)."""
    (key, name, given, family, org, title, emails, phones, notes, labels, sources,
     _search, flags, connected_on, invited_on, profile_url) = row  # fmt: skip
    lists = json.loads(f"[{emails},{phones},{labels},{sources}]")
    return _contact(
        contact_id, deck_id, key, name, given, family, org, title, lists, notes, flags,
        UNDECIDED, "", "", connected_on, invited_on, profile_url, "",
    )  # fmt: skip


# What an upload file (LinkedIn's format) and its plan read of a contact:
# the name parts, the emails, the flags and the decision's time.  The other
# fields of the contacts decoded from it stay empty.
UPLOAD_COLUMNS = f"id, {_UPLOAD_NAME}, given, family, flags, decided_at, emails"


def decode_upload(rows: Sequence[Sequence[Any]], deck_id: int, decision: str) -> list[Contact]:
    """Contacts (all with ``decision``) from rows of ``SELECT UPLOAD_COLUMNS``:
    only the fields an upload file is made of are filled (no phones, notes,
    labels, sources)."""
    if not rows:
        return []
    blobs = json.loads("[" + ",".join([r[6] for r in rows]) + "]")
    return [
        Contact(
            contact_id,
            deck_id,
            "",
            name,
            given,
            family,
            "",
            "",
            [Email(a, bool(v), bool(r)) for a, v, r in emails],
            [],
            "",
            [],
            [],
            flags,
            decision,
            decided_at,
        )
        for (contact_id, name, given, family, flags, decided_at, _), emails in zip(
            rows, blobs, strict=True
        )
    ]
