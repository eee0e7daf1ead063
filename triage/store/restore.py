"""Putting back what a full export held of the user's own: tags and the
personal invitation note of people an import just read from it.

Runs inside the import's transaction, so the people and what they held
arrive together or not at all.  Tags are added to what the person already
has; a note is written only where the person has none.  Nothing is
journaled: like the import itself, this is not a change the user undoes key
by key.  Decisions are never touched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from triage.store.database import Store


def restore_user_fields(
    store: Store, deck_id: int, fields: Mapping[int, tuple[list[str], str]]
) -> None:
    """``fields``: contact id -> (tags, invitation note); inside the caller's
    transaction."""
    if not fields:
        return
    conn = store.conn
    if not conn.in_transaction:
        raise RuntimeError("restore_user_fields runs inside the import's transaction")
    tag_ids: dict[str, int] = {}
    for contact_id, (tags, note) in fields.items():
        for tag in tags:
            name = " ".join(tag.split())
            if not name:
                continue
            key = name.casefold()
            tag_id = tag_ids.get(key)
            if tag_id is None:
                conn.execute(
                    "INSERT OR IGNORE INTO tags (deck_id, name) VALUES (?, ?)", (deck_id, name)
                )
                tag_id = conn.execute(
                    "SELECT id FROM tags WHERE deck_id = ? AND name = ?", (deck_id, name)
                ).fetchone()[0]
                tag_ids[key] = tag_id
            conn.execute("INSERT OR IGNORE INTO contact_tags VALUES (?, ?)", (contact_id, tag_id))
        if note:
            conn.execute(
                "UPDATE contacts SET note = ? WHERE id = ? AND deck_id = ? AND note = ''",
                (note, contact_id, deck_id),
            )


def contacts_by_line(store: Store, deck_id: int, path: str) -> dict[int, int]:
    """Line -> contact id for the records of the last import of ``path``
    (the full path the import stored as provenance)."""
    # Each person's provenance decoded in Python: json_each with a
    # json_extract per source costs ~4x more on a big deck.
    pairs: list[tuple[int, int, int]] = []
    for contact_id, sources in store.conn.execute(
        "SELECT id, sources FROM contacts WHERE deck_id = ?", (deck_id,)
    ):
        if path not in sources and "\\" not in sources:
            continue  # cheap test first (a path with escapes is decoded anyway)
        for source in json.loads(sources):
            if len(source) > 3 and source[3] == path:
                pairs.append((contact_id, source[1], source[2]))
    latest = max((import_id for _, _, import_id in pairs), default=-1)
    out: dict[int, int] = {}
    for contact_id, line, import_id in pairs:
        if import_id == latest:
            out[line] = contact_id
    return out
