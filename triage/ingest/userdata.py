"""At the end of an import, inside its transaction: the tags and invitation
notes of a triage full export go back onto the people read from it (see
ingest/formats/full.py)."""

from __future__ import annotations

from pathlib import Path

from triage.ingest.decoding import detect_encoding, open_lines
from triage.ingest.formats import full
from triage.store import Store
from triage.store.restore import contacts_by_line, restore_user_fields


def restore_from_full(
    store: Store, deck_id: int, files: list[tuple[Path, str]], encoding: str | None = None
) -> int:
    """``files``: (file as read, full path the import recorded) of each full
    export just imported; ``encoding`` as given to the import.  Returns how
    many people got tags or a note back."""
    restored = 0
    for path, recorded in files:
        with open_lines(path, detect_encoding(path, encoding)) as lines:
            by_line = full.user_fields(lines)
        if not by_line:
            continue
        ids = contacts_by_line(store, deck_id, recorded)
        fields: dict[int, tuple[list[str], str]] = {}
        for line, (tags, note) in by_line.items():
            contact_id = ids.get(line)
            if contact_id is None:
                continue
            had_tags, had_note = fields.get(contact_id, ([], ""))
            fields[contact_id] = (had_tags + tags, had_note or note)
        restore_user_fields(store, deck_id, fields)
        restored += len(fields)
    return restored
