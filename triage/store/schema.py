"""The SQLite schema and its migrations.

``PRAGMA user_version`` holds the schema version.  Newer code migrates older
files step by step inside one transaction; a file written by a newer version
is refused (the store raises, the file is left alone).
"""

from __future__ import annotations

import sqlite3

from triage.store.fold import fold
from triage.vocab import ORDERS, RECOVERY_ORDERS

SCHEMA_VERSION = 6

_V1 = """
CREATE TABLE decks (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    region      TEXT NOT NULL,
    seed        INTEGER NOT NULL,
    cursor_id   INTEGER,
    created_at  TEXT NOT NULL,
    stale_orders TEXT NOT NULL DEFAULT ''
);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    deck_id     INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    files       TEXT NOT NULL,
    report      TEXT NOT NULL
);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    deck_id      INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    name         TEXT NOT NULL,
    given        TEXT NOT NULL DEFAULT '',
    family       TEXT NOT NULL DEFAULT '',
    org          TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    emails       TEXT NOT NULL DEFAULT '[]',
    phones       TEXT NOT NULL DEFAULT '[]',
    notes        TEXT NOT NULL DEFAULT '',
    labels       TEXT NOT NULL DEFAULT '[]',
    sources      TEXT NOT NULL DEFAULT '[]',
    search       TEXT NOT NULL DEFAULT '',
    flags        INTEGER NOT NULL DEFAULT 0,
    connected_on TEXT NOT NULL DEFAULT '',
    invited_on   TEXT NOT NULL DEFAULT '',
    profile_url  TEXT NOT NULL DEFAULT '',
    decision     TEXT NOT NULL DEFAULT 'undecided'
                 CHECK (decision IN ('undecided', 'invite', 'skip')),
    decided_at   TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    exported_at  TEXT NOT NULL DEFAULT '',
    r_event      INTEGER NOT NULL,
    r_name       INTEGER,
    r_company    INTEGER,
    r_source     INTEGER,
    UNIQUE (deck_id, key)
);

CREATE TABLE tags (
    id       INTEGER PRIMARY KEY,
    deck_id  INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    name     TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (deck_id, name)
);

CREATE TABLE contact_tags (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX contact_tags_tag ON contact_tags(tag_id);

CREATE TABLE journal (
    id          INTEGER PRIMARY KEY,
    deck_id     INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    before      TEXT NOT NULL,
    after       TEXT NOT NULL,
    at          TEXT NOT NULL,
    undone      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX journal_live ON journal(deck_id, id) WHERE undone = 0;

CREATE TABLE exports (
    id       INTEGER PRIMARY KEY,
    deck_id  INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    path     TEXT NOT NULL,
    format   TEXT NOT NULL,
    count    INTEGER NOT NULL
);
"""

# Indexes that serve the walk.  A bulk import drops them and builds them again
# at the end (inside its transaction): cheaper than updating them row by row.
WALK_INDEXES = {
    # The event walk, and flag filters: counting them reads this index, not
    # the rows.
    "contacts_event_flags": (
        "CREATE INDEX IF NOT EXISTS contacts_event_flags ON contacts(deck_id, r_event, flags)"
    ),
    "contacts_event_decision": (
        "CREATE INDEX IF NOT EXISTS contacts_event_decision ON contacts(deck_id, decision, r_event)"
    ),
}
LAZY_INDEXES = tuple(
    f"contacts_{order}{suffix}"
    for order in dict.fromkeys((*ORDERS, *RECOVERY_ORDERS))
    if order != "event"
    for suffix in ("", "_decision")
)

_V1 += ";\n".join(WALK_INDEXES.values()) + ";\n"

# Version 4: deck kinds (an address book, or a recovery deck of pending
# LinkedIn invitations), the recovery walk's two orders by sent date, and the
# "withdrawn on DATE" stamps of the withdraw checklist.
_V4 = """
ALTER TABLE decks ADD COLUMN kind TEXT NOT NULL DEFAULT 'address_book'
    CHECK (kind IN ('address_book', 'recovery'));
ALTER TABLE contacts ADD COLUMN r_newest INTEGER;
ALTER TABLE contacts ADD COLUMN r_oldest INTEGER;
CREATE TABLE withdrawals (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    deck_id    INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    at         TEXT NOT NULL
);
CREATE INDEX withdrawals_deck ON withdrawals(deck_id);
"""

# Version 5: what LinkedIn knows, across decks (triage.store.network).
# ``uploaded_at``: when the person went into a LinkedIn upload file (an
# invitation sent, as far as triage can know; earlier decks: the export time of
# people exported from a deck that was ever exported in the linkedin format).
# ``connections``: the Connections.csv rows a recovery deck was built from.
# ``network_marks``: why a person carries a network flag (which deck, which
# file, since when) and until when a withdrawn invitation locks them.
# ``meta``: database-wide values (when the network flags must be worked out
# again).  Every address-book person without a profile URL is flagged
# no_profile (bit 11) until a match says otherwise.
_V5 = """
ALTER TABLE contacts ADD COLUMN uploaded_at TEXT NOT NULL DEFAULT '';
UPDATE contacts SET uploaded_at = exported_at WHERE exported_at != ''
    AND deck_id IN (SELECT deck_id FROM exports WHERE format = 'linkedin');
CREATE TABLE connections (
    id           INTEGER PRIMARY KEY,
    deck_id      INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    profile_url  TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    connected_on TEXT NOT NULL DEFAULT ''
);
CREATE INDEX connections_deck ON connections(deck_id);
CREATE TABLE network_marks (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    until      TEXT NOT NULL DEFAULT ''
);
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
UPDATE contacts SET flags = flags | 2048 WHERE profile_url = ''
    AND deck_id IN (SELECT id FROM decks WHERE kind = 'address_book');
INSERT INTO meta (key, value) VALUES ('network_dirty', '1');
"""

# Version 6: the event walk reads contacts_event_flags, which leads with the
# same columns; the unique index on (deck_id, r_event) alone cost every bulk
# import a third of its index building.  Ranks are unique by construction
# (an import's id in the high bits, a count in the low ones).
_V6 = """
DROP INDEX IF EXISTS contacts_event;
"""

# Version 3: search that ignores accents as it ignores case (the search column
# re-folded by triage.store.fold), the deck used last (commands without
# --deck), and redo: an undone change stays in the journal with undone = 1
# until a new change clears it (undone = 2), as in every editor; a trigger
# clears it, whoever writes the journal.
_V3 = """
UPDATE contacts SET search = triage_fold(search);
ALTER TABLE decks ADD COLUMN used_at TEXT NOT NULL DEFAULT '';
CREATE INDEX journal_redo ON journal(deck_id, id) WHERE undone = 1;
CREATE TRIGGER journal_clears_redo AFTER INSERT ON journal
BEGIN
    UPDATE journal SET undone = 2 WHERE deck_id = NEW.deck_id AND undone = 1;
END;
"""

# MIGRATIONS[n] turns a version-n file into version n+1.  Version 2
# (identity keys) is reserved for a change made alongside this one; until it
# lands it changes nothing.
MIGRATIONS: dict[int, str] = {0: _V1, 1: "", 2: _V3, 3: _V4, 4: _V5, 5: _V6}


class SchemaTooNew(Exception):
    pass


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"it was written by a newer triage (schema {version}; this one reads up to "
            f"{SCHEMA_VERSION}); upgrade triage"
        )
    if version == SCHEMA_VERSION:
        return
    # What a migration's SQL may call (the search column's folding).
    conn.create_function("triage_fold", 1, fold, deterministic=True)
    conn.execute("BEGIN IMMEDIATE")
    try:
        while version < SCHEMA_VERSION:
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            version += 1
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a script into its statements so each runs inside our
    transaction (``executescript`` would commit first); a trigger's body
    stays whole (its ';' do not end a complete statement)."""
    out: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                out.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        out.append(pending.strip())
    return out
