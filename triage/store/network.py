"""What LinkedIn knows about each person, across every deck: connected, an
invitation pending, one withdrawn lately (locked), the same name only, no
profile known.

The facts come from the whole database:

- **connected**: address-book people with a ``connected_on`` date (their
  deck imported a Connections.csv) and the Connections.csv rows a recovery
  deck was built from (table ``connections``);
- **pending**: the invitations of recovery decks without a "withdrawn on
  DATE" stamp, address-book people flagged ``invited`` (an Invitations.csv)
  and address-book people who went into a LinkedIn upload file
  (``uploaded_at``), when not connected;
- **withdrawn**: the stamps of table ``withdrawals``; LinkedIn refuses a new
  invitation for ``relock_days`` days, so a person is **locked** until the
  stamp's date plus that many days.

Each address-book person is matched against them.  A shared normalised
profile URL (:func:`triage.linkedin.profile_key`) or a shared casefolded
email is the same person: the strongest fact sets ``connected``, ``locked``
or ``pending`` (in that order) and leaves them out of an upload.  The same
name alone (folded as :func:`~triage.store.fold.fold` does, never when both
sides carry different profile URLs) sets ``name_match``: a warning, never an
exclusion.  A person's own row never makes itself pending: its deck knows
(the ``invited`` flag, the export history).  ``no_profile``: no profile URL
on the person and none learnt from a strong match.

The import owns the part of ``connected`` and ``no_profile`` a person's own
row says (``connected_on``, ``profile_url``: :func:`triage.ingest.merge.refresh_flags`
only ever adds ``connected`` and clears ``no_profile``); :func:`sync` owns the
rest and runs last, in the import's transaction.  ``network_marks`` says in
words why a person carries a flag that came from another row (which deck,
since when) and until when a lock holds.

:func:`sync` is one pass over the database, writing only the people whose
flags change; :func:`ensure_current` runs it only when something changed
(``meta.network_dirty``), the lock length changed, or a lock has ended.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple, Protocol

from triage.linkedin import profile_key
from triage.model import FLAG_BITS
from triage.store.fold import fold

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


class Store(Protocol):
    """What this module uses of :class:`~triage.store.database.Store`."""

    conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[None]: ...
    def forget_counts(self) -> None: ...


DEFAULT_RELOCK_DAYS = 21

CONNECTED = "connected"
LOCKED = "locked"
PENDING = "pending"
NAME_MATCH = "name_match"

_CONNECTED = FLAG_BITS["connected"]
_PENDING = FLAG_BITS["pending"]
_LOCKED = FLAG_BITS["locked"]
_NAME_MATCH = FLAG_BITS["name_match"]
_NO_PROFILE = FLAG_BITS["no_profile"]
_INVITED = FLAG_BITS["invited"]
# Every flag the pass decides (``connected`` too: from another row).
NETWORK_BITS = _CONNECTED | _PENDING | _LOCKED | _NAME_MATCH | _NO_PROFILE
_STATE_BITS = {CONNECTED: _CONNECTED, LOCKED: _LOCKED, PENDING: _PENDING}
# Strongest first: connected > locked > pending.
_RANK = {CONNECTED: 3, LOCKED: 2, PENDING: 1}
_NAME_WORDS = {
    CONNECTED: "a connection",
    LOCKED: "an invitation withdrawn lately",
    PENDING: "a pending invitation",
}


class Fact(NamedTuple):
    """One thing LinkedIn knows: ``state`` (connected, locked, pending) of
    the person named ``name``, with their profile URL key and emails;
    ``source``: the contact row it was read from (0: a connections row).
    A named tuple: a Connections.csv of 20,000 people makes as many."""

    state: str
    name: str
    url: str
    emails: tuple[str, ...]
    deck: str
    detail: str
    until: str = ""
    source: int = 0

    @property
    def rank(self) -> tuple[int, str]:
        return _RANK[self.state], self.until


@dataclass(slots=True, frozen=True)
class Mark:
    """Why a person carries a network flag: ``state``, the sentence that
    says it, the first day a new invitation is allowed (locks), and the
    profile URL learnt from another deck (with the deck), if any."""

    state: str
    sentence: str
    until: str = ""
    profile: str = ""


@dataclass(slots=True)
class Synced:
    """What a pass changed."""

    changed: int = 0
    marks: int = 0
    facts: int = 0


# --------------------------------------------------------------------------- meta


def mark_dirty(conn: sqlite3.Connection) -> None:
    """Say the network flags must be worked out again (inside the caller's
    transaction: with the change that makes them stale)."""
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('network_dirty', '1')")


def _meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")}


def _relock_days(meta: dict[str, str]) -> int:
    value = meta.get("relock_days", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_RELOCK_DAYS


def ensure_current(store: Store, relock_days: int | None = None, today: date | None = None) -> bool:
    """Run :func:`sync` in its own transaction when it is needed: something
    changed since the last pass, ``relock_days`` (None: the one the last
    pass used) differs, or the earliest lock has ended.  One read of the
    ``meta`` table when nothing is needed.  True when a pass ran."""
    day = (today or date.today()).isoformat()
    meta = _meta(store.conn)
    lock_until = meta.get("lock_until", "")
    if (
        meta.get("network_dirty", "1") == "0"
        and (relock_days is None or meta.get("relock_days") == str(relock_days))
        and not (lock_until and lock_until <= day)
    ):
        return False
    with store.transaction():
        sync(store.conn, relock_days, today)
    store.forget_counts()
    return True


# --------------------------------------------------------------------------- the facts


def _day(stamp: str) -> str:
    """The date part of an ISO stamp (``2026-11-20T14:37`` -> ``2026-11-20``)."""
    return stamp[:10]


def _known(text: str) -> str:
    return "" if not text or text.startswith("unknown") else _day(text)


def _name_key(name: str) -> str:
    return " ".join(fold(name).split())


def _emails(key: str, emails: str | None) -> list[str]:
    """A person's casefolded emails: the stable key (the casefolded first
    valid email) when the person has one email, read from the JSON only when
    there are more (most people have one: no JSON to decode)."""
    if emails is not None:
        return [str(e[0]).casefold() for e in json.loads(emails)]
    return [key] if "@" in key and not key.startswith(("u:", "h:")) else []


# The emails column only for people with more than one email.
_MORE_EMAILS = "CASE WHEN instr(emails, '],[') THEN emails END"


def _connected_words(on: str, where: str) -> str:
    day = _known(on)
    return f"connected since {day} ({where})" if day else f"connected ({where})"


# (``+deck_id``: scan the table in row order rather than jump from the
# deck index to each row: twice as fast for the whole table.)
_AB_DECKS = "SELECT id FROM decks WHERE kind = 'address_book'"
# The flags a person's own row says, when no fact says more.
_OWN_FLAGS = (
    f"(flags & {~NETWORK_BITS}) | (CASE WHEN connected_on != '' THEN {_CONNECTED} ELSE 0 END)"
    f" | (CASE WHEN profile_url = '' THEN {_NO_PROFILE} ELSE 0 END)"
)


def _facts(
    conn: sqlite3.Connection, decks: dict[int, str], relock_days: int, today: date
) -> list[Fact]:
    facts: list[Fact] = []
    for deck_id, name, url, email, on in conn.execute(
        "SELECT deck_id, name, profile_url, email, connected_on FROM connections"
    ):
        deck = decks.get(deck_id, "")
        where = f"Connections.csv read for deck '{deck}'"
        address = (email.strip().casefold(),) if email.strip() else ()
        facts.append(
            Fact(CONNECTED, name, profile_key(url), address, deck, _connected_words(on, where))
        )
    for cid, deck_id, name, url, flags, on, invited_on, uploaded_at, k, more in conn.execute(
        "SELECT id, deck_id, name, profile_url, flags, connected_on, invited_on, uploaded_at,"
        f" key, {_MORE_EMAILS} FROM contacts WHERE +deck_id IN ({_AB_DECKS})"
        f" AND (connected_on != '' OR (flags & {_INVITED}) != 0 OR uploaded_at != '')"
    ):
        deck = decks[deck_id]
        keys = tuple(_emails(k, more))
        key = profile_key(url) if url else ""
        if on:
            words = _connected_words(on, f"Connections.csv in deck '{deck}'")
            facts.append(Fact(CONNECTED, name, key, keys, deck, words, source=cid))
        elif flags & _INVITED:
            day = _known(invited_on)
            sent = f"invitation sent {day}" if day else "invitation sent"
            words = f"{sent}, still pending (Invitations.csv in deck '{deck}')"
            facts.append(Fact(PENDING, name, key, keys, deck, words, source=cid))
        else:
            words = (
                f"in a LinkedIn upload file on {_day(uploaded_at)} (deck '{deck}'):"
                " an invitation is likely pending"
            )
            facts.append(Fact(PENDING, name, key, keys, deck, words, source=cid))
    for cid, deck_id, name, url, invited_on, withdrawn in conn.execute(
        "SELECT c.id, c.deck_id, c.name, c.profile_url, c.invited_on, COALESCE(w.at, '')"
        " FROM contacts c JOIN decks d ON d.id = c.deck_id"
        " LEFT JOIN withdrawals w ON w.contact_id = c.id WHERE d.kind = 'recovery'"
    ):
        deck = decks.get(deck_id, "")
        key = profile_key(url) if url else ""
        if not withdrawn:
            day = _known(invited_on)
            sent = f"invitation sent {day}" if day else "invitation sent"
            words = f"{sent}, still pending (deck '{deck}')"
            facts.append(Fact(PENDING, name, key, (), deck, words, source=cid))
            continue
        try:
            until = (date.fromisoformat(_day(withdrawn)) + timedelta(days=relock_days)).isoformat()
        except ValueError:
            continue
        if until <= today.isoformat():
            continue  # LinkedIn allows a new invitation again
        words = (
            f"withdrawn {_day(withdrawn)} (deck '{deck}');"
            f" LinkedIn allows a new invitation from {until}"
        )
        facts.append(Fact(LOCKED, name, key, (), deck, words, until, cid))
    return facts


# --------------------------------------------------------------------------- the pass


def sync(
    conn: sqlite3.Connection, relock_days: int | None = None, today: date | None = None
) -> Synced:
    """Work out the network flags of every address-book person from the
    facts of the whole database, inside the caller's transaction: write the
    people whose flags change, rewrite ``network_marks``, and note in
    ``meta`` that the flags are current (with the lock length used and the
    day the earliest lock ends).  ``relock_days`` None: the one used last.

    Without any fact (no LinkedIn file anywhere) it is one UPDATE that
    SQLite runs on its own; otherwise one read of the people's names and
    profile URLs (and emails, when a fact has one) matched in Python."""
    meta = _meta(conn)
    days = relock_days if relock_days is not None else _relock_days(meta)
    today = today or date.today()
    decks = {int(i): str(n) for i, n in conn.execute("SELECT id, name FROM decks")}
    facts = _facts(conn, decks, days, today)
    done = Synced(facts=len(facts))
    marks: list[tuple[int, str, str, str]] = []
    if facts:
        changes = _match(conn, facts, marks)
        conn.executemany("UPDATE contacts SET flags = ? WHERE id = ?", changes)
        done.changed = len(changes)
    else:
        done.changed = conn.execute(
            f"UPDATE contacts SET flags = {_OWN_FLAGS}"
            f" WHERE +deck_id IN ({_AB_DECKS}) AND flags != {_OWN_FLAGS}"
        ).rowcount
    _write_marks(conn, marks)
    locks = [f.until for f in facts if f.state == LOCKED]
    conn.executemany(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        (
            ("network_dirty", "0"),
            ("relock_days", str(days)),
            ("lock_until", min(locks, default="")),
        ),
    )
    done.marks = len(marks)
    return done


def _write_marks(conn: sqlite3.Connection, marks: list[tuple[int, str, str, str]]) -> None:
    """Make ``network_marks`` hold exactly ``marks``, writing only the rows
    that differ (most passes change few of them)."""
    old = {
        int(r[0]): r
        for r in conn.execute("SELECT contact_id, state, detail, until FROM network_marks")
    }
    new = {m[0]: m for m in marks}
    conn.executemany(
        "DELETE FROM network_marks WHERE contact_id = ?", [(i,) for i in old if i not in new]
    )
    conn.executemany(
        "INSERT OR REPLACE INTO network_marks (contact_id, state, detail, until)"
        " VALUES (?, ?, ?, ?)",
        [m for i, m in new.items() if old.get(i) != m],
    )


def _match(
    conn: sqlite3.Connection, facts: list[Fact], marks: list[tuple[int, str, str, str]]
) -> list[tuple[int, int]]:
    """The (new flags, id) of every address-book person whose flags change;
    their marks appended to ``marks``."""
    by_url: dict[str, list[Fact]] = {}
    by_email: dict[str, list[Fact]] = {}
    by_name: dict[str, list[Fact]] = {}
    for fact in facts:
        if fact.url:
            by_url.setdefault(fact.url, []).append(fact)
        for email in fact.emails:
            by_email.setdefault(email, []).append(fact)
        name = _name_key(fact.name)
        if name:
            by_name.setdefault(name, []).append(fact)
    emails = f", key, {_MORE_EMAILS}" if by_email else ", '', NULL"
    # Read as they come (a million people held at once would cost hundreds of
    # MiB); the changes are written once the read is over.
    people = conn.execute(
        f"SELECT id, name, profile_url, flags, connected_on != ''{emails} FROM contacts"
        f" WHERE +deck_id IN ({_AB_DECKS})"
    )
    changes: list[tuple[int, int]] = []
    for cid, name, url, flags, on, k, more in people:
        new = flags & ~NETWORK_BITS
        if on:  # its own Connections.csv row says it, with the date
            new |= _CONNECTED | (0 if url else _NO_PROFILE)
            if new != flags:
                changes.append((new, cid))
            continue
        key = profile_key(url) if url and by_url else ""
        best: Fact | None = None
        learnt = ""
        strong: Sequence[Fact] = by_url.get(key, ()) if key else ()
        if by_email:
            if more is None:  # one email at most: the key
                found = by_email.get(k)
            else:
                found = [f for e in _emails(k, more) for f in by_email.get(e, ())]
            if found:
                strong = [*strong, *found]
        for fact in strong:
            if fact.source == cid:
                continue
            if best is None or fact.rank > best.rank:
                best = fact
            if not learnt and fact.url and not url:
                learnt = f"{fact.url} (known from deck '{fact.deck}')"
        mark: tuple[int, str, str, str] | None = None
        if best is not None:
            new |= _STATE_BITS[best.state]
            mark = (cid, best.state, best.detail + ("\n" + learnt if learnt else ""), best.until)
        elif name and (same := by_name.get(name.lower() if name.isascii() else fold(name))):
            mark = _name_mark(cid, key, same)
            if mark is not None:
                new |= _NAME_MATCH
        if not url and not learnt:
            new |= _NO_PROFILE
        if mark is not None:
            marks.append(mark)
        if new != flags:
            changes.append((new, cid))
    return changes


def _name_mark(cid: int, key: str, same: list[Fact]) -> tuple[int, str, str, str] | None:
    """A fact of the same name, not carrying another profile URL (``key``:
    the person's; '' when no fact has one).  A person's name is collapsed
    already (the import does it): only folded here."""
    for fact in same:
        if fact.source == cid or (key and fact.url and fact.url != key):
            continue
        words = (
            f"same name as {_NAME_WORDS[fact.state]} in deck '{fact.deck}':"
            " check it is not the same person"
        )
        return cid, NAME_MATCH, words, ""
    return None


# --------------------------------------------------------------------------- reading


def _mark(state: str, detail: str, until: str) -> Mark:
    sentence, _, profile = detail.partition("\n")
    return Mark(state, sentence, until, profile)


def mark_of(store: Store, contact_id: int) -> Mark | None:
    """Why ``contact_id`` carries its network flag (None: no mark)."""
    row = store.conn.execute(
        "SELECT state, detail, until FROM network_marks WHERE contact_id = ?", (contact_id,)
    ).fetchone()
    return _mark(*row) if row else None


def marks_of(store: Store, deck_id: int) -> dict[int, Mark]:
    """The marks of every person of the deck who has one."""
    return {
        int(cid): _mark(state, detail, until)
        for cid, state, detail, until in store.conn.execute(
            "SELECT m.contact_id, m.state, m.detail, m.until FROM network_marks m"
            " JOIN contacts c ON c.id = m.contact_id WHERE c.deck_id = ?",
            (deck_id,),
        )
    }
