"""Decide which cleaned records are the same person, and merge them.

Records sharing a casefolded email are one person, across every file of the
deck.  Records sharing an E.164 phone are one person only when their names are
compatible: an office switchboard must not fuse a whole company.  Records with
neither match on their stable key (name + organisation).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable

from triage.model import FLAG_BITS, Contact, Email, Phone, Source
from triage.normalize import Person, email_key, name_key, names_compatible
from triage.rows import Row, encode_emails, encode_list, encode_phones, search_words

# Flags that describe the contact's data and are recomputed after a merge.
_DERIVED = (
    FLAG_BITS["no_email"]
    | FLAG_BITS["invalid_email"]
    | FLAG_BITS["role_address"]
    | FLAG_BITS["phone_unparsed"]
    | FLAG_BITS["connected"]
    | FLAG_BITS["merged"]
)


def stable_key(person: Person) -> str:
    """Casefolded primary email; else E.164 primary phone; else a hash of the
    normalised name and organisation (DESIGN §4)."""
    for email in person.emails:
        if email.valid:
            return email_key(email.address)
    for phone in person.phones:
        if phone.valid:
            return phone.number
    return "h:" + name_org_hash(person.name, person.org)


def name_org_hash(name: str, org: str) -> str:
    text = name_key(name) + "|" + name_key(org)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


# A cleaned record as the import's worker processes hand it over: (line,
# casefolded emails, valid phone numbers, name + organisation hash when the
# record has neither, Row).  Plain tuples: they cross a pipe ~10x cheaper
# than dataclasses.  The Row's key is stable_key(); the main process only
# looks the keys up, and rebuilds the Person (person_of) for the ~5 % that
# merge into someone.
Entry = tuple[int, tuple[str, ...], tuple[str, ...], str | None, Row]
ROW_NAME = 1
ROW_FLAGS = 12
_GUESSED = FLAG_BITS["name_guessed"]


def prepare(person: Person, sources: str) -> Entry:
    """``person`` as an Entry whose Row is what :func:`new_contact` would
    store (``sources``: its encoded provenance)."""
    emails = person.emails
    email_keys = tuple([email_key(e.address) for e in emails])
    phones = tuple([p.number for p in person.phones if p.valid])
    name_hash = None
    for email, k in zip(emails, email_keys, strict=True):
        if email.valid:
            key = k
            break
    else:
        if phones:
            key = phones[0]
        else:
            digest = name_org_hash(person.name, person.org)
            key = "h:" + digest
            if not emails:
                name_hash = digest
    row = (
        key,
        person.name,
        person.given,
        person.family,
        person.org,
        person.title,
        encode_emails(emails),
        encode_phones(person.phones),
        person.notes,
        encode_list(person.labels),
        sources,
        search_words(person.name, person.org, person.title, emails),
        person.flags,
        person.connected_on,
        person.invited_on,
        person.profile_url,
    )
    return person.line, email_keys, phones, name_hash, row


def person_of(line: int, row: Row) -> Person:
    """The Person an Entry was prepared from."""
    return Person(
        line,
        "contact",
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        [Email(a, bool(v), bool(r)) for a, v, r in json.loads(row[6])],
        [Phone(n, bool(v)) for n, v in json.loads(row[7])],
        row[8],
        json.loads(row[9]),
        row[13],
        row[14],
        row[15],
        row[12],
    )


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
    Beyond that they move to two tables of SQLite's temporary database on
    the import's connection, whose pages are held to the temp cache and
    spill to an unlinked temporary file: an import's memory stays flat
    however large the file (in dicts a million-row file took ~450 MiB).
    Spilled, records are matched a batch at a time (:meth:`absorb`): every
    key the batch can look up is fetched with one query, the batch is
    matched in order against that view (which new people and merges update
    as they go), and the new keys are written with one ``executemany``.
    """

    SPILL = 200_000
    CACHE_KIB = 16 * 1024  # SQLite's page cache for the tables, once spilled

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.spilled = False
        # All the keys, or once spilled the current batch's view of them.
        self._one: dict[str, int] = {}
        self._holders: dict[str, list[tuple[int, str]]] = {}
        # Spilled: the keys the batch looked up, and the rows to write.
        self._asked: set[str] = set()
        self._asked_phones: set[str] = set()
        self._new_one: list[tuple[str, int]] = []
        self._new_phones: list[tuple[str, int, str]] = []

    def load(self, deck_id: int) -> None:
        """Index the people already in the deck, in the order they were
        first indexed (by id; emails and phones in their stored order)."""
        conn = self.conn
        conn.create_function("triage_email_key", 1, email_key, deterministic=True)
        conn.create_function("triage_name_hash", 2, name_org_hash, deterministic=True)
        (people,) = conn.execute("SELECT COUNT(*) FROM contacts WHERE deck_id = ?", (deck_id,))
        if people[0] * 2 > self.SPILL:
            self._spill()
            for select in _LOAD_ONE:
                conn.execute("INSERT OR IGNORE INTO temp.merge_one (key, id) " + select, (deck_id,))
            conn.execute(
                "INSERT OR IGNORE INTO temp.merge_phone (number, id, name) " + _LOAD_PHONES,
                (deck_id,),
            )
            return
        one, holders = self._one, self._holders
        for select in _LOAD_ONE:
            for key, cid in conn.execute(select, (deck_id,)):
                one.setdefault(key, cid)
        for number, cid, name in conn.execute(_LOAD_PHONES, (deck_id,)):
            held = holders.setdefault(number, [])
            if all(c != cid for c, _ in held):
                held.append((cid, name))

    def _spill(self) -> None:
        """Move the keys from the dicts to the temporary tables."""
        conn = self.conn
        conn.execute(f"PRAGMA temp.cache_size = {-self.CACHE_KIB}")
        for sql in _MERGE_TABLES:
            conn.execute(sql)
        conn.executemany(_INSERT_ONE, self._one.items())
        conn.executemany(
            _INSERT_PHONE,
            ((n, cid, name) for n, held in self._holders.items() for cid, name in held),
        )
        self._one, self._holders = {}, {}
        self.spilled = True

    def close(self) -> None:
        """The import is over: let the indexes go."""
        if self.spilled:
            self.flush()
            self.conn.execute("DROP TABLE IF EXISTS temp.merge_one")
            self.conn.execute("DROP TABLE IF EXISTS temp.merge_phone")
        self._one, self._holders = {}, {}

    # -- one batch -----------------------------------------------------------

    def _fetch(self, one: list[str], phones: list[str]) -> None:
        """Spilled: make the batch's view of the tables for these keys."""
        self.flush()
        conn = self.conn
        self._asked = set(one)
        self._one = (
            dict(conn.execute(_SELECT_ONE, (json.dumps(one, ensure_ascii=False),))) if one else {}
        )
        self._asked_phones = set(phones)
        holders: dict[str, list[tuple[int, str]]] = {}
        if phones:
            for number, cid, name in conn.execute(
                _SELECT_PHONES, (json.dumps(phones, ensure_ascii=False),)
            ):
                holders.setdefault(number, []).append((cid, name))
        self._holders = holders

    def flush(self) -> None:
        """Write the keys added since the last flush (spilled only)."""
        if self.spilled:
            if self._new_one:
                self.conn.executemany(_INSERT_ONE, self._new_one)
            if self._new_phones:
                self.conn.executemany(_INSERT_PHONE, self._new_phones)
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
        if _name_matched(contact.emails, contact.phones):
            self._put("n" + name_org_hash(contact.name, contact.org), contact_id)

    def absorb(
        self,
        entries: list[Entry],
        add: Callable[[Row], int],
        merge: Callable[[int, int, Row], None],
    ) -> int:
        """Match prepared Entries in order: a new person's Row (its key made
        unique) goes to ``add``, which returns its id, and is indexed; a
        record of someone known goes to ``merge(id, line, row)``, which folds
        it in and calls :meth:`index`.  Returns how many were new.  (One loop
        here: this runs for every record of a big import, in the process that
        also writes them.)"""
        if not self.spilled and len(self._one) + len(self._holders) > self.SPILL:
            self._spill()
        if self.spilled:
            wanted: list[str] = []
            wanted_phones: list[str] = []
            for _line, email_keys, phones, name_hash, row in entries:
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
        one, holders, new_one, new_phones = (
            self._one,
            self._holders,
            self._new_one,
            self._new_phones,
        )
        new = 0
        for line, email_keys, phones, name_hash, row in entries:
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
                merge(found, line, row)
                continue
            key = row[0]
            plain = "@" in key and "#" not in key  # taken exactly when its email is
            if not plain and "k" + key in one:
                row = (self._unique_key(key), *row[1:])
            contact_id = add(row)
            new += 1
            if not plain:
                self._put("k" + row[0], contact_id)
            for k in email_keys:
                e = "e" + k
                if e not in one:
                    one[e] = contact_id
                    new_one.append((e, contact_id))
            for number in phones:
                held = holders.get(number)
                if held is None:
                    holders[number] = [(contact_id, row[ROW_NAME])]
                elif any(cid == contact_id for cid, _ in held):
                    continue
                else:
                    held.append((contact_id, row[ROW_NAME]))
                new_phones.append((number, contact_id, row[ROW_NAME]))
            if name_hash is not None:
                n = "n" + name_hash
                if n not in one:
                    one[n] = contact_id
                    new_one.append((n, contact_id))
        self.flush()
        return new

    def _match_phones(self, phones: tuple[str, ...], name: str, flags: int) -> int | None:
        guessed = bool(flags & _GUESSED)
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
            if not self.spilled or self.conn.execute(_HAS_ONE, (k,)).fetchone() is None:
                return candidate


_MERGE_TABLES = (
    "DROP TABLE IF EXISTS temp.merge_one",
    "DROP TABLE IF EXISTS temp.merge_phone",
    "CREATE TEMP TABLE merge_one (key TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TEMP TABLE merge_phone (seq INTEGER PRIMARY KEY, number TEXT NOT NULL,"
    " id INTEGER NOT NULL, name TEXT NOT NULL, UNIQUE (number, id))",
)
# A deck's people as keys, in the order they were indexed.
_LOAD_ONE = (
    "SELECT 'e' || triage_email_key(json_extract(j.value, '$[0]')), c.id"
    " FROM contacts c, json_each(c.emails) j WHERE c.deck_id = ? ORDER BY c.id, j.key",
    "SELECT 'n' || triage_name_hash(c.name, c.org), c.id FROM contacts c"
    " WHERE c.deck_id = ? AND c.emails = '[]' AND NOT EXISTS"
    " (SELECT 1 FROM json_each(c.phones) j WHERE json_extract(j.value, '$[1]'))"
    " ORDER BY c.id",
    "SELECT 'k' || c.key, c.id FROM contacts c"
    " WHERE c.deck_id = ? AND (instr(c.key, '@') = 0 OR instr(c.key, '#') > 0)",
)
_LOAD_PHONES = (
    "SELECT json_extract(j.value, '$[0]'), c.id, c.name"
    " FROM contacts c, json_each(c.phones) j"
    " WHERE c.deck_id = ? AND json_extract(j.value, '$[1]') ORDER BY c.id, j.key"
)
_SELECT_ONE = "SELECT key, id FROM temp.merge_one WHERE key IN (SELECT value FROM json_each(?))"
_SELECT_PHONES = (
    "SELECT number, id, name FROM temp.merge_phone"
    " WHERE number IN (SELECT value FROM json_each(?)) ORDER BY seq"
)
_INSERT_ONE = "INSERT OR IGNORE INTO temp.merge_one (key, id) VALUES (?, ?)"
_INSERT_PHONE = "INSERT OR IGNORE INTO temp.merge_phone (number, id, name) VALUES (?, ?, ?)"
_HAS_ONE = "SELECT 1 FROM temp.merge_one WHERE key = ?"


def _name_matched(emails: list[Email], phones: list[Phone]) -> bool:
    """People with no email and no usable phone can only be recognised by
    name and organisation."""
    return not emails and not any(p.valid for p in phones)


def new_contact(person: Person, key: str, source: Source) -> Contact:
    contact = Contact(
        id=0,
        deck_id=0,
        key=key,
        name=person.name,
        given=person.given,
        family=person.family,
        org=person.org,
        title=person.title,
        emails=list(person.emails),
        phones=list(person.phones),
        notes=person.notes,
        labels=list(person.labels),
        sources=[source],
        flags=person.flags,
        connected_on=person.connected_on,
        invited_on=person.invited_on,
        profile_url=person.profile_url,
    )
    return contact


def merge_into(contact: Contact, person: Person, source: Source, owner: Merger) -> str:
    """Fold ``person`` into ``contact`` in place.

    Returns ``"merged"`` when the record is another record of this person,
    ``"updated"`` when it is a newer copy of a record seen before that changed
    something, ``"unchanged"`` when it added nothing.  Costs what the record
    brings, not what the contact already holds: a person found 20,000 times
    in one file merges in linear time.
    """
    before = _fingerprint(contact)
    seen_before, sources_changed = _add_source(contact, source)

    known = {email_key(e.address) for e in contact.emails}
    added_email = False
    for email in person.emails:
        k = email_key(email.address)
        if k in known:
            continue
        holder = owner.email_holder(k)
        if holder is not None and holder != contact.id:
            continue  # someone else's address
        known.add(k)
        contact.emails.append(email)
        added_email = True
    if added_email:  # an upload uses the first valid email: keep valid ones first
        contact.emails.sort(key=lambda e: not e.valid)
    numbers = {p.number for p in contact.phones}
    for phone in person.phones:
        if phone.number not in numbers:
            numbers.add(phone.number)
            contact.phones.append(phone)

    if contact.flags & FLAG_BITS["name_guessed"] and not person.flags & FLAG_BITS["name_guessed"]:
        contact.name, contact.given, contact.family = person.name, person.given, person.family
        contact.flags &= ~FLAG_BITS["name_guessed"]
    if not contact.given and not contact.family:
        contact.given, contact.family = person.given, person.family
    contact.org = contact.org or person.org
    contact.title = contact.title or person.title
    if person.notes and person.notes not in contact.notes:
        contact.notes = f"{contact.notes}\n{person.notes}" if contact.notes else person.notes
    for label in person.labels:
        if label not in contact.labels:
            contact.labels.append(label)
    contact.connected_on = contact.connected_on or person.connected_on
    contact.invited_on = contact.invited_on or person.invited_on
    contact.profile_url = contact.profile_url or person.profile_url
    refresh_flags(contact)

    if not sources_changed and _fingerprint(contact) == before:
        return "unchanged"
    return "updated" if seen_before else "merged"


class _FileLines:
    """A contact's sources from one file, by line, and how many of them the
    newest import seen here read (so an import need not rescan them)."""

    __slots__ = ("by_line", "current", "import_id")

    def __init__(self, sources: list[Source], import_id: int) -> None:
        self.by_line = {s.line: s for s in sources}
        self.import_id = import_id
        self.current = sum(1 for s in sources if s.import_id == import_id)


def _add_source(contact: Contact, source: Source) -> tuple[bool, bool]:
    """Add provenance; a newer export of the same file replaces the older
    import's lines.  Returns whether this file was imported before, and
    whether the list of (file, line) changed."""
    files = contact.source_index
    if files is None:
        grouped: dict[str, list[Source]] = {}
        for s in contact.sources:
            grouped.setdefault(s.path, []).append(s)
        files = contact.source_index = {
            path: _FileLines(group, source.import_id) for path, group in grouped.items()
        }
    lines = files.get(source.path)
    if lines is None:
        contact.sources.append(source)
        files[source.path] = _FileLines([source], source.import_id)
        return False, True
    if lines.import_id != source.import_id:  # the first record of this import here
        lines.import_id = source.import_id
        lines.current = sum(1 for s in lines.by_line.values() if s.import_id == source.import_id)
    same = lines.by_line.get(source.line)
    if same is not None:
        if same.import_id != source.import_id:
            same.import_id = source.import_id
            lines.current += 1
        return True, False
    older = len(lines.by_line) - lines.current
    if older:  # lines an earlier import read from this file: gone from the new export
        gone = {id(s) for s in lines.by_line.values() if s.import_id != source.import_id}
        contact.sources = [s for s in contact.sources if id(s) not in gone]
        lines.by_line = {n: s for n, s in lines.by_line.items() if id(s) not in gone}
    contact.sources.append(source)
    lines.by_line[source.line] = source
    lines.current = len(lines.by_line)
    return bool(older), True


def refresh_flags(contact: Contact) -> None:
    flags = contact.flags & ~_DERIVED
    if not any(e.valid for e in contact.emails):
        flags |= FLAG_BITS["no_email"]
    if any(not e.valid for e in contact.emails):
        flags |= FLAG_BITS["invalid_email"]
    if any(e.role for e in contact.emails):
        flags |= FLAG_BITS["role_address"]
    if any(not p.valid for p in contact.phones):
        flags |= FLAG_BITS["phone_unparsed"]
    if contact.connected_on:
        flags |= FLAG_BITS["connected"]
    if len(contact.sources) > 1:  # each (file, line) once: see _add_source
        flags |= FLAG_BITS["merged"]
    contact.flags = flags


def _fingerprint(c: Contact) -> tuple[object, ...]:
    return (
        c.name,
        c.given,
        c.family,
        c.org,
        c.title,
        [(e.address, e.valid, e.role) for e in c.emails],
        [(p.number, p.valid) for p in c.phones],
        c.notes,
        list(c.labels),
        c.flags,
        c.connected_on,
        c.invited_on,
        c.profile_url,
    )
