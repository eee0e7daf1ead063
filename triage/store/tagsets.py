"""The tags of a whole deck: how many cards carry each, and renaming or
deleting one on every card at once.

A rename or a delete is one change in the journal (kind ``tags``): its
before and after are the cards of every tag involved, as
``[[name, [contact id, ...]], ...]``, so undo and redo put them back in one
step.  Tag names compare without case (the schema's ``COLLATE NOCASE``):
renaming ``clients`` to ``Clients`` respells it, renaming ``work`` into a
tag that exists already (``clients``) merges the two.
"""

from __future__ import annotations

import json
import sqlite3

KIND = "tags"

Entries = list[tuple[str, list[int]]]


def tag_counts(conn: sqlite3.Connection, deck_id: int) -> dict[str, int]:
    """Every tag of the deck with how many cards carry it, in creation order."""
    return {
        name: count
        for name, count in conn.execute(
            "SELECT t.name, COUNT(ct.contact_id) FROM tags t"
            " LEFT JOIN contact_tags ct ON ct.tag_id = t.id"
            " WHERE t.deck_id = ? GROUP BY t.id ORDER BY t.id",
            (deck_id,),
        )
    }


def most_used(counts: dict[str, int]) -> list[str]:
    """Tags by how many cards carry them, the older first among equals
    (the quick tags 1-9 are the first nine)."""
    order = {name: i for i, name in enumerate(counts)}
    return sorted(counts, key=lambda name: (-counts[name], order[name]))


def _tag_id(conn: sqlite3.Connection, deck_id: int, name: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM tags WHERE deck_id = ? AND name = ?", (deck_id, name)
    ).fetchone()
    return None if row is None else int(row[0])


def _cards(conn: sqlite3.Connection, tag_id: int | None) -> list[int]:
    if tag_id is None:
        return []
    return [
        cid
        for (cid,) in conn.execute(
            "SELECT contact_id FROM contact_tags WHERE tag_id = ? ORDER BY contact_id", (tag_id,)
        )
    ]


def retag(
    conn: sqlite3.Connection, deck_id: int, old: str, new: str | None
) -> tuple[Entries, Entries, int]:
    """Rename ``old`` to ``new`` on every card (``None``: delete it), inside
    the caller's transaction.  Returns the before and after to journal and
    how many cards carried ``old``."""
    old_cards = _cards(conn, _tag_id(conn, deck_id, old))
    if new is None or new.casefold() == old.casefold():  # deleted, or its case changed
        before: Entries = [(old, old_cards)]
        after: Entries = [(old if new is None else new, [] if new is None else old_cards)]
    else:
        new_cards = _cards(conn, _tag_id(conn, deck_id, new))
        before = [(old, old_cards), (new, new_cards)]
        after = [(old, []), (new, sorted({*old_cards, *new_cards}))]
    put(conn, deck_id, after)
    return before, after, len(old_cards)


def put(conn: sqlite3.Connection, deck_id: int, entries: Entries) -> None:
    """Make each named tag carried by exactly its cards: a tag left with none
    is deleted, a missing one is created (reusing, by renaming it, the row of
    a tag the same change empties, so a rename keeps the tag's place)."""
    ids = {name: _tag_id(conn, deck_id, name) for name, _ in entries}
    vacated = [ids[name] for name, cards in entries if not cards and ids[name] is not None]
    for name, cards in entries:
        if not cards or ids[name] is not None:
            continue
        if vacated:
            reused = vacated.pop(0)
            conn.execute("UPDATE tags SET name = ? WHERE id = ?", (name, reused))
            for other, tag_id in ids.items():
                if tag_id == reused:
                    ids[other] = None  # that name is gone: the row is this one's now
            ids[name] = reused
        else:
            cur = conn.execute("INSERT INTO tags (deck_id, name) VALUES (?, ?)", (deck_id, name))
            ids[name] = cur.lastrowid
    for name, cards in entries:
        tag_id = ids[name]
        if tag_id is None or tag_id in vacated:
            continue
        if cards:  # names compare without case: the spelling may be the change
            conn.execute("UPDATE tags SET name = ? WHERE id = ?", (name, tag_id))
        conn.execute("DELETE FROM contact_tags WHERE tag_id = ?", (tag_id,))
        conn.executemany(
            "INSERT OR IGNORE INTO contact_tags VALUES (?, ?)", ((c, tag_id) for c in cards)
        )
        if not cards:
            conn.execute("DELETE FROM tags WHERE id = ?", (tag_id,))
    for tag_id in vacated:
        conn.execute("DELETE FROM contact_tags WHERE tag_id = ?", (tag_id,))
        conn.execute("DELETE FROM tags WHERE id = ?", (tag_id,))


def encode(entries: Entries) -> str:
    return json.dumps([[name, cards] for name, cards in entries], ensure_ascii=False)


def restore(conn: sqlite3.Connection, deck_id: int, value: str) -> str:
    """Put back a journaled before (undo) or after (redo); returns the name
    of the tag the change was about."""
    entries: Entries = [(str(name), [int(c) for c in cards]) for name, cards in json.loads(value)]
    put(conn, deck_id, entries)
    return entries[0][0]
