"""What became of the invitations of an address-book deck, and the uploads
that pace the next ones (``triage status``, ``export --new`` and
``--per-week``).

An invitation counts as *sent* once its person went into a LinkedIn upload
file (``uploaded_at``, up to now: a file for a later week is not sent yet) or
an Invitations.csv says it was (the ``invited`` flag).  It is *accepted* when
the person is now connected (a newer Connections.csv was imported), else
*pending*.  *To export* is what ``triage export --new`` writes in the
``linkedin`` format: invited, never exported, and none of
:data:`~triage.model.UPLOAD_BLOCKED`'s flags, so a new blocker counts here
as soon as it joins that mask.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields

from triage.model import FLAG_BITS, INVITE, UPLOAD_BLOCKED, UPLOAD_BLOCKERS

# LinkedIn sends reminders for about three weeks, then a withdrawn invitation
# stays locked as long: a pending invitation older than this is worth a look.
PENDING_DAYS = 21

_ISO_DATE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


@dataclass(slots=True, frozen=True)
class Progress:
    """The figures ``status`` shows (each one a field of DeckStatus too)."""

    connected: int = 0
    locked: int = 0
    exported: int = 0  # invited people in an earlier export, any format
    to_export: int = 0  # what `export --new` writes in the linkedin format now
    cannot_upload: int = 0  # invited, never uploaded, kept out of an upload by a flag
    sent: int = 0
    accepted: int = 0
    pending: int = 0
    pending_old: int = 0  # pending, sent before ``cutoff``


PROGRESS_FIELDS = tuple(f.name for f in fields(Progress))


def deck_progress(conn: sqlite3.Connection, deck_id: int, *, now: str, cutoff: str) -> Progress:
    """The figures of one deck in one pass over its people.  ``now``: the
    current time as ``uploaded_at`` stores it (UTC, ISO 8601); ``cutoff``:
    the ISO date before which a pending invitation is old."""
    connected, locked = FLAG_BITS["connected"], FLAG_BITS["locked"]
    row = conn.execute(
        "SELECT"
        f" SUM((flags & {connected}) != 0), SUM((flags & {locked}) != 0),"
        " SUM(decision = :invite AND exported_at != ''),"
        f" SUM(decision = :invite AND uploaded_at = '' AND (flags & {UPLOAD_BLOCKED}) = 0),"
        f" SUM(decision = :invite AND uploaded_at = '' AND (flags & {UPLOAD_BLOCKED}) != 0),"
        " SUM(sent),"
        f" SUM(sent AND (flags & {connected}) != 0),"
        f" SUM(sent AND (flags & {connected}) = 0),"
        f" SUM(sent AND (flags & {connected}) = 0 AND sent_on != '' AND sent_on < :cutoff)"
        " FROM (SELECT flags, decision, exported_at, uploaded_at,"
        "   (uploaded_at != '' AND uploaded_at <= :now)"
        f"     OR (flags & {FLAG_BITS['invited']}) != 0 AS sent,"
        "   CASE WHEN uploaded_at != '' AND uploaded_at <= :now THEN substr(uploaded_at, 1, 10)"
        "        WHEN invited_on GLOB :iso THEN substr(invited_on, 1, 10)"
        "        ELSE '' END AS sent_on"
        " FROM contacts WHERE deck_id = :deck)",
        {"invite": INVITE, "now": now, "cutoff": cutoff, "iso": _ISO_DATE, "deck": deck_id},
    ).fetchone()
    return Progress(*(int(n or 0) for n in row))


def upload_blockers(conn: sqlite3.Connection, deck_id: int) -> dict[str, int]:
    """How many invited, never uploaded people of the deck each flag of
    ``UPLOAD_BLOCKERS`` keeps out of an upload (the flags that hold any)."""
    sums = ", ".join(f"SUM((flags & {FLAG_BITS[f]}) != 0)" for f in UPLOAD_BLOCKERS)
    row = conn.execute(
        f"SELECT {sums} FROM contacts WHERE deck_id = ? AND decision = ? AND uploaded_at = ''"
        f" AND (flags & {UPLOAD_BLOCKED}) != 0",
        (deck_id, INVITE),
    ).fetchone()
    return {f: int(n) for f, n in zip(UPLOAD_BLOCKERS, row, strict=True) if n}


def exported_ids(conn: sqlite3.Connection, deck_id: int, *, uploads: bool = False) -> set[int]:
    """The invited people of the deck that an earlier export wrote (any
    format), or with ``uploads`` that an earlier LinkedIn upload file held
    (a copy in another format invites nobody)."""
    column = "uploaded_at" if uploads else "exported_at"
    return {
        cid
        for (cid,) in conn.execute(
            f"SELECT id FROM contacts WHERE deck_id = ? AND decision = ? AND {column} != ''",
            (deck_id, INVITE),
        )
    }


def uploads_since(conn: sqlite3.Connection, since: str) -> list[str]:
    """When each person of every address-book deck went into an upload file,
    from ``since`` on (UTC, ISO 8601; later weeks' files included).  Every
    deck: LinkedIn's weekly limit is the account's, whichever deck the file
    came from."""
    return [
        at
        for (at,) in conn.execute(
            "SELECT uploaded_at FROM contacts WHERE uploaded_at >= ?"
            " AND deck_id IN (SELECT id FROM decks WHERE kind = 'address_book')",
            (since,),
        )
    ]
