"""Write an export and record it: the one routine behind ``triage export``
and the export dialog.

The files are written first (atomically, see :func:`write_export`), then
each file's people are recorded as exported, one record per file, so
``status`` can say what left and when.  A file that was written but could not
be recorded raises :class:`NotRecorded`, which names the files: they are
complete and the person may upload them, only the record is missing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from triage.export.plan import ExportPlan, split, write_export, write_stream
from triage.model import Contact, Deck
from triage.store import Store
from triage.store.files import describe_db_error

STDOUT_NAME = "(standard output)"


@dataclass(frozen=True, slots=True)
class Written:
    """Where the people went: one path (resolved) and size per file."""

    paths: list[str]
    sizes: list[int]


class NotRecorded(Exception):
    """The files were written, but the store could not record the export."""

    def __init__(self, written: Written, reason: str) -> None:
        super().__init__(f"the export was written but could not be recorded: {reason}")
        self.written = written


def run_export(
    store: Store,
    deck: Deck,
    plan: ExportPlan,
    out: Path | IO[str],
    *,
    batch_size: int | None = None,
    force: bool = False,
) -> Written:
    """Write ``plan`` to the file ``out`` (numbered files of at most
    ``batch_size`` people) or to the open text stream ``out``, then record
    every file's people as exported.  Raises ExportError (nothing written)
    or NotRecorded (written, not recorded)."""
    batches: Sequence[Sequence[Contact]]
    if isinstance(out, Path):
        paths = [
            str(p.resolve()) for p in write_export(plan, out, batch_size=batch_size, force=force)
        ]
        batches = split(plan.people, batch_size)
    else:
        write_stream(plan, out)
        paths, batches = [STDOUT_NAME], [plan.people]
    written = Written(paths, [len(b) for b in batches])
    try:
        for path, people in zip(paths, batches, strict=True):
            store.record_export(deck.id, [c.id for c in people], path, plan.fmt)
    except sqlite3.Error as exc:
        raise NotRecorded(written, describe_db_error(store.path, exc)) from None
    return written
