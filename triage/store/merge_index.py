"""The merge indexes of an import in SQLite: a deck's people by email,
profile URL, phone, name + organisation hash and stable key, as the import's matching
(:class:`triage.ingest.matching.Merger`) reads them.

Keys are one string each (``e`` + casefolded email, ``u`` + profile URL
key, ``k`` + stable key) with one holder; phones keep every holder in
order, with the name it had then; name + organisation keys keep every
holder, by id.
Small decks are read once into the matcher's dicts
(:meth:`MergeIndex.deck_keys`, :meth:`deck_phones`, :meth:`deck_names`); past its limit
the matcher keeps them here instead, in two tables of SQLite's temporary
database on the import's connection (:meth:`MergeIndex.spill`), whose pages
are held to the temp cache and spill to an unlinked temporary file, and asks
for a batch of records' keys at a time (:meth:`MergeIndex.fetch`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator

Holders = dict[str, list[tuple[int, str]]]
Named = dict[str, list[int]]

_TABLES = (
    "DROP TABLE IF EXISTS temp.merge_one",
    "DROP TABLE IF EXISTS temp.merge_phone",
    "DROP TABLE IF EXISTS temp.merge_name",
    "CREATE TEMP TABLE merge_one (key TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TEMP TABLE merge_phone (seq INTEGER PRIMARY KEY, number TEXT NOT NULL,"
    " id INTEGER NOT NULL, name TEXT NOT NULL, UNIQUE (number, id))",
    # People of one name in the order they were met: by id (ids grow).
    "CREATE TEMP TABLE merge_name (key TEXT NOT NULL, id INTEGER NOT NULL,"
    " PRIMARY KEY (key, id)) WITHOUT ROWID",
)
# A deck's people as keys, in the order they were indexed (by id; emails
# and phones in their stored order).
_DECK_KEYS = (
    "SELECT 'e' || triage_email_key(json_extract(j.value, '$[0]')), c.id"
    " FROM contacts c, json_each(c.emails) j WHERE c.deck_id = ? ORDER BY c.id, j.key",
    "SELECT 'u' || triage_url_key(c.profile_url), c.id FROM contacts c"
    " WHERE c.deck_id = ? AND c.profile_url != '' ORDER BY c.id",
    "SELECT 'k' || c.key, c.id FROM contacts c WHERE c.deck_id = ? AND"
    " (instr(c.key, '@') = 0 OR instr(c.key, '#') > 0 OR substr(c.key, 1, 2) IN ('u:', 'h:'))",
)
_DECK_PHONES = (
    "SELECT json_extract(j.value, '$[0]'), c.id, c.name"
    " FROM contacts c, json_each(c.phones) j"
    " WHERE c.deck_id = ? AND json_extract(j.value, '$[1]') ORDER BY c.id, j.key"
)
# Everyone's name + organisation key (a name guessed from an address does
# not count: see triage.ingest.merge).
_DECK_NAMES = (
    "SELECT triage_name_hash(CASE WHEN c.flags & ? THEN '' ELSE c.name END, c.org), c.id"
    " FROM contacts c WHERE c.deck_id = ? ORDER BY c.id"
)
_SELECT_ONE = "SELECT key, id FROM temp.merge_one WHERE key IN (SELECT value FROM json_each(?))"
_SELECT_PHONES = (
    "SELECT number, id, name FROM temp.merge_phone"
    " WHERE number IN (SELECT value FROM json_each(?)) ORDER BY seq"
)
_SELECT_NAMES = (
    "SELECT key, id FROM temp.merge_name WHERE key IN (SELECT value FROM json_each(?))"
    " ORDER BY key, id"
)
_INSERT_ONE = "INSERT OR IGNORE INTO temp.merge_one (key, id) VALUES (?, ?)"
_INSERT_NAME = "INSERT OR IGNORE INTO temp.merge_name (key, id) VALUES (?, ?)"
_INSERT_PHONE = "INSERT OR IGNORE INTO temp.merge_phone (number, id, name) VALUES (?, ?, ?)"
_HAS_ONE = "SELECT 1 FROM temp.merge_one WHERE key = ?"


class MergeIndex:
    """One deck's merge keys during one import (inside its transaction).

    ``email_key`` and ``name_hash`` are the matcher's own functions (the
    casefolded form of an email, the key of a name and organisation): the
    keys of people already stored are computed by them, in SQL."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        deck_id: int,
        email_key: Callable[[str], str],
        name_hash: Callable[[str, str], str],
        url_key: Callable[[str], str],
        guessed_flag: int,
    ) -> None:
        self.conn = conn
        self.deck_id = deck_id
        self.spilled = False
        self.guessed_flag = guessed_flag
        conn.create_function("triage_email_key", 1, email_key, deterministic=True)
        conn.create_function("triage_name_hash", 2, name_hash, deterministic=True)
        conn.create_function("triage_url_key", 1, url_key, deterministic=True)

    def people(self) -> int:
        """How many people the deck holds already."""
        (n,) = self.conn.execute(
            "SELECT COUNT(*) FROM contacts WHERE deck_id = ?", (self.deck_id,)
        ).fetchone()
        return int(n)

    # -- the deck, read into the matcher's dicts --------------------------------

    def deck_keys(self) -> Iterator[tuple[str, int]]:
        """(key, id) of the people stored, in the order they were indexed
        (a key may come more than once: the first holder keeps it)."""
        for select in _DECK_KEYS:
            yield from self.conn.execute(select, (self.deck_id,))

    def deck_phones(self) -> Iterator[tuple[str, int, str]]:
        """(number, id, name) of every valid phone stored, in order."""
        yield from self.conn.execute(_DECK_PHONES, (self.deck_id,))

    def deck_names(self) -> Iterator[tuple[str, int]]:
        """(name + organisation key, id) of everyone stored, by id."""
        yield from self.conn.execute(_DECK_NAMES, (self.guessed_flag, self.deck_id))

    # -- or kept in SQLite -------------------------------------------------------

    def spill(
        self,
        one: Iterable[tuple[str, int]],
        phones: Iterable[tuple[str, int, str]],
        names: Iterable[tuple[str, int]],
        cache_kib: int,
        *,
        from_deck: bool = False,
    ) -> None:
        """Create the tables (their page cache held to ``cache_kib``) and
        write these keys into them; ``from_deck``: then every key of the
        people stored (a key already held keeps its holder)."""
        conn = self.conn
        conn.execute(f"PRAGMA temp.cache_size = {-int(cache_kib)}")
        for sql in _TABLES:
            conn.execute(sql)
        self.spilled = True
        self.write(one, phones, names)
        if from_deck:
            for select in _DECK_KEYS:
                conn.execute(
                    "INSERT OR IGNORE INTO temp.merge_one (key, id) " + select, (self.deck_id,)
                )
            conn.execute(
                "INSERT OR IGNORE INTO temp.merge_phone (number, id, name) " + _DECK_PHONES,
                (self.deck_id,),
            )
            conn.execute(
                "INSERT OR IGNORE INTO temp.merge_name (key, id) " + _DECK_NAMES,
                (self.guessed_flag, self.deck_id),
            )

    def write(
        self,
        one: Iterable[tuple[str, int]],
        phones: Iterable[tuple[str, int, str]],
        names: Iterable[tuple[str, int]] = (),
    ) -> None:
        """Add keys, phone holders and name holders (a key already held
        keeps its holder)."""
        self.conn.executemany(_INSERT_ONE, one)
        self.conn.executemany(_INSERT_PHONE, phones)
        self.conn.executemany(_INSERT_NAME, names)

    def fetch(
        self, keys: list[str], numbers: list[str], names: list[str] | None = None
    ) -> tuple[dict[str, int], Holders, Named]:
        """The holders of these keys, of these phone numbers (in order) and
        of these name + organisation keys (by id)."""
        conn = self.conn
        one: dict[str, int] = (
            dict(conn.execute(_SELECT_ONE, (json.dumps(keys, ensure_ascii=False),))) if keys else {}
        )
        holders: Holders = {}
        if numbers:
            for number, cid, name in conn.execute(
                _SELECT_PHONES, (json.dumps(numbers, ensure_ascii=False),)
            ):
                holders.setdefault(number, []).append((cid, name))
        named: Named = {}
        if names:
            for key, cid in conn.execute(_SELECT_NAMES, (json.dumps(names, ensure_ascii=False),)):
                named.setdefault(key, []).append(cid)
        return one, holders, named

    def has(self, key: str) -> bool:
        return self.conn.execute(_HAS_ONE, (key,)).fetchone() is not None

    def close(self) -> None:
        """The import is over: drop the tables."""
        if self.spilled:
            self.conn.execute("DROP TABLE IF EXISTS temp.merge_one")
            self.conn.execute("DROP TABLE IF EXISTS temp.merge_phone")
            self.conn.execute("DROP TABLE IF EXISTS temp.merge_name")
            self.spilled = False
