"""Reading the invited people of a deck for an export, all at once.

An export of 100,000 people must cost a few times what writing the file
costs, so this read takes the short way: one query, the JSON of a batch of
rows decoded by one ``json.loads``, the rows sorted in Python (SQLite's
sorter would copy every row once more), the tags of the whole deck read by
one query, and for an upload file only the columns it is made of
(:data:`~triage.store.codec.UPLOAD_COLUMNS`).
"""

from __future__ import annotations

import json
import sqlite3
from operator import attrgetter

from triage.model import INVITE, Contact
from triage.store.codec import CONTACT_COLUMNS, UPLOAD_COLUMNS, decode_contacts, decode_upload

_BATCH = 2000
_DECISION_ORDER = attrgetter("decided_at", "id")


def read_invited(
    conn: sqlite3.Connection, deck_id: int, *, upload_only: bool = False, tags: bool = True
) -> list[Contact]:
    """Every invited person of the deck, oldest decision first (decided_at,
    then id).  ``upload_only``: only what an upload file holds (names,
    emails, flags, decision time); ``tags``: fill in the tags."""
    columns = UPLOAD_COLUMNS if upload_only else CONTACT_COLUMNS
    cursor = conn.execute(
        f"SELECT {columns} FROM contacts WHERE deck_id = ? AND decision = ?", (deck_id, INVITE)
    )
    people: list[Contact] = []
    while rows := cursor.fetchmany(_BATCH):
        people += decode_upload(rows, deck_id, INVITE) if upload_only else decode_contacts(rows)
    people.sort(key=_DECISION_ORDER)
    if tags and people:
        _fill_tags(conn, deck_id, people)
    return people


def _fill_tags(conn: sqlite3.Connection, deck_id: int, people: list[Contact]) -> None:
    """Every (person, tag) pair of the deck in one JSON array of ids (one
    C call turns it into integers), the names by tag id, tags in the order
    they were created."""
    names = dict(conn.execute("SELECT id, name FROM tags WHERE deck_id = ?", (deck_id,)))
    if not names:
        return
    (pairs,) = conn.execute(
        "SELECT '[' || COALESCE(group_concat(contact_id || ',' || tag_id), '') || ']'"
        " FROM (SELECT ct.contact_id, ct.tag_id FROM contact_tags ct JOIN tags t"
        " ON t.id = ct.tag_id WHERE t.deck_id = ? ORDER BY ct.tag_id)",
        (deck_id,),
    ).fetchone()
    by_id = {c.id: c for c in people}
    numbers = iter(json.loads(pairs))
    for contact_id, tag_id in zip(numbers, numbers, strict=True):
        person = by_id.get(contact_id)
        if person is not None:  # skipped and undecided people have tags too
            person.tags.append(names[tag_id])
