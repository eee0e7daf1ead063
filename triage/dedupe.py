"""Decide which cleaned records are the same person, and merge them.

Records sharing a casefolded email are one person, across every file of the
deck.  Records sharing an E.164 phone are one person only when their names are
compatible: an office switchboard must not fuse a whole company.  Records with
neither match on their stable key (name + organisation).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from triage.model import FLAG_BITS, Contact, Email, Phone, Source
from triage.normalize import Person, email_key, name_key, names_compatible
from triage.store import Row, encode_emails, encode_list, encode_phones, search_words

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
    """In-memory indexes of a deck's people, for matching incoming records."""

    def __init__(self) -> None:
        self.by_email: dict[str, int] = {}
        self.by_phone: dict[str, list[tuple[int, str]]] = {}
        self.by_name: dict[str, int] = {}
        self.keys: set[str] = set()

    def add(self, contact: Contact) -> None:
        self.keys.add(contact.key)
        self.index(contact.id, contact)

    def index(self, contact_id: int, contact: Contact) -> None:
        for email in contact.emails:
            self.by_email.setdefault(email_key(email.address), contact_id)
        for phone in contact.phones:
            if phone.valid:
                holders = self.by_phone.setdefault(phone.number, [])
                if all(cid != contact_id for cid, _ in holders):
                    holders.append((contact_id, contact.name))
        if _name_matched(contact.emails, contact.phones):
            self.by_name.setdefault(name_org_hash(contact.name, contact.org), contact_id)

    def match(self, person: Person) -> int | None:
        for email in person.emails:
            found = self.by_email.get(email_key(email.address))
            if found is not None:
                return found
        guessed = bool(person.flags & FLAG_BITS["name_guessed"])
        for phone in person.phones:
            if not phone.valid:
                continue
            holders = self.by_phone.get(phone.number, ())
            compatible = [
                cid for cid, name in holders if guessed or names_compatible(name, person.name)
            ]
            if len(compatible) == 1 or (compatible and not guessed):
                return compatible[0]
        if _name_matched(person.emails, person.phones):
            return self.by_name.get(name_org_hash(person.name, person.org))
        return None

    def absorb(
        self,
        entries: list[Entry],
        add: Callable[[Row], int],
        merge: Callable[[int, int, Row], None],
    ) -> int:
        """Match prepared Entries in order, as :meth:`match` does: a new
        person's Row (its key made unique) goes to ``add``, which returns its
        id, and is indexed; a record of someone known goes to ``merge(id,
        line, row)``, which folds it in and indexes the result.  Returns how
        many were new.  (One loop here: this runs for every record of a big
        import, in the process that also writes them.)"""
        by_email, by_phone, by_name, keys = self.by_email, self.by_phone, self.by_name, self.keys
        new = 0
        for line, email_keys, phones, name_hash, row in entries:
            found = None
            for k in email_keys:
                found = by_email.get(k)
                if found is not None:
                    break
            if found is None and phones:
                found = self._match_phones(phones, row[ROW_NAME], row[ROW_FLAGS])
            if found is None and name_hash is not None:
                found = by_name.get(name_hash)
            if found is not None:
                merge(found, line, row)
                continue
            key = row[0]
            if key in keys:
                row = (self.unique_key(key), *row[1:])
            else:
                keys.add(key)
            contact_id = add(row)
            new += 1
            for k in email_keys:
                if k not in by_email:
                    by_email[k] = contact_id
            for number in phones:
                holders = by_phone.get(number)
                if holders is None:
                    by_phone[number] = [(contact_id, row[ROW_NAME])]
                elif all(cid != contact_id for cid, _ in holders):
                    holders.append((contact_id, row[ROW_NAME]))
            if name_hash is not None and name_hash not in by_name:
                by_name[name_hash] = contact_id
        return new

    def _match_phones(self, phones: tuple[str, ...], name: str, flags: int) -> int | None:
        guessed = bool(flags & _GUESSED)
        for number in phones:
            holders = self.by_phone.get(number)
            if holders:
                compatible = [
                    cid for cid, held in holders if guessed or names_compatible(held, name)
                ]
                if len(compatible) == 1 or (compatible and not guessed):
                    return compatible[0]
        return None

    def unique_key(self, key: str) -> str:
        candidate, n = key, 1
        while candidate in self.keys:
            n += 1
            candidate = f"{key}#{n}"
        self.keys.add(candidate)
        return candidate


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
    something, ``"unchanged"`` when it added nothing.
    """
    before = _fingerprint(contact)
    seen_before = _add_source(contact, source)

    known = {email_key(e.address) for e in contact.emails}
    for email in person.emails:
        k = email_key(email.address)
        if k in known or owner.by_email.get(k, contact.id) != contact.id:
            continue
        known.add(k)
        contact.emails.append(email)
    # An upload uses the first valid email: keep valid ones first.
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

    if _fingerprint(contact) == before:
        return "unchanged"
    return "updated" if seen_before else "merged"


def _add_source(contact: Contact, source: Source) -> bool:
    """Add provenance; a newer export of the same file replaces the older
    import's lines.  Returns whether this file was imported before."""
    same_file = [s for s in contact.sources if s.path == source.path]
    if not same_file:
        contact.sources.append(source)
        return False
    for s in same_file:
        if s.line == source.line:
            s.import_id = source.import_id
            return True
    older = {id(s) for s in same_file if s.import_id != source.import_id}
    contact.sources = [s for s in contact.sources if id(s) not in older]
    contact.sources.append(source)
    return bool(older)


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
    if len({(s.path, s.line) for s in contact.sources}) > 1:
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
        [(s.path, s.line) for s in c.sources],
        c.flags,
        c.connected_on,
        c.invited_on,
        c.profile_url,
    )
