"""Decide which cleaned records are the same person, and merge them.

Identity (DESIGN §4), strongest first:

* a shared casefolded email is one person, across every file of the deck;
* a shared profile URL (:func:`profile_key`) is one person unless both
  carry emails and none is shared;
* a shared E.164 phone is one person when the names are compatible (an
  office switchboard must not fuse a company) and no email or profile URL
  contradicts it;
* the same name + organisation is one person only when no email, profile
  URL or phone contradicts it, and never two records of one file: two
  "Liam Taylor" cards of one address book are two people.

The indexes that find candidates during an import are in
:mod:`triage.ingest.matching`; this module prepares the records, says what
contradicts, and folds a record into the person it matched.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from triage.ingest.names import name_key
from triage.ingest.normalize import Person, email_key
from triage.ingest.profiles import profile_key
from triage.model import FLAG_BITS, Contact, Source
from triage.store.codec import Row, encode_row

_GUESSED = FLAG_BITS["name_guessed"]
# Flags that describe the contact's data and are recomputed after a merge.
# Not ``connected`` and ``no_profile``: another deck can say them too
# (triage.store.network works them out at the end of every import), so a
# merge only adds what the person's own row says (a connection date, a
# profile URL; neither is ever taken away by a merge).
_DERIVED = (
    FLAG_BITS["no_email"]
    | FLAG_BITS["invalid_email"]
    | FLAG_BITS["role_address"]
    | FLAG_BITS["phone_unparsed"]
    | FLAG_BITS["merged"]
)


def name_org_key(name: str, org: str) -> str:
    """What name + organisation matching compares: ``"doe jane|acme"``."""
    return _words(name) + "|" + _words(org)


_SIMPLE = re.compile(r"[A-Za-z0-9 ]*")


def _words(text: str) -> str:
    """:func:`name_key`, ~5x faster for plain ASCII words (most names)."""
    if _SIMPLE.fullmatch(text):
        return " ".join(sorted(text.lower().split()))
    return name_key(text)


def name_org_hash(name: str, org: str) -> str:
    """The stable key's part for a person known by name and organisation."""
    return _digest(name_org_key(name, org))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def identity_name(name: str, flags: int) -> str:
    """The name that identifies a person: a name guessed from an email
    address says nothing the address does not (it is "" here)."""
    return "" if flags & _GUESSED else name


# A cleaned record as the import's worker processes hand it over: (line,
# casefolded emails, valid phone numbers, profile URL key, name +
# organisation key (name_org_key; "" when the import cannot use it), Row).
# Plain tuples: they cross a pipe ~10x cheaper than dataclasses.  The Row
# is what the store inserts for a new person, under the record's stable key;
# the main process only looks the keys up, and decodes the Row (decode_row)
# for the ~5 % that merge into someone.
Entry = tuple[int, tuple[str, ...], tuple[str, ...], str, str, Row]


def prepare(person: Person, sources: str, names: bool = True) -> Entry:
    """``person`` as an Entry (``sources``: its encoded provenance).
    ``names``: whether the import can match this record on its name and
    organisation at all (not for the first file read into an empty deck:
    records of one file never merge on their name); without it the Entry's
    name + organisation key is "" unless the stable key is made of it or
    the record has neither (such records still meet earlier ones of their
    file).

    The Row's key is the stable key (DESIGN §4): the casefolded first valid
    email; else ``u:`` + the profile URL key; else the first valid phone
    (E.164); else ``h:`` + a hash of the normalised name and organisation
    (the matcher adds ``#2``, ``#3``… for the second, third… person of that
    name)."""
    emails = person.emails
    email_keys = tuple([email_key(e.address) for e in emails])
    phones = tuple([p.number for p in person.phones if p.valid])
    url = profile_key(person.profile_url) if person.profile_url else ""
    name = identity_name(person.name, person.flags)
    who = name_org_key(name, person.org) if names or not (name or person.org) else ""
    for email, k in zip(emails, email_keys, strict=True):
        if email.valid:
            key = k
            break
    else:
        if url:
            key = "u:" + url
        elif phones:
            key = phones[0]
        else:
            key = "h:" + _digest(who or name_org_key(name, person.org))
    return person.line, email_keys, phones, url, who, encode_row(key, person, sources)


def contradicts(
    contact: Contact, email_keys: tuple[str, ...], url: str, phones: tuple[str, ...]
) -> bool:
    """Does ``contact`` carry an identifier that says the record (its
    casefolded emails, profile URL key, valid phones; pass empty ones to
    leave a kind out) is someone else?  Both must carry that kind, and
    share none of it."""
    if email_keys and contact.emails:
        wanted = set(email_keys)
        if not any(email_key(e.address) in wanted for e in contact.emails):
            return True
    if url and contact.profile_url and profile_key(contact.profile_url) != url:
        return True
    if phones:
        held = [p.number for p in contact.phones if p.valid]
        if held and not set(held).intersection(phones):
            return True
    return False


# --------------------------------------------------------------------------- provenance

_COPY = re.compile(r"[\s._-]*(?:\(\d+\)|copy(?:\s*\d+)?|\d+)$", re.I)


def address_book(name: str, format: str) -> tuple[str, str]:
    """Which address book a file is an export of, by its format and name:
    ``contacts.csv``, ``contacts (1).csv``, ``contacts-2.csv`` and
    ``Contacts copy.csv`` are one; so are ``google.csv`` and ``google2.csv``."""
    stem = PurePath(name).stem.casefold()
    while True:
        shorter = _COPY.sub("", stem)
        if shorter == stem or not shorter:
            break
        stem = shorter
    return format, stem


@dataclass(slots=True)
class ImportFile:
    """The file an import is reading, as the merge needs it: which import,
    which path and address book, the paths of the whole import, and the
    address book of every file the deck was imported from before."""

    import_id: int
    path: str
    book: tuple[str, str]
    import_paths: frozenset[str]
    books: dict[str, tuple[str, str]]
    # (contact id, path) -> records of an earlier import of this address
    # book not yet read again by this one (see _add_source)
    rereads: dict[tuple[int, str], int] = field(default_factory=dict)
    # Line -> the person the last import of this same path put that line's
    # record into: reading a file again puts each record back where it went
    # (see Merger.absorb), whatever the people became since.
    previous: dict[int, int] = field(default_factory=dict)

    def supersedes(self, source: Source) -> bool:
        """Is ``source`` (of an earlier import) an older copy of this file's
        records: the same path, or the same address book under another name
        that this import does not read itself."""
        if source.path == self.path:
            return True
        if source.path in self.import_paths:
            return False
        return self.books.get(source.path) == self.book


def _add_source(contact: Contact, source: Source, f: ImportFile) -> tuple[bool, bool, bool]:
    """Add ``source`` to the contact's provenance.  A record that reads an
    address book again replaces the older import's records of it, so
    provenance says where the current data came from and "merged from N
    records" counts records of one reading.

    Returns (reread: the record is a newer copy of one met before; changed:
    the provenance differs from what is stored; first: no record of this
    import reached the contact before)."""
    state = contact.source_index
    if state is None or state["import"] != f.import_id:
        state = contact.source_index = {
            "import": f.import_id,
            "scanned": set(),
            "gone": set(),
            "first": not any(s.import_id == f.import_id for s in contact.sources),
        }
    first: bool = state["first"]
    state["first"] = False
    changed = True
    if source.path not in state["scanned"]:  # once per contact and file: linear
        state["scanned"].add(source.path)
        gone = [s for s in contact.sources if s.import_id != f.import_id and f.supersedes(s)]
        if gone:
            drop = {id(s) for s in gone}
            contact.sources = [s for s in contact.sources if id(s) not in drop]
            state["gone"].update((s.file, s.line, s.path) for s in gone)
            slot = (contact.id, source.path)
            f.rereads[slot] = f.rereads.get(slot, 0) + len(gone)
            # Stored as it is now only when this record replaces exactly its
            # own older copy.
            changed = len(gone) > 1
    triple = (source.file, source.line, source.path)
    if triple in state["gone"]:
        state["gone"].discard(triple)
    else:
        changed = True
    contact.sources.append(source)
    slot = (contact.id, source.path)
    left = f.rereads.get(slot, 0)
    if left:
        if left == 1:
            del f.rereads[slot]
        else:
            f.rereads[slot] = left - 1
        return True, changed, first
    return False, True, first


# --------------------------------------------------------------------------- merging


def merge_into(
    contact: Contact,
    record: Contact,
    email_holder: Callable[[str], int | None],
    f: ImportFile,
) -> tuple[str, bool]:
    """Fold ``record`` (one record, as :func:`decode_row` reads its Row:
    its one source is the record's file and line) into ``contact`` in place.
    ``email_holder`` says who holds a casefolded email already: an address
    someone else holds is not added.

    Returns the outcome and whether the contact must be written.  The
    outcome is ``"merged"`` when the record is another record of this
    person, ``"updated"`` when it is a newer copy of a record met before
    (this address book read again, under any file name) that changed
    something, ``"unchanged"`` when such a copy changed nothing.  A newer
    copy's non-empty values win when that address book is where the person
    came from alone; otherwise the values met first stay.  Costs what the
    record brings, not what the contact already holds: a person found
    20,000 times in one file merges in linear time.
    """
    before = _fingerprint(contact)
    reread, sources_changed, first = _add_source(contact, record.sources[0], f)
    newer = reread and first and all(s.import_id == f.import_id for s in contact.sources)

    known = {email_key(e.address) for e in contact.emails}
    added_email = False
    for email in record.emails:
        k = email_key(email.address)
        if k in known:
            continue
        holder = email_holder(k)
        if holder is not None and holder != contact.id:
            continue  # someone else's address
        known.add(k)
        contact.emails.append(email)
        added_email = True
    if added_email:  # an upload uses the first valid email: keep valid ones first
        contact.emails.sort(key=lambda e: not e.valid)
    numbers = {p.number for p in contact.phones}
    for phone in record.phones:
        if phone.number not in numbers:
            numbers.add(phone.number)
            contact.phones.append(phone)

    _merge_name(contact, record, newer)
    if newer:
        contact.org = record.org or contact.org
        contact.title = record.title or contact.title
        contact.profile_url = record.profile_url or contact.profile_url
        contact.website = record.website or contact.website
        contact.city = record.city or contact.city
        contact.connected_on = record.connected_on or contact.connected_on
    else:
        contact.org = contact.org or record.org
        contact.title = contact.title or record.title
        contact.profile_url = contact.profile_url or record.profile_url
        contact.website = contact.website or record.website
        contact.city = contact.city or record.city
        contact.connected_on = contact.connected_on or record.connected_on
    if record.notes and record.notes not in contact.notes:
        contact.notes = f"{contact.notes}\n{record.notes}" if contact.notes else record.notes
    for label in record.labels:
        if label not in contact.labels:
            contact.labels.append(label)
    contact.invited_on = contact.invited_on or record.invited_on
    refresh_flags(contact)

    changed = _fingerprint(contact) != before
    if not reread:
        return "merged", True
    return ("updated" if changed else "unchanged"), changed or sources_changed


def _merge_name(contact: Contact, record: Contact, newer: bool) -> None:
    """A real name beats a guessed one and a guessed one beats none; between
    two of a kind the newer copy's wins, else the one met first stays."""
    if not record.name:
        return
    mine = 0 if not contact.name else 1 if contact.flags & _GUESSED else 2
    theirs = 1 if record.flags & _GUESSED else 2
    if theirs > mine or (newer and theirs == mine and record.name != contact.name):
        contact.name, contact.given, contact.family = record.name, record.given, record.family
        contact.flags = (contact.flags & ~_GUESSED) | (record.flags & _GUESSED)
    elif (
        not contact.given and not contact.family and name_key(contact.name) == name_key(record.name)
    ):
        contact.given, contact.family = record.given, record.family


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
    if contact.profile_url:
        flags &= ~FLAG_BITS["no_profile"]
    if len(contact.sources) > 1:  # each record of one reading once: see _add_source
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
        c.flags & ~FLAG_BITS["merged"],
        c.connected_on,
        c.invited_on,
        c.profile_url,
        c.website,
        c.city,
    )
