"""Buffered writes of one import, inside its transaction."""

from __future__ import annotations

import json
import sqlite3

from triage.model import Contact
from triage.store.codec import (
    CONTACT_COLUMNS,
    INSERT_SQL,
    UPDATE_SQL,
    Row,
    data_columns,
    decode_contacts,
    decode_row,
    insert_row,
)


def read_contact(conn: sqlite3.Connection, contact_id: int) -> Contact:
    """One contact (without tags); KeyError when there is none."""
    row = conn.execute(f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?", (contact_id,))
    found = decode_contacts(row.fetchall())
    if not found:
        raise KeyError(contact_id)
    return found[0]


class ContactWriter:
    """Buffered writes for one import, inside its transaction.

    Ids are handed out here so new contacts can be written in batches
    (``executemany``) and still be found by later records of the same import:
    a record that merges into a contact still in the buffer changes the
    buffered object itself.  A new contact comes as a :class:`Contact` or as
    a :data:`Row` already encoded; a buffered row becomes a Contact only when
    a later record merges into it (:meth:`get`).  Contacts of earlier imports
    that records merge into are held too, and written back once per batch:
    a person met thousands of times is decoded and encoded once a batch,
    not once a record.
    """

    BATCH = 2000

    def __init__(self, conn: sqlite3.Connection, deck_id: int) -> None:
        self.conn = conn
        self.deck_id = deck_id
        self.next_id = int(
            conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM contacts").fetchone()[0]
        )
        self.pending: dict[int, tuple[Contact | Row, int]] = {}
        self.held: dict[int, Contact] = {}  # earlier contacts read for a merge
        self.dirty: set[int] = set()  # … and changed by it

    def add(self, contact: Contact | Row, rank: int) -> int:
        contact_id = self.next_id
        self.next_id = contact_id + 1
        if isinstance(contact, Contact):
            contact.id = contact_id
        self.pending[contact_id] = (contact, rank)
        if len(self.pending) >= self.BATCH:
            self.flush()
        return contact_id

    def get(self, contact_id: int) -> Contact:
        held = self.pending.get(contact_id)
        if held is None:
            contact = self.held.get(contact_id)
            if contact is None:
                if len(self.held) >= self.BATCH:
                    self.flush()
                contact = self.held[contact_id] = read_contact(self.conn, contact_id)
            return contact
        item, rank = held
        if isinstance(item, Contact):
            return item
        contact = decode_row(item, contact_id, self.deck_id)
        self.pending[contact_id] = (contact, rank)
        return contact

    def update(self, contact: Contact) -> None:
        """``contact`` (from :meth:`get`) changed: buffered ones are written
        as they are, held ones when the writer flushes."""
        if contact.id not in self.pending:
            self.held[contact.id] = contact
            self.dirty.add(contact.id)

    def set_region(self, region: str) -> None:
        """The deck's phone region from now on (``import --region``)."""
        self.conn.execute("UPDATE decks SET region = ? WHERE id = ?", (region, self.deck_id))

    def flagged(self, flag: int) -> list[Contact]:
        """The deck's people with this flag bit (read for an update: pass
        them to :meth:`update`)."""
        rows = self.conn.execute(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE deck_id = ? AND flags & ? ORDER BY id",
            (self.deck_id, flag),
        ).fetchall()
        contacts = decode_contacts(rows)
        for contact in contacts:
            self.held[contact.id] = contact
        return contacts

    def imported_files(self) -> dict[str, tuple[str, str]]:
        """Full path -> (file name, format) of every contact file the deck's
        earlier imports read, from their reports (the latest wins)."""
        files: dict[str, tuple[str, str]] = {}
        for (report,) in self.conn.execute(
            "SELECT report FROM imports WHERE deck_id = ? ORDER BY id", (self.deck_id,)
        ):
            try:
                data = json.loads(report)
            except ValueError:
                continue
            for f in data.get("files", []) if isinstance(data, dict) else []:
                if isinstance(f, dict) and isinstance(f.get("path"), str):
                    files[f["path"]] = (str(f.get("file", "")), str(f.get("format", "")))
        return files

    def flush(self) -> None:
        conn = self.conn
        if self.pending:
            deck_id = self.deck_id
            conn.executemany(
                INSERT_SQL,
                [
                    insert_row(deck_id, item, rank)
                    if isinstance(item, Contact)
                    else (contact_id, deck_id, *item, rank)
                    for contact_id, (item, rank) in self.pending.items()
                ],
            )
            self.pending.clear()
        if self.dirty:
            conn.executemany(
                UPDATE_SQL, [(*data_columns(self.held[i]), i) for i in sorted(self.dirty)]
            )
            self.dirty.clear()
        self.held.clear()
