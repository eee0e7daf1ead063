"""The import use case: files → importers → normalise → merge → store.

The whole import (every file named on the command line) is one transaction:
it applies completely or not at all.  Row-level problems are reported with
file and line; a file that cannot be read at all aborts the import and
nothing is written.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

from triage.gcpause import gc_paused
from triage.ingest.chunks import splittable
from triage.ingest.formats import OpenedFile, open_file
from triage.ingest.formats.base import FormatError
from triage.ingest.matching import Merger
from triage.ingest.merge import ImportFile, address_book, merge_into, name_org_key, refresh_flags
from triage.ingest.mixing import Newcomers, Traits, rank_order, row_traits, traits
from triage.ingest.names import name_key
from triage.ingest.normalize import Normalizer, email_key
from triage.ingest.pool import (
    Batch,
    Preparer,
    WorkerError,
    parallel_batches,
    sequential_batches,
)
from triage.ingest.profiles import profile_key
from triage.ingest.userdata import restore_from_full
from triage.model import FLAG_BITS, FLAGS, Deck, Problem, RawRecord
from triage.store import Store
from triage.store.codec import Row, decode_row, encode_source_parts
from triage.store.restore import contacts_by_line

T = TypeVar("T")

# Flags worth a line in the report (merged is reported as its own count;
# what LinkedIn knows is worked out across decks after the import).
_NOT_REPORTED = ("merged", "connected", "invited", "pending", "locked", "name_match", "no_profile")
_REPORTED_FLAGS = tuple(f for f in FLAGS if f not in _NOT_REPORTED)
# From this many bytes of input the walk's indexes are dropped during the
# import and built again at its end.
_BULK_BYTES = 2_000_000
# From this many bytes a file is parsed and cleaned in worker processes (the
# validators cost ~30 µs a record; the main process keeps merging and writing).
_PARALLEL_BYTES = 1_000_000
# Characters per chunk sent to a worker: about a 24th of the file per worker,
# within these bounds (a chunk is ~50 ms of work at the upper one).
_MIN_CHUNK = 32 * 1024
_MAX_CHUNK = 256 * 1024
_MAX_WORKERS = 4
# SQLite's page cache during a bulk import: the UNIQUE(deck_id, key) index
# takes inserts at random places, and with the default 2 MB its pages keep
# going out to the WAL and coming back (~0.2 s of CPU per 100,000 rows).
_BULK_CACHE_KIB = 32 * 1024


class ImportFailed(Exception):
    """One line for the user; nothing was written."""


@dataclass(slots=True)
class FileReport:
    file: str
    path: str
    format: str
    encoding: str
    records: int = 0
    new: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    flagged: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    rejected: list[Problem] = field(default_factory=list)
    invitations: int = 0
    invitations_matched: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "records": self.records,
            "new": self.new,
            "merged": self.merged,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "flagged": self.flagged,
            "flags": self.flags,
            "rejected": [{"line": p.line, "reason": p.reason} for p in self.rejected],
        }
        if self.format == "invitations":
            out["invitations"] = self.invitations
            out["invitations_matched"] = self.invitations_matched
        out["rows"] = self.rows
        out["read"] = self.records
        return out

    @property
    def rows(self) -> int:
        """Rows of the file: the records read and the ones rejected."""
        return self.records + len(self.rejected)


@dataclass(slots=True)
class RegionChange:
    """The deck's phone region changed: its phones that did not parse were
    read again in the new one."""

    before: str
    parsed: int = 0  # phones that parse now
    unparsed: int = 0  # phones that still do not

    def as_dict(self) -> dict[str, Any]:
        return {"before": self.before, "parsed": self.parsed, "unparsed": self.unparsed}


@dataclass(slots=True)
class ImportReport:
    deck: str
    files: list[FileReport]
    contacts: int = 0
    seconds: float = 0.0
    region: str = ""
    region_change: RegionChange | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "deck": self.deck,
            "contacts": self.contacts,
            "seconds": round(self.seconds, 3),
            "region": self.region,
            "files": [f.as_dict() for f in self.files],
        }
        if self.region_change is not None:
            out["region_change"] = self.region_change.as_dict()
        return out


Progress = Callable[[str, int], None]


def run_import(
    store: Store,
    deck_name: str,
    paths: Iterable[Path],
    *,
    region: str,
    format: str | None = None,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import ``paths`` into the deck (created when new) in one transaction.

    ``encoding`` (a codec name) reads every file with it instead of detecting."""
    # An import makes no reference cycles but allocates millions of objects:
    # automatic collections would keep scanning everything alive (~7 % of
    # the import's time, more inside the app).
    deferred: list[set[int | signal.Signals]] = []  # the signal mask to restore at the very end
    try:
        with gc_paused():
            return _run_import(
                store, deck_name, paths, region, format, mapping, progress, deferred, encoding
            )
    finally:
        if deferred:  # a Ctrl+C held back during the commit strikes now
            signal.pthread_sigmask(signal.SIG_SETMASK, deferred[0])


def _run_import(
    store: Store,
    deck_name: str,
    paths: Iterable[Path],
    region: str,
    format: str | None,
    mapping: dict[str, str] | None,
    progress: Progress | None,
    deferred: list[set[int | signal.Signals]],
    encoding: str | None = None,
) -> ImportReport:
    started = time.perf_counter()
    opened = [_open(Path(p), format, mapping, encoding) for p in paths]
    store.verify()
    # Contact files first, so invitations can find the people they name.
    opened.sort(key=lambda f: f.format == "invitations")
    report = ImportReport(deck_name, [])
    bulk = sum(_file_size(f.path) for f in opened) >= _BULK_BYTES
    cache = store.page_cache(_BULK_CACHE_KIB) if bulk else contextlib.nullcontext()
    with cache, store.transaction():
        _import_all(
            store, deck_name, region, opened, report, bulk, started, progress, deferred, encoding
        )
    return report


def _import_all(
    store: Store,
    deck_name: str,
    region: str,
    opened: list[OpenedFile],
    report: ImportReport,
    bulk: bool,
    started: float,
    progress: Progress | None,
    deferred: list[set[int | signal.Signals]],
    encoding: str | None,
) -> None:
    deck = store.deck(deck_name) or store.create_deck(deck_name, region)
    report.region = region
    if deck.region != region:
        report.region_change = _change_region(store, deck, region)
    import_id = store.start_import(deck.id, [str(f.path) for f in opened])
    books = {
        path: address_book(name, fmt)
        for path, (name, fmt) in store.writer(deck.id).imported_files().items()
    }
    import_paths = frozenset(str(f.path.resolve()) for f in opened)
    rereads: dict[tuple[int, str], int] = {}  # shared by the files of the import
    merger = Merger(
        store.merge_index(deck.id, email_key, name_org_key, profile_key, FLAG_BITS["name_guessed"])
    )
    merger.load()
    share = _Share(sum(_file_size(f.path) for f in opened if f.format != "invitations"))
    merger.read_share = share
    # Records of one file never merge on their name: the first file read
    # into an empty deck need not be indexed by name at all.
    merger.match_names = (
        merger.stored.people() > 0 or sum(f.format != "invitations" for f in opened) > 1
    )
    # One sequence for every file of the import, after the deck's last card.
    ranks = _Ranks(deck.seed, import_id, store.event_before(deck.id, import_id << 40))
    if bulk:
        store.suspend_indexes()
    for f in opened:
        file_report = FileReport(f.path.name, str(f.path.resolve()), f.format, f.encoding)
        report.files.append(file_report)
        try:
            if f.format == "invitations":
                _apply_invitations(store, deck, f, file_report)
            else:
                path = file_report.path
                book = address_book(file_report.file, f.format)
                previous = contacts_by_line(store, deck.id, path) if path in books else {}
                current = ImportFile(import_id, path, book, import_paths, books, rereads, previous)
                merger.start_file(current)
                _import_file(store, deck, current, f, file_report, merger, ranks, progress, share)
                share.next_file(_file_size(f.path))
        except FormatError as exc:
            raise ImportFailed(f"{f.path}: {exc}") from None
        except (OSError, UnicodeError) as exc:
            raise ImportFailed(f"{f.path}: cannot read the file ({exc})") from None
    merger.close()
    # What a full export held of the user's own (tags, invitation notes) goes
    # back in the same transaction as its people.
    restore_from_full(
        store,
        deck.id,
        [(f.path, str(f.path.resolve())) for f in opened if f.format == "full"],
        encoding,
    )
    # Everything is read: from here to the end of the transaction (mixing,
    # indexes, report, COMMIT) Ctrl+C waits.  A KeyboardInterrupt raised as
    # the transaction's exit is entered would leave it neither committed nor
    # rolled back until shutdown.
    if threading.current_thread() is threading.main_thread():
        deferred.append(signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}))
    # A bulk import builds the walk's indexes while the mixing is worked out.
    ranks.mix(store, deck.id, meanwhile=store.restore_indexes if bulk else None)
    report.contacts = store.count_contacts(deck.id)
    report.seconds = time.perf_counter() - started
    store.finish_import(deck.id, import_id, report.as_dict())


def _open(
    path: Path, format: str | None, mapping: dict[str, str] | None, encoding: str | None = None
) -> OpenedFile:
    if path.is_dir():
        raise ImportFailed(f"{path}: is a folder; name the export files inside it")
    try:
        return open_file(path, format=format, mapping=mapping, encoding=encoding)
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file") from None
    except PermissionError:
        raise ImportFailed(f"{path}: permission denied") from None
    except FormatError as exc:
        raise ImportFailed(f"{path}: {exc}") from None
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def _change_region(store: Store, deck: Deck, region: str) -> RegionChange:
    """Make ``region`` the deck's phone region, and read its phones that did
    not parse again in it (the text as typed is kept for this)."""
    change = RegionChange(deck.region)
    writer = store.writer(deck.id)
    writer.set_region(region)
    deck.region = region
    normalize = Normalizer(region)
    for contact in writer.flagged(FLAG_BITS["phone_unparsed"]):
        numbers = {p.number for p in contact.phones if p.valid}
        phones = []
        for phone in contact.phones:
            if not phone.valid:
                parsed = normalize.reread_phone(phone.number, contact.emails)
                if parsed is not None:
                    change.parsed += 1
                    if parsed.number in numbers:
                        continue
                    numbers.add(parsed.number)
                    phone = parsed
                else:
                    change.unparsed += 1
            phones.append(phone)
        if len(phones) != len(contact.phones) or any(
            a is not b for a, b in zip(phones, contact.phones, strict=False)
        ):
            contact.phones = phones
            refresh_flags(contact)
            writer.update(contact)
    writer.flush()
    return change


def _import_file(
    store: Store,
    deck: Deck,
    current: ImportFile,
    f: OpenedFile,
    rep: FileReport,
    merger: Merger,
    ranks: _Ranks,
    progress: Progress | None,
    share: _Share,
) -> None:
    writer = store.writer(deck.id)
    flag_values: dict[int, int] = {}  # flags value -> records with it
    sources = encode_source_parts(rep.file, current.import_id, current.path)
    next_rank, note = ranks.next, ranks.note

    def add(row: Row) -> int:
        rank = next_rank()
        return note(writer.add(row, rank), rank, row)

    email_holder = merger.email_holder

    def merge(found: int, row: Row) -> None:
        contact = writer.get(found)
        outcome, changed = merge_into(contact, decode_row(row), email_holder, current)
        if changed:
            writer.update(contact)
            merger.index(found, contact)
        setattr(rep, outcome, getattr(rep, outcome) + 1)

    new = 0
    batches = _batches(f, deck.region, sources, merger.match_names, share.read)
    try:
        for entries, problems, flags in batches:
            rep.rejected.extend(problems)
            for value, n in flags.items():
                flag_values[value] = flag_values.get(value, 0) + n
            new += merger.absorb(entries, add, merge, writer.get)
            before = rep.records
            rep.records += len(entries)
            if progress is not None and rep.records // 5000 > before // 5000:
                progress(rep.file, rep.records)
    finally:
        batches.close()  # stops the workers at once when something failed
    writer.flush()
    rep.new = new
    rep.flagged = sum(n for value, n in flag_values.items() if value & _FLAGGED_MASK)
    rep.flags = {}
    for name in _REPORTED_FLAGS:
        n = sum(count for value, count in flag_values.items() if value & FLAG_BITS[name])
        if n:
            rep.flags[name] = n
    if progress is not None:
        progress(rep.file, rep.records)


def _batches(
    f: OpenedFile,
    region: str,
    sources: tuple[str, str],
    names: bool,
    read: Callable[[int], None] | None = None,
) -> Generator[Batch, None, None]:
    preparer = Preparer(region, sources, names)
    size = _file_size(f.path)
    workers = _worker_count()
    if size < _PARALLEL_BYTES or workers < 2 or not splittable(f.format) or f.codec is None:
        return sequential_batches(f.items, preparer)
    chunk = min(max(size // (workers * 24), _MIN_CHUNK), _MAX_CHUNK)
    return _worker_failures(
        f, parallel_batches(f, preparer, workers=workers, chunk_chars=chunk, read=read)
    )


def _worker_failures(
    f: OpenedFile, batches: Generator[Batch, None, None]
) -> Generator[Batch, None, None]:
    try:
        yield from batches
    except WorkerError as exc:
        raise ImportFailed(f"{f.path}: the import failed ({exc})") from None
    finally:
        batches.close()


def _worker_count() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return min(cpus, _MAX_WORKERS)


_FLAGGED_MASK = 0
for _name in _REPORTED_FLAGS:
    _FLAGGED_MASK |= FLAG_BITS[_name]


def _apply_invitations(store: Store, deck: Deck, f: OpenedFile, rep: FileReport) -> None:
    """Mark people named by outgoing invitations as already invited.

    Invitations.csv names invitees (and, in newer exports, their profile URL),
    never their email, so the match is by profile URL, else by exact name."""
    invites: list[RawRecord] = []
    for item in f.items:
        if isinstance(item, Problem):
            rep.rejected.append(item)
        elif item.kind == "invitation":
            invites.append(item)
    rep.records = rep.invitations = len(invites)
    if not invites:
        return
    by_url: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    for contact in store.iter_contacts(deck.id):
        if contact.profile_url:
            by_url[profile_key(contact.profile_url)] = contact.id
        by_name.setdefault(name_key(contact.name), []).append(contact.id)
    for inv in invites:
        ids: list[int] = []
        if inv.profile_url and profile_key(inv.profile_url) in by_url:
            ids = [by_url[profile_key(inv.profile_url)]]
        elif inv.full_name:
            candidates = by_name.get(name_key(inv.full_name), [])
            ids = candidates if len(candidates) == 1 else []
        for cid in ids:
            contact = store.contact(cid)
            if not contact.invited_on or contact.invited_on > inv.invited_on:
                contact.invited_on = inv.invited_on or "unknown date"
                contact.flags |= FLAG_BITS["invited"]
                store.update_contact(contact)
        if ids:
            rep.invitations_matched += 1
        else:
            rep.unchanged += 1


class _Share:
    """The share of an import's contact files read so far, an estimate for
    the merger (characters of the big files' chunks over the files' bytes;
    a small file counts once it is read)."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0  # bytes of the files read to the end
        self.current = 0  # characters of the file being read

    def read(self, chars: int) -> None:
        self.current += chars

    def next_file(self, size: int) -> None:
        self.done += size
        self.current = 0

    def __call__(self) -> float:
        return min((self.done + self.current) / self.total, 1.0)


class _Ranks:
    """Places in the event walk for the people an import adds: after everyone
    from earlier imports (the import id is the high part), shuffled among
    themselves by the deck's seed.  Stored, so the walk never reshuffles.

    The low 40 bits are 16 random bits over a 24-bit count: unique without
    remembering the ones handed out (a set of them took ~70 bytes a person),
    and a shuffle all the same: people sharing the random part (one in
    65,536 of the import) are far apart in the file."""

    LIMIT = 1 << 24
    MIX_BESIDE = 250_000  # see mix()

    def __init__(self, seed: int, import_id: int, last: tuple[str, str, str] | None = None) -> None:
        """``last``: the deck's last card (organisation, email, file), which
        the first new one should not be like."""
        self.rng = random.Random(seed ^ import_id)
        self.last = None if last is None else traits(*last)
        self.base = import_id << 40
        self.count = 0
        self.newcomers = Newcomers()

    def next(self) -> int:
        count = self.count
        if count >= self.LIMIT:
            raise ImportFailed(
                f"one import can add at most {self.LIMIT:,} people; split the files"
                " and import them one after the other"
            )
        self.count = count + 1
        return self.base | self.rng.getrandbits(16) << 24 | count

    def note(self, contact_id: int, rank: int, row: Row) -> int:
        """Remember a new person for :meth:`mix`; returns its id."""
        self.newcomers.add(contact_id, rank, *row_traits(row))
        return contact_id

    def mix(self, store: Store, deck_id: int, meanwhile: Callable[[], None] | None = None) -> None:
        """Mix the new people among their own places (:mod:`mixing`): no
        neighbours from one organisation, email domain or source file where
        the deck allows it, the first one unlike the deck's last card; then
        run ``meanwhile`` (a bulk import's CREATE INDEX), if any.

        Up to :data:`MIX_BESIDE` new people, ``meanwhile`` runs while the
        moves are worked out on another thread: SQLite lets go of the
        interpreter while it works, so both take a core.  Beyond, one after
        the other: the index's sort and the mixing's arrays, together, would
        make a million-row import's memory peak ~30 MiB higher."""
        newcomers, self.newcomers = self.newcomers, Newcomers()
        if meanwhile is not None and 0 < len(newcomers) <= self.MIX_BESIDE:
            moved = _beside(partial(_flat_moves, newcomers, self.last), meanwhile)
            store.move_event_ranks(deck_id, zip(moved[::2], moved[1::2], strict=True))
            return
        if len(newcomers):
            store.move_event_ranks(deck_id, _moves(newcomers, self.last))
        del newcomers  # the index build below does not need its arrays
        if meanwhile is not None:
            meanwhile()


def _moves(newcomers: Newcomers, last: Traits | None) -> Iterator[tuple[int, int]]:
    """(id, rank) of the new people the mixing moves.  Rank order is the
    random field's order, then the count's, which grows as people are
    noted: a counting sort on the field, not a sort of a million ranks
    through Python ints."""
    return newcomers.moves(last, rank_order(newcomers.ranks, 24, 1 << 16))


def _flat_moves(newcomers: Newcomers, last: Traits | None) -> array[int]:
    """:func:`_moves` as flattened (id, rank) pairs: 16 bytes a move."""
    return array("q", chain.from_iterable(_moves(newcomers, last)))


def _beside(work: Callable[[], T], meanwhile: Callable[[], None]) -> T:
    """``work()`` on a thread while ``meanwhile()`` runs in this one; its
    result, or what it raised (once ``meanwhile`` is done either way)."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as exc:  # handed to the caller below
            error.append(exc)

    thread = threading.Thread(target=run, name="triage-mix", daemon=True)
    thread.start()
    try:
        meanwhile()
    finally:
        thread.join()
    if error:
        raise error[0]
    return result[0]


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
