"""Buffered writes of one import, inside its transaction."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from triage.model import Contact, Email, Phone
from triage.store.codec import INSERT_SQL, UPDATE_SQL, Row, data_columns, decode_sources, insert_row

if TYPE_CHECKING:
    from triage.store import Store


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

    def __init__(self, store: Store, deck_id: int) -> None:
        self.store = store
        self.deck_id = deck_id
        self.next_id = int(
            store.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM contacts").fetchone()[0]
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
                contact = self.held[contact_id] = self.store.contact(contact_id, with_tags=False)
            return contact
        item, rank = held
        if isinstance(item, Contact):
            return item
        contact = self._decode(contact_id, item)
        self.pending[contact_id] = (contact, rank)
        return contact

    def _decode(self, contact_id: int, row: Row) -> Contact:
        (key, name, given, family, org, title, emails, phones, notes, labels, sources,
         _search, flags, connected_on, invited_on, profile_url) = row  # fmt: skip
        return Contact(
            id=contact_id,
            deck_id=self.deck_id,
            key=key,
            name=name,
            given=given,
            family=family,
            org=org,
            title=title,
            emails=[Email(a, bool(v), bool(r)) for a, v, r in json.loads(emails)],
            phones=[Phone(n, bool(v)) for n, v in json.loads(phones)],
            notes=notes,
            labels=json.loads(labels),
            sources=decode_sources(sources),
            flags=flags,
            connected_on=connected_on,
            invited_on=invited_on,
            profile_url=profile_url,
        )

    def update(self, contact: Contact) -> None:
        """``contact`` (from :meth:`get`) changed: buffered ones are written
        as they are, held ones when the writer flushes."""
        if contact.id not in self.pending:
            self.held[contact.id] = contact
            self.dirty.add(contact.id)

    def flush(self) -> None:
        conn = self.store.conn
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
