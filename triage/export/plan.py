"""Export: only the people invited by hand leave the machine (DESIGN §2.3, §7).

The CLI and the export dialog share one path: :func:`load_invited` reads every
invited person of a deck once (oldest decision first), :func:`build_plan`
narrows them by tags and format and says who is left out and why, and
:func:`write_export` writes the plan atomically.  Nothing here can select an
undecided or skipped person: the only query asks for ``decision = 'invite'``.

Choices a user would ask about:

- ``linkedin`` leaves out people without a valid email (an upload matches on
  email), people already connected, already invited (an Invitations.csv of
  the deck), with an invitation still pending or withdrawn lately (locked
  until LinkedIn allows a new one), as every deck of the database says
  (:mod:`triage.store.network`); each kind is counted with its own line,
  never silently dropped.  A person who only shares a name with someone
  LinkedIn knows stays in the file, with a warning that names a few; so do
  people without a known LinkedIn profile, with a line saying what LinkedIn
  sends them (an invitation to join, in the user's name).  Other formats are
  for the user's own address book and hold every invited person.
- The weekly-budget warning is about LinkedIn invitations, so it is given for
  the ``linkedin`` format only.
- What each format's cells and files hold (the formula guard, BOMs, labels
  and categories) is in :mod:`triage.export_formats`.

This module never imports textual.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Final

from triage.export.formats import Writer, make_writer
from triage.gcpause import gc_paused
from triage.model import FLAG_BITS, Contact, Deck, Email
from triage.store import Store
from triage.store.network import Mark, ensure_current, marks_of
from triage.vocab import EXPORT_FORMATS

FORMATS: Final = tuple(EXPORT_FORMATS)
DEFAULT_FORMAT: Final = "linkedin"
DEFAULT_BUDGET: Final = 100
PREVIEW: Final = 5

NO_EMAIL: Final = "no usable email"
CONNECTED: Final = "already connected"
INVITED: Final = "already invited"
PENDING: Final = "invitation pending"
LOCKED: Final = "withdrawn lately"
# People an upload must not invite, the strongest reason first.
_BLOCKER_BITS: Final = (
    (FLAG_BITS["connected"], CONNECTED),
    (FLAG_BITS["locked"], LOCKED),
    (FLAG_BITS["pending"], PENDING),
    (FLAG_BITS["invited"], INVITED),
)
_BLOCKED_MASK: Final = sum(bit for bit, _ in _BLOCKER_BITS)
_NAME_MATCH: Final = FLAG_BITS["name_match"]
_NO_PROFILE: Final = FLAG_BITS["no_profile"]


class ExportError(Exception):
    """One line for the user; nothing was written."""


class OutputExists(ExportError):
    """An output file exists and overwriting was not asked for."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists; nothing was written (use --force to overwrite it)")
        self.path = path


# --------------------------------------------------------------------------- selection


@dataclass(slots=True)
class Invited:
    """Every invited person of a deck, oldest decision first, plus the deck's
    tags: read once, planned as often as the filters change.

    ``upload_only``: only what a ``linkedin`` file holds was read (names,
    emails, flags), so only that format can be planned; ``tagged``: the
    people's tags were read, so they can be narrowed by tags."""

    deck: Deck
    people: list[Contact]
    deck_tags: list[str]
    upload_only: bool = False
    tagged: bool = True
    # Why people carry a network flag (triage.store.network), by contact id.
    marks: dict[int, Mark] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class Exclusion:
    contact_id: int
    name: str
    reason: str  # NO_EMAIL, CONNECTED, INVITED, PENDING or LOCKED
    until: str = ""  # LOCKED: the first day LinkedIn allows a new invitation


@dataclass(slots=True)
class ExportPlan:
    """What an export will write, and what it leaves out and why."""

    deck: Deck
    fmt: str
    tags: tuple[str, ...]
    people: list[Contact]
    selected: int  # invited people the tag filter kept, before exclusions
    excluded: list[Exclusion] = field(default_factory=list)
    role_addresses: list[Contact] = field(default_factory=list)
    budget: int = DEFAULT_BUDGET
    # In the file: people who share only a name with someone LinkedIn knows,
    # and how many people have no known LinkedIn profile.
    name_matches: list[Contact] = field(default_factory=list)
    no_profile: int = 0

    @property
    def count(self) -> int:
        return len(self.people)

    def first_names(self, n: int = PREVIEW) -> list[str]:
        return [c.name for c in self.people[:n]]

    def excluded_for(self, reason: str) -> list[Exclusion]:
        return [e for e in self.excluded if e.reason == reason]

    def nothing_message(self) -> str:
        """Why there is nothing to write (only meaningful when count is 0)."""
        which = f" with tag {_or_list(self.tags)}" if self.tags else ""
        if self.selected:
            return f"no invited people{which} to export in the {self.fmt} format"
        return f"no invited people{which} to export"

    def notices(self, how_to_see: str = "--format full") -> list[str]:
        """Exclusions and role-address warnings, one line each."""
        out: list[str] = []
        for reason, one, many in (
            (NO_EMAIL, "has no usable email", "have no usable email"),
            (CONNECTED, "is already connected on LinkedIn", "are already connected on LinkedIn"),
            (
                INVITED,
                "was already invited (Invitations.csv)",
                "were already invited (Invitations.csv)",
            ),
            (
                PENDING,
                "has an invitation still pending on LinkedIn",
                "have an invitation still pending on LinkedIn",
            ),
        ):
            n = len(self.excluded_for(reason))
            if n:
                out.append(
                    f"{_people(n)} {one if n == 1 else many} and"
                    f" {'was' if n == 1 else 'were'} left out; see them with {how_to_see}"
                )
        locked = self.excluded_for(LOCKED)
        if locked:
            n = len(locked)
            days = sorted(e.until for e in locked if e.until)
            line = (
                f"{_people(n)} had an invitation withdrawn lately and"
                f" {'was' if n == 1 else 'were'} left out"
            )
            if days:
                line += f"; LinkedIn allows inviting {'them' if n > 1 else 'this person'} again"
                line += f" from {days[0]}"
                if days[-1] != days[0]:
                    line += f" (the last on {days[-1]})"
            out.append(line)
        n = len(self.role_addresses)
        if n:
            examples = ", ".join(f"{c.name} <{c.primary_email}>" for c in self.role_addresses[:3])
            more = f" and {n - 3:,} more" if n > 3 else ""
            out.append(
                f"{_people(n)} {'has' if n == 1 else 'have'} a role address rather than a"
                f" personal one ({examples}{more}); {'it stays' if n == 1 else 'they stay'}"
                " in the file"
            )
        n = len(self.name_matches)
        if n:
            names = ", ".join(c.name for c in self.name_matches[:3])
            more = f" and {n - 3:,} more" if n > 3 else ""
            out.append(
                f"{_people(n)} {'shares' if n == 1 else 'share'} only a name with someone"
                f" LinkedIn knows ({names}{more}); check {'it is' if n == 1 else 'they are'}"
                f" not the same person: {'it stays' if n == 1 else 'they stay'} in the file"
            )
        if self.no_profile:
            out.append(
                f"{self.no_profile:,} of the {self.count:,} people in the file have no known"
                " LinkedIn profile: LinkedIn will email them an invitation to join LinkedIn"
                " in your name"
            )
        return out

    def largest_file(self, batch_size: int | None) -> int:
        return min(self.count, batch_size) if batch_size else self.count

    def budget_warning(
        self, batch_size: int | None, suggestion: str = "--batch-size {n}"
    ) -> str | None:
        """A warning when one file would hold more people than the weekly
        invitation budget (LinkedIn format only)."""
        if self.fmt != "linkedin":
            return None
        largest = self.largest_file(batch_size)
        if largest <= self.budget:
            return None
        return (
            f"{largest:,} people in one file is more than your weekly invitation budget"
            f" of {self.budget:,}; pace the invitations with {suggestion.format(n=self.budget)}"
        )


def load_invited(
    store: Store,
    deck: Deck,
    *,
    upload_only: bool = False,
    tags: bool = True,
    relock_days: int | None = None,
) -> Invited:
    """Every invited person of ``deck``, oldest decision first (``decided_at, id``),
    from a database that passes ``quick_check`` (:meth:`Store.verified`, which
    checks while the people are read).  ``upload_only``: read only what a
    ``linkedin`` file holds; ``tags``: read the people's tags too.  The
    network flags are brought up to date first (``relock_days``: the
    configured lock; None keeps the one used last).

    The cyclic garbage collector is paused while the objects are built: with
    100,000 people its repeated full passes cost more than the reading itself
    (2-3x slower without the pause in bench/bench_export.py)."""
    ensure_current(store, relock_days)
    with store.verified(), gc_paused():
        people = store.invited(deck.id, upload_only=upload_only, tags=tags)
    marks = marks_of(store, deck.id)
    return Invited(deck, people, store.deck_tags(deck.id), upload_only, tags, marks)


def build_plan(
    invited: Invited, fmt: str, tags: Iterable[str] = (), *, budget: int = DEFAULT_BUDGET
) -> ExportPlan:
    """Narrow the invited people by tags (any of them, case-insensitive) and
    apply the format's exclusions.  Raises :class:`ExportError` for an unknown
    format or a tag the deck does not have."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; formats are: {', '.join(FORMATS)}")
    if invited.upload_only and fmt != "linkedin":
        raise ValueError(f"people read for a linkedin file cannot be planned as {fmt}")
    asked = tuple(dict.fromkeys(" ".join(t.split()) for t in tags if t.strip()))
    if asked and not invited.tagged:
        raise ValueError("people read without their tags cannot be narrowed by tags")
    wanted = {t.casefold() for t in asked}
    known = {t.casefold() for t in invited.deck_tags}
    for tag in asked:
        if tag.casefold() not in known:
            have = ", ".join(invited.deck_tags) or "none yet"
            raise ExportError(f"no tag '{tag}' in deck '{invited.deck.name}' (tags: {have})")
    if wanted:
        selected = [c for c in invited.people if any(t.casefold() in wanted for t in c.tags)]
    else:
        selected = list(invited.people)
    plan = ExportPlan(invited.deck, fmt, asked, selected, len(selected), budget=budget)
    if fmt == "linkedin":
        keep: list[Contact] = []
        marks = invited.marks
        # Bit tests, not Contact.has: this loop runs for every invited person.
        for c in selected:
            flags = c.flags
            if flags & _BLOCKED_MASK:
                reason = next(why for bit, why in _BLOCKER_BITS if flags & bit)
                mark = marks.get(c.id) if reason == LOCKED else None
                plan.excluded.append(Exclusion(c.id, c.name, reason, mark.until if mark else ""))
                continue
            email = primary(c)
            if email is None:
                plan.excluded.append(Exclusion(c.id, c.name, NO_EMAIL))
                continue
            keep.append(c)
            if email.role:
                plan.role_addresses.append(c)
            if flags & _NAME_MATCH:
                plan.name_matches.append(c)
            if flags & _NO_PROFILE:
                plan.no_profile += 1
        plan.people = keep
    return plan


def plan_export(
    store: Store,
    deck: Deck,
    fmt: str = DEFAULT_FORMAT,
    tags: Iterable[str] = (),
    *,
    budget: int = DEFAULT_BUDGET,
    relock_days: int | None = None,
) -> ExportPlan:
    """What exporting ``deck`` in ``fmt`` narrowed by ``tags`` would write
    (reading only what that needs: a ``linkedin`` file is names and emails,
    its tags are read only when they narrow the export)."""
    tags = tuple(tags)
    upload = fmt == "linkedin"  # no tags in the file: read them only to narrow by them
    invited = load_invited(
        store,
        deck,
        upload_only=upload,
        tags=not upload or any(t.strip() for t in tags),
        relock_days=relock_days,
    )
    return build_plan(invited, fmt, tags, budget=budget)


def primary(c: Contact) -> Email | None:
    """The first valid email: the one an upload uses."""
    for email in c.emails:
        if email.valid:
            return email
    return None


def _people(n: int) -> str:
    return f"{n:,} invited {'person' if n == 1 else 'people'}"


def _or_list(items: Sequence[str]) -> str:
    quoted = [f"'{t}'" for t in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


# --------------------------------------------------------------------------- file names


def suffix_for(fmt: str) -> str:
    return ".vcf" if fmt == "vcard" else ".csv"


def default_output(deck_name: str, fmt: str, today: date | None = None) -> Path:
    """``~/triage-<deck>-<YYYY-MM-DD>.csv`` (``.vcf`` for vcard), with the deck
    name reduced to characters every file system accepts."""
    safe = re.sub(r"[^\w.-]+", "-", deck_name, flags=re.ASCII).strip("-.") or "deck"
    day = (today or date.today()).isoformat()
    return Path.home() / f"triage-{safe}-{day}{suffix_for(fmt)}"


def batch_paths(out: Path, batches: int) -> list[Path]:
    """``OUT-01.csv``, ``OUT-02.csv``, … (wider numbers past 99 files)."""
    width = max(2, len(str(batches)))
    return [out.with_name(f"{out.stem}-{i:0{width}d}{out.suffix}") for i in range(1, batches + 1)]


def split(people: Sequence[Contact], batch_size: int | None) -> list[Sequence[Contact]]:
    if not batch_size:
        return [people]
    return [people[i : i + batch_size] for i in range(0, len(people), batch_size)]


def file_count(people: int, batch_size: int | None) -> int:
    return -(-people // batch_size) if batch_size else 1


def output_paths(plan: ExportPlan, out: Path, batch_size: int | None) -> list[Path]:
    """The files :func:`write_export` would write."""
    if batch_size is None:
        return [out]
    if batch_size < 1:
        raise ExportError("the batch size must be a positive whole number")
    return batch_paths(out, file_count(plan.count, batch_size))


def first_existing(plan: ExportPlan, out: Path, batch_size: int | None) -> Path | None:
    """The first file :func:`write_export` would have to overwrite, if any."""
    return next((p for p in output_paths(plan, out, batch_size) if os.path.lexists(p)), None)


# --------------------------------------------------------------------------- writing


def write_stream(plan: ExportPlan, fh: IO[str]) -> None:
    """Write the whole plan to an open text stream (``-o -``), no batching."""
    make_writer(plan.fmt, plan.people)(plan.people, fh)


def write_export(
    plan: ExportPlan, out: Path, *, batch_size: int | None = None, force: bool = False
) -> list[Path]:
    """Write the plan to ``out`` (or ``OUT-01``, ``OUT-02``, … of at most
    ``batch_size`` people), atomically, mode 0600.  Returns the files written;
    none when the plan is empty.

    Every file is first written to a temporary file beside it and fsynced; only
    when all are complete are they renamed into place.  On any failure the
    temporary files are removed and existing files are left as they were.
    """
    out = Path(out)
    paths = output_paths(plan, out, batch_size)
    if not plan.people:
        return []
    return write_files(out, paths, plan.fmt, plan.people, split(plan.people, batch_size), force)


def write_files(
    out: Path,
    paths: Sequence[Path],
    fmt: str,
    people: Sequence[Contact],
    batches: Sequence[Sequence[Contact]],
    force: bool,
) -> list[Path]:
    """Write each batch of ``people`` to its path (named after ``out``), all
    or none: temporary files beside them, fsynced, renamed into place once
    all are complete; on any failure they are removed and existing files
    stay as they were.  Refuses to replace a file without ``force``."""
    folder = out.parent
    if not folder.is_dir():
        raise ExportError(f"{folder}: no such folder; nothing was written")
    for path in paths:
        if path.is_dir():
            raise ExportError(f"{path} is a folder; name a file to write")
        if not force and os.path.lexists(path):
            raise OutputExists(path)
    remove_stale_temps(folder, out.name)
    writer = make_writer(fmt, people)
    temps: list[Path] = []
    try:
        for batch in batches:
            temps.append(write_temp(folder, out.name, writer, batch))
        for tmp, path in zip(temps, paths, strict=True):
            if not force and os.path.lexists(path):  # appeared meanwhile
                raise OutputExists(path)
            os.replace(tmp, path)
        sync_folder(folder)
    except OSError as exc:
        remove_files(temps)
        raise ExportError(
            f"cannot write {out}: {exc.strerror or exc}; nothing was written"
        ) from None
    except BaseException:
        remove_files(temps)
        raise
    return list(paths)


def write_temp(folder: Path, name: str, writer: Writer, people: Sequence[Contact]) -> Path:
    for _ in range(100):
        tmp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        break
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise FileExistsError(f"no free temporary name in {folder}")
    try:
        os.fchmod(fd, 0o600)
        with open(fd, "w", encoding="utf-8", errors="replace", newline="") as fh:
            writer(people, fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        remove_files([tmp])
        raise
    return tmp


def remove_stale_temps(folder: Path, name: str) -> None:
    """Remove the temporary files an export of ``name`` left behind when it
    was killed (SIGKILL, power cut: it could not clean up).  Each temporary
    name holds its writer's PID; files of a process still running (another
    export of the same name) are left alone."""
    prefix = f".{name}."
    try:
        names = [e.name for e in os.scandir(folder)]
    except OSError:
        return
    for entry in names:
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid, _, token = entry[len(prefix) : -len(".tmp")].partition(".")
        if not pid.isdigit() or len(token) != 8 or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            (folder / entry).unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


def remove_files(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def sync_folder(folder: Path) -> None:
    """Make the renames durable; not every file system lets a folder be synced."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
