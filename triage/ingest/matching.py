"""Who is who in a deck while an import runs: the indexes that match an
incoming record to a person already met (see :class:`Merger`)."""

from __future__ import annotations

from collections.abc import Callable

from triage.ingest.merge import Entry, name_matched, name_org_hash
from triage.ingest.names import names_compatible
from triage.ingest.normalize import email_key
from triage.model import FLAG_BITS, Contact
from triage.store.codec import ROW_FLAGS, ROW_NAME, Row
from triage.store.merge_index import MergeIndex

GUESSED = FLAG_BITS["name_guessed"]


class Merger:
    """Who is who in a deck while an import runs: emails, phones, name +
    organisation hashes and stable keys → contact id.

    Keys (one holder each, the first keeps it): ``e`` + casefolded email,
    ``n`` + name and organisation hash (people with no email and no valid
    phone), ``k`` + stable key when the key is not a plain email (a phone, a
    hash, a key made unique with ``#n``); a plain-email key is taken exactly
    when its ``e`` key is.  Phones have every holder in order, with the name
    it had then: a shared number only merges people whose names are
    compatible.

    Up to :attr:`SPILL` keys live in Python dicts (the fastest lookups).
    Beyond that they move to SQLite (:class:`MergeIndex`, which holds them
    in its temporary database and reads the deck's stored people): an
    import's memory stays flat however large the file (in dicts a
    million-row file took ~450 MiB).
    Spilled, records are matched a batch at a time (:meth:`absorb`): every
    key the batch can look up is fetched with one query, the batch is
    matched in order against that view (which new people and merges update
    as they go), and the new keys are written with one ``executemany``.
    """

    SPILL = 200_000
    CACHE_KIB = 16 * 1024  # SQLite's page cache for the tables, once spilled

    def __init__(self, index: MergeIndex) -> None:
        self.stored = index
        self.spilled = False
        # All the keys, or once spilled the current batch's view of them.
        self._one: dict[str, int] = {}
        self._holders: dict[str, list[tuple[int, str]]] = {}
        # Spilled: the keys the batch looked up, and the rows to write.
        self._asked: set[str] = set()
        self._asked_phones: set[str] = set()
        self._new_one: list[tuple[str, int]] = []
        self._new_phones: list[tuple[str, int, str]] = []

    def load(self) -> None:
        """Index the people already in the deck, in the order they were
        first indexed (by id; emails and phones in their stored order)."""
        stored = self.stored
        if stored.people() * 2 > self.SPILL:
            stored.spill((), (), self.CACHE_KIB, from_deck=True)
            self.spilled = True
            return
        one, holders = self._one, self._holders
        for key, cid in stored.deck_keys():
            one.setdefault(key, cid)
        for number, cid, name in stored.deck_phones():
            held = holders.setdefault(number, [])
            if all(c != cid for c, _ in held):
                held.append((cid, name))

    def _spill(self) -> None:
        """Move the keys from the dicts to SQLite."""
        self.stored.spill(
            self._one.items(),
            ((n, cid, name) for n, held in self._holders.items() for cid, name in held),
            self.CACHE_KIB,
        )
        self._one, self._holders = {}, {}
        self.spilled = True

    def close(self) -> None:
        """The import is over: let the indexes go."""
        if self.spilled:
            self.flush()
            self.stored.close()
        self._one, self._holders = {}, {}

    # -- one batch -----------------------------------------------------------

    def _fetch(self, one: list[str], phones: list[str]) -> None:
        """Spilled: make the batch's view of the stored keys."""
        self.flush()
        self._asked = set(one)
        self._asked_phones = set(phones)
        self._one, self._holders = self.stored.fetch(one, phones)

    def flush(self) -> None:
        """Write the keys added since the last flush (spilled only)."""
        if self.spilled and (self._new_one or self._new_phones):
            self.stored.write(self._new_one, self._new_phones)
        self._new_one.clear()  # in place: absorb() holds these lists
        self._new_phones.clear()

    def _put(self, key: str, contact_id: int) -> None:
        """``key`` → ``contact_id`` unless the key has a holder already."""
        if not self.spilled or key in self._asked:  # the view is authoritative
            if key in self._one:
                return
            self._one[key] = contact_id
        self._new_one.append((key, contact_id))  # INSERT OR IGNORE

    def _put_phone(self, number: str, contact_id: int, name: str) -> None:
        if self.spilled and number not in self._asked_phones:
            # Not in this batch's records: an older number of this person,
            # indexed when it was added.
            return
        held = self._holders.get(number)
        if held is None:
            self._holders[number] = [(contact_id, name)]
        elif any(cid == contact_id for cid, _ in held):
            return
        else:
            held.append((contact_id, name))
        self._new_phones.append((number, contact_id, name))

    def email_holder(self, key: str) -> int | None:
        """Who holds this casefolded email (one of the current batch's)."""
        return self._one.get("e" + key)

    def index(self, contact_id: int, contact: Contact) -> None:
        """Index what a merge may have added to ``contact``: its emails and
        phones from the current batch, and its name + organisation."""
        for email in contact.emails:
            k = "e" + email_key(email.address)
            if not self.spilled or k in self._asked:  # else indexed when it was added
                self._put(k, contact_id)
        for phone in contact.phones:
            if phone.valid:
                self._put_phone(phone.number, contact_id, contact.name)
        if name_matched(contact.emails, contact.phones):
            self._put("n" + name_org_hash(contact.name, contact.org), contact_id)

    def absorb(
        self,
        entries: list[Entry],
        add: Callable[[Row], int],
        merge: Callable[[int, Row], None],
    ) -> int:
        """Match prepared Entries in order: a new person's Row (its key made
        unique) goes to ``add``, which returns its id, and is indexed; a
        record of someone known goes to ``merge(id, row)``, which folds
        it in and calls :meth:`index`.  Returns how many were new.  (One loop
        here: this runs for every record of a big import, in the process that
        also writes them.)"""
        if not self.spilled and len(self._one) + len(self._holders) > self.SPILL:
            self._spill()
        if self.spilled:
            wanted: list[str] = []
            wanted_phones: list[str] = []
            for _, email_keys, phones, name_hash, row in entries:
                for k in email_keys:
                    wanted.append("e" + k)
                if phones:
                    wanted_phones.extend(phones)
                if name_hash is not None:
                    wanted.append("n" + name_hash)
                key = row[0]
                if "@" not in key or "#" in key:
                    wanted.append("k" + key)
            self._fetch(wanted, wanted_phones)
        one, put = self._one, self._put
        new = 0
        for _, email_keys, phones, name_hash, row in entries:
            found = None
            for k in email_keys:
                found = one.get("e" + k)
                if found is not None:
                    break
            if found is None and phones:
                found = self._match_phones(phones, row[ROW_NAME], row[ROW_FLAGS])
            if found is None and name_hash is not None:
                found = one.get("n" + name_hash)
            if found is not None:
                merge(found, row)
                continue
            key = row[0]
            plain = "@" in key and "#" not in key  # taken exactly when its email is
            if not plain and "k" + key in one:
                row = (self._unique_key(key), *row[1:])
            contact_id = add(row)
            new += 1
            if not plain:
                put("k" + row[0], contact_id)
            for k in email_keys:
                put("e" + k, contact_id)
            for number in phones:
                self._put_phone(number, contact_id, row[ROW_NAME])
            if name_hash is not None:
                put("n" + name_hash, contact_id)
        self.flush()
        return new

    def _match_phones(self, phones: tuple[str, ...], name: str, flags: int) -> int | None:
        guessed = bool(flags & GUESSED)
        for number in phones:
            holders = self._holders.get(number)
            if holders:
                compatible = [
                    cid for cid, held in holders if guessed or names_compatible(held, name)
                ]
                if len(compatible) == 1 or (compatible and not guessed):
                    return compatible[0]
        return None

    def _unique_key(self, key: str) -> str:
        """``key#2``, ``key#3``… the first no one holds (rare: two people
        sharing a phone or a name without being one)."""
        self.flush()
        n = 1
        while True:
            n += 1
            candidate = f"{key}#{n}"
            k = "k" + candidate
            if k in self._one:
                continue
            if not self.spilled or not self.stored.has(k):
                return candidate
