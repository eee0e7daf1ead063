"""Who is who in a deck while an import runs: the indexes that match an
incoming record to a person already met (see :class:`Merger`)."""

from __future__ import annotations

from collections.abc import Callable

from triage.ingest.merge import Entry, ImportFile, contradicts, identity_name, name_org_key
from triage.ingest.names import names_compatible
from triage.ingest.normalize import email_key
from triage.ingest.profiles import profile_key
from triage.model import FLAG_BITS, Contact
from triage.store.codec import ROW_FLAGS, ROW_NAME, Row
from triage.store.merge_index import MergeIndex

GUESSED = FLAG_BITS["name_guessed"]
# The name + organisation key of a record with neither: such records are
# matched only to a person read from the same file before.
NOBODY = name_org_key("", "")


class Merger:
    """Who is who in a deck while an import runs: emails, profile URLs,
    phones, name + organisation hashes and stable keys → contact id.

    Keys (one holder each, the first keeps it): ``e`` + casefolded email
    (a shared address is one person unless their profile URLs differ),
    ``u`` + profile URL key, ``k`` + stable key when the key is not a plain
    email (a profile URL, a phone, a hash, a key made unique with ``#n``); a
    plain-email key is taken exactly when its ``e`` key is.  Phones have
    every holder in order, with the name it had then: a shared number only
    merges people whose names are compatible.  Name + organisation hashes
    (``n`` + hash, kept with the phones) have every holder in order too:
    the people of one name, first met first.  A candidate is checked for
    contradicting identifiers (see :mod:`triage.ingest.merge`) before a
    record merges into it.

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

    # 200,000 keys (~90,000 people): memory Python takes for the dicts stays
    # taken after the spill, under SQLite's page caches; 300,000 saved ~0.5 s
    # of CPU on a 100,000-row file but raised a million-row import's peak
    # (165 -> 180 MiB at 400,000 rows).
    SPILL = 200_000
    # ... unless the import is expected to end with at most 1.6 times that
    # many (from the share of its input read so far, :attr:`read_share`):
    # spilling costs ~0.3-0.6 s of CPU on a 100,000-row file, and keeping
    # its last keys in dicts takes less memory than SQLite's caches would.
    KEEP = 8 / 5
    CACHE_KIB = 16 * 1024  # SQLite's page cache for the tables, once spilled

    def __init__(self, index: MergeIndex) -> None:
        self.stored = index
        self.spilled = False
        # All the keys, or once spilled the current batch's view of them.
        self._one: dict[str, int] = {}
        self._holders: dict[str, list[tuple[int, str]]] = {}
        # Name + organisation key -> its holder, or its holders in order.
        self._names: dict[str, int | list[int]] = {}
        # Spilled: the keys the batch looked up, and the rows to write.
        self._asked: set[str] = set()
        self._asked_phones: set[str] = set()
        self._asked_names: set[str] = set()
        self._new_one: list[tuple[str, int]] = []
        self._new_phones: list[tuple[str, int, str]] = []
        self._new_names: list[tuple[str, int]] = []
        # The file being read, and a bit per contact id that a record of it
        # reached (two records of one file never merge on their name).
        self.file: ImportFile | None = None
        self._claimed = bytearray()
        # Whether the import matches records on name + organisation at all
        # (set by the import before its first file; see merge.prepare).
        self.match_names = True
        # The share of the import's input read so far (0: not known).
        self.read_share: Callable[[], float] = lambda: 0.0

    def start_file(self, f: ImportFile) -> None:
        self.file = f
        self._claimed = bytearray()

    def _claim(self, contact_id: int) -> None:
        byte = contact_id >> 3
        claimed = self._claimed
        if byte >= len(claimed):
            claimed.extend(bytes(byte - len(claimed) + 4096))
        claimed[byte] |= 1 << (contact_id & 7)

    def _is_claimed(self, contact_id: int) -> bool:
        byte = contact_id >> 3
        return byte < len(self._claimed) and bool(self._claimed[byte] >> (contact_id & 7) & 1)

    def load(self) -> None:
        """Index the people already in the deck, in the order they were
        first indexed (by id; emails and phones in their stored order)."""
        stored = self.stored
        if stored.people() * 2 > self.SPILL:
            stored.spill((), (), (), self.CACHE_KIB, from_deck=True)
            self.spilled = True
            return
        one, holders = self._one, self._holders
        for key, cid in stored.deck_keys():
            one.setdefault(key, cid)
        for who, cid in stored.deck_names():
            self._put_name(who, cid)
        for number, cid, name in stored.deck_phones():
            held = holders.setdefault(number, [])
            if all(c != cid for c, _ in held):
                held.append((cid, name))

    def _must_spill(self) -> bool:
        """Too many keys for the dicts (see :attr:`SPILL` and :attr:`KEEP`)?"""
        keys = len(self._one) + len(self._holders)
        if keys <= self.SPILL:
            return False
        limit = self.SPILL * self.KEEP
        share = self.read_share()
        return keys > limit or share <= 0 or keys / share > limit

    def _spill(self) -> None:
        """Move the keys from the dicts to SQLite."""
        self.stored.spill(
            self._one.items(),
            ((n, cid, name) for n, held in self._holders.items() for cid, name in held),
            (
                (who, cid)
                for who, held in self._names.items()
                for cid in (held if isinstance(held, list) else (held,))
            ),
            self.CACHE_KIB,
        )
        self._one, self._holders, self._names = {}, {}, {}
        self.spilled = True

    def close(self) -> None:
        """The import is over: let the indexes go."""
        if self.spilled:
            self.flush()
            self.stored.close()
        self._one, self._holders, self._names = {}, {}, {}

    # -- one batch -----------------------------------------------------------

    def _fetch(self, one: list[str], phones: list[str], names: list[str]) -> None:
        """Spilled: make the batch's view of the stored keys."""
        self.flush()
        self._asked = set(one)
        self._asked_phones = set(phones)
        self._asked_names = set(names)
        self._one, self._holders, named = self.stored.fetch(one, phones, names)
        self._names = dict(named)

    def flush(self) -> None:
        """Write the keys added since the last flush (spilled only)."""
        if self.spilled and (self._new_one or self._new_phones or self._new_names):
            self.stored.write(self._new_one, self._new_phones, self._new_names)
        self._new_one.clear()  # in place: absorb() holds these lists
        self._new_phones.clear()
        self._new_names.clear()

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

    def _put_name(self, who: str, contact_id: int) -> None:
        """``contact_id`` is one of the people of this name + organisation."""
        if self.spilled:
            if who not in self._asked_names:
                return  # not in this batch's records: indexed when it was added
            self._new_names.append((who, contact_id))  # INSERT OR IGNORE
        held = self._names.get(who)
        if held is None:
            self._names[who] = contact_id
        elif isinstance(held, list):
            if contact_id not in held:
                held.append(contact_id)
        elif held != contact_id:
            self._names[who] = [held, contact_id]

    def _named(self, who: str) -> list[int]:
        """The people of this name + organisation, first met first."""
        held = self._names.get(who)
        if held is None:
            return []
        return held if isinstance(held, list) else [held]

    def email_holder(self, key: str) -> int | None:
        """Who holds this casefolded email (one of the current batch's)."""
        return self._one.get("e" + key)

    def index(self, contact_id: int, contact: Contact) -> None:
        """Index what a merge may have added to ``contact``: its emails,
        profile URL and phones from the current batch, and its name +
        organisation."""
        for email in contact.emails:
            k = "e" + email_key(email.address)
            if not self.spilled or k in self._asked:  # else indexed when it was added
                self._put(k, contact_id)
        if contact.profile_url:
            k = "u" + profile_key(contact.profile_url)
            if not self.spilled or k in self._asked:
                self._put(k, contact_id)
        for phone in contact.phones:
            if phone.valid:
                self._put_phone(phone.number, contact_id, contact.name)
        name = identity_name(contact.name, contact.flags)
        self._put_name(name_org_key(name, contact.org), contact_id)

    def absorb(
        self,
        entries: list[Entry],
        add: Callable[[Row], int],
        merge: Callable[[int, Row], None],
        get: Callable[[int], Contact],
    ) -> int:
        """Match prepared Entries in order: a new person's Row (its key made
        unique) goes to ``add``, which returns its id, and is indexed; a
        record of someone known goes to ``merge(id, row)``, which folds
        it in and calls :meth:`index`; ``get(id)`` is a person as the import
        holds them now (to check a candidate for contradictions).  Returns
        how many were new.  (One loop here: this runs for every record of a
        big import, in the process that also writes them.)"""
        if not self.spilled and self._must_spill():
            self._spill()
        if self.spilled:
            wanted: list[str] = []
            wanted_phones: list[str] = []
            wanted_names: list[str] = []
            for _, email_keys, phones, url, who, row in entries:
                for k in email_keys:
                    wanted.append("e" + k)
                if url:
                    wanted.append("u" + url)
                if phones:
                    wanted_phones.extend(phones)
                if who:
                    wanted_names.append(who)
                key = row[0]
                if not _plain(key):
                    wanted.append("k" + key)
            self._fetch(wanted, wanted_phones, wanted_names)
        one, put, claim, names = self._one, self._put, self._claim, self._names
        spilled = self.spilled
        assert self.file is not None
        previous = self.file.previous
        claimed = self._claimed = self._claimed or bytearray(1024)
        new = 0
        for line, email_keys, phones, url, who, row in entries:
            found = None
            for k in email_keys:
                found = one.get("e" + k)
                if found is not None:
                    break
            if found is not None and url and contradicts(get(found), (), url, ()):
                found = None  # one address, two LinkedIn profiles: two people
            if found is None and url:
                found = one.get("u" + url)
                if found is not None and email_keys and contradicts(get(found), email_keys, "", ()):
                    found = None
            if found is None and phones:
                found = self._match_phones(
                    phones, row[ROW_NAME], row[ROW_FLAGS], email_keys, url, get
                )
            if found is None and previous:
                found = self._match_line(line, row[ROW_NAME], email_keys, url, phones, get)
            if found is None and who and who in names:
                found = self._match_name(who, email_keys, url, phones, get)
            if found is not None:
                claim(found)
                merge(found, row)
                continue
            key = row[0]
            # A plain email is taken exactly when its email is (see _plain).
            plain = "@" in key and "#" not in key and key[1:2] != ":"
            if plain and "e" + key in one:  # the address of someone else as well
                plain = False
                row = (self._unique_key(key), *row[1:])
            elif not plain and "k" + key in one:
                row = (self._unique_key(key), *row[1:])
            contact_id = add(row)
            byte = contact_id >> 3
            if byte < len(claimed):
                claimed[byte] |= 1 << (contact_id & 7)
            else:
                claim(contact_id)
                claimed = self._claimed
            new += 1
            if not plain:
                put("k" + row[0], contact_id)
            for k in email_keys:
                put("e" + k, contact_id)
            if url:
                put("u" + url, contact_id)
            for number in phones:
                self._put_phone(number, contact_id, row[ROW_NAME])
            if not who:
                pass  # the import never matches names (see merge.prepare)
            elif spilled or who in names:
                self._put_name(who, contact_id)
            else:
                names[who] = contact_id
        self.flush()
        return new

    def _match_phones(
        self,
        phones: tuple[str, ...],
        name: str,
        flags: int,
        email_keys: tuple[str, ...],
        url: str,
        get: Callable[[int], Contact],
    ) -> int | None:
        guessed = bool(flags & GUESSED)
        for number in phones:
            holders = self._holders.get(number)
            if holders:
                compatible = [
                    cid for cid, held in holders if guessed or names_compatible(held, name)
                ]
                if compatible and (email_keys or url):
                    compatible = [
                        cid for cid in compatible if not contradicts(get(cid), email_keys, url, ())
                    ]
                if len(compatible) == 1 or (compatible and not guessed):
                    return compatible[0]
        return None

    def _match_line(
        self,
        line: int,
        name: str,
        email_keys: tuple[str, ...],
        url: str,
        phones: tuple[str, ...],
        get: Callable[[int], Contact],
    ) -> int | None:
        """The person the last import of this same file put this line's
        record into, when the record still fits them (a compatible name,
        nothing that contradicts): the same file read again gives the same
        people, whatever merges made of them since (an organisation a later
        record added no longer hides them from the name + organisation
        index)."""
        assert self.file is not None
        cid = self.file.previous.get(line)
        if cid is None:
            return None
        contact = get(cid)
        if not names_compatible(contact.name, name):
            return None
        if contradicts(contact, email_keys, url, phones):
            return None
        return cid

    def _match_name(
        self,
        who: str,
        email_keys: tuple[str, ...],
        url: str,
        phones: tuple[str, ...],
        get: Callable[[int], Contact],
    ) -> int | None:
        """The first person of this name + organisation that no record of
        this file reached yet (or one whose older records of this file are
        still being read again) and that nothing contradicts."""
        holders = self._named(who)
        if not holders:
            return None
        f = self.file
        assert f is not None
        nobody = who == NOBODY
        for cid in holders:
            if self._is_claimed(cid) and not f.rereads.get((cid, f.path)):
                continue
            if nobody or email_keys or url or phones:
                contact = get(cid)
                if nobody and not any(s.path == f.path for s in contact.sources):
                    continue
                if contradicts(contact, email_keys, url, phones):
                    continue
            return cid
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


def _plain(key: str) -> bool:
    """Is this stable key a casefolded email as it is (held with its ``e``
    key), rather than a profile URL (``u:``), a phone, a hash (``h:``) or a
    key made unique (``#n``)?  (An address has no ``:`` in second place.)"""
    return "@" in key and "#" not in key and key[1:2] != ":"
