"""The import use case: files → importers → normalise → merge → store.

The whole import (every file named on the command line) is one transaction:
it applies completely or not at all.  Row-level problems are reported with
file and line; a file that cannot be read at all aborts the import and
nothing is written.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import Any

from triage.dedupe import Merger, merge_into, new_contact, stable_key
from triage.importers import OpenedFile, open_file
from triage.importers.base import FormatError
from triage.model import FLAG_BITS, FLAGS, Email, Phone, Problem, RawRecord, Source
from triage.normalize import Normalizer, Person, name_key
from triage.store import Deck, Store

# Flags worth a line in the report (merged is reported as its own count).
_REPORTED_FLAGS = tuple(f for f in FLAGS if f not in ("merged", "connected", "invited"))
_CHUNK = 2000
# Below this many bytes a file is normalised in-process; above it, the
# validators run in worker processes (they are the bottleneck: ~50 µs/record).
_PARALLEL_BYTES = 2_000_000


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
        return out


@dataclass(slots=True)
class ImportReport:
    deck: str
    files: list[FileReport]
    contacts: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "contacts": self.contacts,
            "seconds": round(self.seconds, 3),
            "files": [f.as_dict() for f in self.files],
        }


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
) -> ImportReport:
    """Import ``paths`` into the deck (created when new) in one transaction."""
    started = time.perf_counter()
    opened = [_open(Path(p), format, mapping) for p in paths]
    # Contact files first, so invitations can find the people they name.
    opened.sort(key=lambda f: f.format == "invitations")
    report = ImportReport(deck_name, [])
    with store.transaction():
        deck = store.deck(deck_name) or store.create_deck(deck_name, region)
        import_id = store.start_import(deck.id, [str(f.path) for f in opened])
        merger = Merger()
        ranks = _Ranks(deck.seed, import_id)  # one sequence for every file of the import
        for contact in store.iter_contacts(deck.id):
            merger.add(contact)
        bulk = sum(_file_size(f.path) for f in opened) >= _PARALLEL_BYTES
        if bulk:
            store.suspend_indexes()
        for f in opened:
            file_report = FileReport(f.path.name, str(f.path.resolve()), f.format, f.encoding)
            report.files.append(file_report)
            try:
                if f.format == "invitations":
                    _apply_invitations(store, deck, f, file_report)
                else:
                    _import_file(store, deck, import_id, f, file_report, merger, ranks, progress)
            except FormatError as exc:
                raise ImportFailed(f"{f.path}: {exc}") from None
            except (OSError, UnicodeError) as exc:
                raise ImportFailed(f"{f.path}: cannot read the file ({exc})") from None
        report.contacts = int(
            store.conn.execute(
                "SELECT COUNT(*) FROM contacts WHERE deck_id = ?", (deck.id,)
            ).fetchone()[0]
        )
        report.seconds = time.perf_counter() - started
        store.finish_import(deck.id, import_id, report.as_dict())
        if bulk:
            store.restore_indexes()
    return report


def _open(path: Path, format: str | None, mapping: dict[str, str] | None) -> OpenedFile:
    if path.is_dir():
        raise ImportFailed(f"{path}: is a folder; name the export files inside it")
    try:
        return open_file(path, format=format, mapping=mapping)
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file") from None
    except PermissionError:
        raise ImportFailed(f"{path}: permission denied") from None
    except FormatError as exc:
        raise ImportFailed(f"{path}: {exc}") from None
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def _import_file(
    store: Store,
    deck: Deck,
    import_id: int,
    f: OpenedFile,
    rep: FileReport,
    merger: Merger,
    ranks: _Ranks,
    progress: Progress | None,
) -> None:
    path = rep.path
    parallel = _file_size(f.path) >= _PARALLEL_BYTES and (os.cpu_count() or 1) > 1
    flag_counts = dict.fromkeys(_REPORTED_FLAGS, 0)
    writer = store.writer(deck.id)
    for item in _normalised(f.items, deck.region, parallel):
        if isinstance(item, Problem):
            rep.rejected.append(item)
            continue
        if item.kind != "contact":
            rep.rejected.append(Problem(item.line, "not a contact record"))
            continue
        rep.records += 1
        for name in _REPORTED_FLAGS:
            if item.flags & FLAG_BITS[name]:
                flag_counts[name] += 1
        if item.flags & _FLAGGED_MASK:
            rep.flagged += 1
        source = Source(rep.file, item.line, import_id, path)
        found = merger.match(item)
        if found is None:
            contact = new_contact(item, merger.unique_key(stable_key(item)), source)
            writer.add(contact, ranks.next())
            merger.index(contact.id, contact)
            rep.new += 1
        else:
            contact = writer.get(found)
            outcome = merge_into(contact, item, source, merger)
            if outcome != "unchanged":
                writer.update(contact)
                merger.index(contact.id, contact)
            setattr(rep, outcome, getattr(rep, outcome) + 1)
        if progress is not None and rep.records % 5000 == 0:
            progress(rep.file, rep.records)
    writer.flush()
    rep.flags = {k: v for k, v in flag_counts.items() if v}
    if progress is not None:
        progress(rep.file, rep.records)


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
            by_url[_url_key(contact.profile_url)] = contact.id
        by_name.setdefault(name_key(contact.name), []).append(contact.id)
    for inv in invites:
        ids: list[int] = []
        if inv.profile_url and _url_key(inv.profile_url) in by_url:
            ids = [by_url[_url_key(inv.profile_url)]]
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


class _Ranks:
    """Places in the event walk for the people an import adds: after everyone
    from earlier imports (the import id is the high part), shuffled among
    themselves by the deck's seed.  Stored, so the walk never reshuffles."""

    def __init__(self, seed: int, import_id: int) -> None:
        self.rng = random.Random(seed ^ import_id)
        self.base = import_id << 40
        self.used: set[int] = set()

    def next(self) -> int:
        while (low := self.rng.getrandbits(40)) in self.used:
            pass
        self.used.add(low)
        return self.base | low


def _url_key(url: str) -> str:
    return (
        url.strip()
        .rstrip("/")
        .split("?")[0]
        .casefold()
        .removeprefix("https://")
        .removeprefix("http://")
        .removeprefix("www.")
    )


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# -- normalisation, in worker processes for big files -------------------------
#
# Records cross the process boundary as plain tuples: pickling slotted
# dataclasses costs ~20 µs a record each way, tuples ~2 µs.

Item = RawRecord | Problem
Out = Person | Problem

_RAW_FIELDS = attrgetter(*RawRecord.__slots__)

_worker_normalizer: Normalizer | None = None


def _init_worker(region: str) -> None:
    global _worker_normalizer
    _worker_normalizer = Normalizer(region)


def _pack_item(item: Item) -> tuple[Any, ...]:
    if isinstance(item, Problem):
        return (None, item.line, item.reason)
    return _RAW_FIELDS(item)  # type: ignore[no-any-return]


def _pack_person(p: Person) -> tuple[Any, ...]:
    return (
        p.line,
        p.kind,
        p.name,
        p.given,
        p.family,
        p.org,
        p.title,
        [(e.address, e.valid, e.role) for e in p.emails],
        [(ph.number, ph.valid) for ph in p.phones],
        p.notes,
        p.labels,
        p.connected_on,
        p.invited_on,
        p.profile_url,
        p.flags,
    )


def _unpack_person(t: tuple[Any, ...]) -> Out:
    if t[0] is None:
        return Problem(t[1], t[2])
    return Person(
        t[0],
        t[1],
        t[2],
        t[3],
        t[4],
        t[5],
        t[6],
        [Email(*e) for e in t[7]],
        [Phone(*ph) for ph in t[8]],
        t[9],
        t[10],
        t[11],
        t[12],
        t[13],
        t[14],
    )


def _normalise_chunk(chunk: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    assert _worker_normalizer is not None
    norm = _worker_normalizer
    return [t if t[0] is None else _pack_person(norm(RawRecord(*t))) for t in chunk]


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[tuple[Any, ...]]]:
    while chunk := [_pack_item(i) for i in islice(items, size)]:
        yield chunk


def _normalised(items: Iterator[Item], region: str, parallel: bool) -> Iterator[Out]:
    if not parallel:
        norm = Normalizer(region)
        for item in items:
            yield item if isinstance(item, Problem) else norm(item)
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2, initializer=_init_worker, initargs=(region,)) as pool:
        for out in pool.imap(_normalise_chunk, _chunks(items, _CHUNK)):
            for t in out:
                yield _unpack_person(t)
