"""The database file: created whole, refused untouched when it is not a
triage database this version reads, closed without writing after an error,
and every SQLite error said in one line."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path

from triage.store.schema import SchemaTooNew, migrate


class StoreError(Exception):
    """A state problem the user must act on (exit code 3).  One line."""


class NoDatabase(StoreError):
    """``Store.open(..., create=False)`` found no database: nothing was
    created (no folder, no file)."""


def describe_db_error(path: Path, exc: sqlite3.Error) -> str:
    """One line for the user about a database error (a state problem, exit 3)."""
    text = str(exc)
    low = text.lower()
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return (
            f"{path}: the database is damaged ({text}); it was left untouched. Move it aside"
            f" (with {path.name}-wal if there is one) to start afresh, or restore a backup"
        )
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        return (
            f"{path}: cannot write the database ({text}); check the permissions of"
            f" {path.parent} and the files in it"
        )
    if "full" in low:
        return f"{path}: the disk is full ({text}); nothing was changed"
    if "disk i/o error" in low:
        return (
            f"{path}: the database could not be read or written ({text}): is the disk full"
            " or failing? Nothing was changed"
        )
    if "locked" in low or "busy" in low:
        return f"{path}: the database is busy in another process ({text}); try again"
    if isinstance(exc, sqlite3.IntegrityError):  # our writes respect the schema: damage
        return (
            f"{path}: the database refused the change ({text}); it may be damaged."
            " Nothing was changed; if this persists, restore a backup"
        )
    return f"{path}: database error ({text})"


# -- opening: the helpers of Store.open ----------------------------------------------

# Tables every triage database has had since schema 1.
_CORE_TABLES = frozenset({"decks", "contacts"})


def create_database(path: Path) -> None:
    """Build a new, empty database beside ``path`` and link it into place
    (no-clobber), so ``path`` never exists half-made.  A leftover ``-wal``
    without its database is not adopted: SQLite would replay it into the new
    file."""
    import secrets

    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreError(
            f"{path} is missing but {wal.name} is still there; it belongs to the database"
            " that was moved or deleted: move it aside too, then try again"
        )
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            migrate(conn)
        finally:
            conn.close()  # checkpoints: everything is in ``tmp`` now
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its database
        except OSError:  # a file system without hard links
            if not os.path.lexists(path):
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def check_file(path: Path) -> None:
    if not path.is_file():
        raise StoreError(f"{path} is not a file; move it aside to start afresh")
    if path.stat().st_size == 0:
        raise StoreError(
            f"{path}: the file is empty (0 bytes), not a triage database; it was left"
            " untouched. Move it aside to start afresh, or restore a backup"
        )


def check_database(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse what is not a triage database of a version this one reads,
    reading only (raises StoreError, or sqlite3.DatabaseError for a file that
    is no database or is damaged)."""
    from triage.store.schema import SCHEMA_VERSION

    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"it was written by a newer triage (schema {version}; this one reads up to "
            f"{SCHEMA_VERSION}); upgrade triage"
        )
    if version == 0 and tables >= _CORE_TABLES:
        raise StoreError(
            f"{path}: the database is damaged (its schema version is missing); it was left"
            " untouched. Move it aside to start afresh, or restore a backup"
        )
    if version == 0 and tables:
        raise StoreError(
            f"{path}: not a triage database (another program's SQLite database); it was left"
            " untouched. Move it aside, or choose another --data-dir"
        )
    if version > 0 and not tables >= _CORE_TABLES:
        raise StoreError(
            f"{path}: the database is damaged (schema {version} without its tables); it was"
            " left untouched. Move it aside to start afresh, or restore a backup"
        )


def close_keeping_files(conn: sqlite3.Connection, path: Path) -> None:
    """Close ``conn`` after a database error without touching the files.

    The last connection to close checkpoints the ``-wal`` into the database
    file and deletes it: on a damaged file that would write into it.  A
    read-only connection opened first holds a shared lock, so ``conn`` is not
    the last one; being read-only, it never checkpoints either."""
    guard = None
    try:
        guard = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        guard.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error:
        pass
    finally:
        conn.close()
        if guard is not None:
            guard.close()


def quick_check(conn: sqlite3.Connection) -> None:
    """``PRAGMA quick_check`` (about 2 µs a contact): a damaged b-tree page
    can still read, yet hide rows.  Raises DatabaseError, which the commands
    report as a damaged database (exit 3)."""
    (first,) = conn.execute("PRAGMA quick_check(1)").fetchone()
    if first != "ok":  # e.g. "*** in database main ***\nPage 5 is never used"
        detail = " ".join(str(first).replace("*** in database main ***", "").split())
        raise sqlite3.DatabaseError(f"database disk image is malformed: {detail}")


class QuickCheck:
    """:func:`quick_check` on a read-only connection of its own, in a thread,
    while the caller reads: SQLite lets go of the GIL while it checks, so on
    two cores the check costs next to nothing."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._ran = False
        self._error: sqlite3.DatabaseError | None = None
        self._thread = threading.Thread(target=self._run, name="triage-quick-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(f"{self._path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error:
            return
        try:
            quick_check(conn)
            self._ran = True
        except sqlite3.OperationalError:
            pass  # could not read at all (busy, no access): the caller checks itself
        except sqlite3.DatabaseError as exc:
            self._error = exc
            self._ran = True
        finally:
            conn.close()

    def wait(self) -> bool:
        """Wait for the check; raise the damage it found.  False when it
        could not run: the caller then checks on its own connection."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._ran
