"""Only what is new, paced over ISO weeks (``export --new``, ``--per-week``).

``--new`` leaves out the invited people an earlier file already held: for
the LinkedIn format, an earlier upload (a second upload of the same people
sends LinkedIn nothing new; a backup in another format invited nobody); for
the other formats, any earlier export (a file for the user's own records
holds what changed since the last).

``--per-week N`` spreads the people never exported over ISO weeks, oldest
decision first, so that no week goes over LinkedIn's weekly limit: this
week's file holds ``N`` minus the people already uploaded this week, later
weeks ``N`` minus what an earlier weekly export already put in them.  The
uploads of every address-book deck count (the limit is the account's).
Every week's file is written now, atomically, beside ``-o``
(``picks.csv`` → ``picks-2026-W49.csv`` …); a later week's people are
recorded as uploaded at the start of that week, so that ``status`` says
they were sent only once their week has come, and the next plan counts
them in their week.

This module never imports textual.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from triage.export.plan import (
    DEFAULT_BUDGET,
    ExportError,
    ExportPlan,
    Invited,
    build_plan,
    load_invited,
    write_files,
)
from triage.export.run import NotRecorded, Written
from triage.model import Contact, Deck
from triage.store import Store
from triage.store.files import describe_db_error

UPLOAD_FORMAT = "linkedin"
# What the week files are for, said after the files are written.
ONE_A_WEEK = "upload one file per week, each in its own week: only this week's file now"


# --------------------------------------------------------------------------- --new


def only_new(invited: Invited, exported: Collection[int]) -> Invited:
    """The same people less the ones in ``exported`` (an earlier export)."""
    people = [c for c in invited.people if c.id not in exported]
    return Invited(invited.deck, people, invited.deck_tags, invited.upload_only, invited.tagged)


@dataclass(slots=True)
class NewPlan:
    """A plan of the people never exported, and how many people the plan of
    everyone would have written that an earlier export already wrote."""

    plan: ExportPlan
    left_out: int

    def left_out_line(self, how: str = "--new") -> str:
        n = self.left_out
        people = "person" if n == 1 else "people"
        return (
            f"{n:,} invited {people} {before_word(self.plan.fmt)}"
            f" {'was' if n == 1 else 'were'} left out ({how})"
        )


def before_word(fmt: str) -> str:
    """What ``--new`` leaves out in ``fmt``: for an upload, the people an
    earlier upload file held (a copy in another format invited nobody); for
    the other formats, the people any earlier export wrote."""
    return "uploaded before" if fmt == UPLOAD_FORMAT else "exported before"


def build_new_plan(
    invited: Invited,
    exported: Collection[int],
    fmt: str,
    tags: Iterable[str] = (),
    *,
    budget: int = DEFAULT_BUDGET,
) -> NewPlan:
    """:func:`build_plan` of the people never exported.  The people left out
    are counted against the plan of everyone (same tags, same format
    exclusions), so the count names only people the file would have held."""
    tags = tuple(tags)
    everyone = build_plan(invited, fmt, tags, budget=budget)
    left_out = sum(1 for c in everyone.people if c.id in exported)
    if not left_out:
        return NewPlan(everyone, 0)
    return NewPlan(build_plan(only_new(invited, exported), fmt, tags, budget=budget), left_out)


def plan_new_export(
    store: Store,
    deck: Deck,
    fmt: str,
    tags: Iterable[str] = (),
    *,
    budget: int = DEFAULT_BUDGET,
) -> NewPlan:
    """What ``export --new`` in ``fmt`` narrowed by ``tags`` would write
    (reading what :func:`~triage.export.plan.plan_export` reads)."""
    tags = tuple(tags)
    upload = fmt == UPLOAD_FORMAT
    invited = load_invited(
        store, deck, upload_only=upload, tags=not upload or any(t.strip() for t in tags)
    )
    before = store.exported_ids(deck.id, uploads=fmt == UPLOAD_FORMAT)
    return build_new_plan(invited, before, fmt, tags, budget=budget)


# --------------------------------------------------------------------------- weeks


def week_label(day: date) -> str:
    """``2026-W01``: the ISO year and week (zero-padded) ``day`` falls in."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def upload_weeks(stamps: Iterable[str]) -> dict[str, int]:
    """How many uploads (UTC times, ISO 8601) fall in each ISO week of the
    local calendar."""
    out: dict[str, int] = {}
    for stamp in stamps:
        try:
            day = datetime.fromisoformat(stamp).astimezone().date()
        except ValueError:
            continue
        label = week_label(day)
        out[label] = out.get(label, 0) + 1
    return out


def week_began(day: date) -> str:
    """Local midnight of the Monday of ``day``'s week, as ``uploaded_at``
    stores times (UTC, ISO 8601)."""
    start = datetime.combine(week_start(day), time()).astimezone()
    return start.astimezone(UTC).isoformat(timespec="seconds")


def taken_weeks(store: Store, today: date) -> dict[str, int]:
    """The uploads of this week and of the weeks after it (files already
    written for them), by week."""
    return upload_weeks(store.uploads_since(week_began(today)))


@dataclass(slots=True, frozen=True)
class Week:
    label: str  # 2026-W49
    start: date  # its Monday
    count: int  # people planned in it
    taken: int  # already uploaded (this week) or already in an earlier week file
    current: bool  # this week


def plan_weeks(count: int, per_week: int, taken: Mapping[str, int], today: date) -> list[Week]:
    """``count`` people over ISO weeks from ``today``'s on, ``per_week`` a
    week less what each week already holds.  This week is always the first
    entry (its count may be 0 when its budget is used up); no other empty
    week is listed."""
    if per_week < 1:
        raise ValueError("a week holds at least one person")
    weeks: list[Week] = []
    start, left = week_start(today), count
    while left > 0 or not weeks:
        label = week_label(start)
        held = taken.get(label, 0)
        n = min(max(per_week - held, 0), left)
        current = not weeks
        if n or current:
            weeks.append(Week(label, start, n, held, current))
        left -= n
        start += timedelta(days=7)
    return weeks


def plan_line(weeks: Sequence[Week], *, shown: int = 5) -> str:
    """``this week 63 (37 already uploaded this week), 2026-W50 100, 2026-W51 12``;
    past ``shown`` weeks the rest in one phrase."""
    parts: list[str] = []
    for week in weeks[:shown]:
        if week.current:
            text = f"this week {week.count:,}"
            if week.taken:
                text += f" ({week.taken:,} already uploaded this week)"
        else:
            text = f"{week.label} {week.count:,}"
            if week.taken:
                text += f" ({week.taken:,} already in an earlier file)"
        parts.append(text)
    rest = weeks[shown:]
    if rest:
        people = sum(w.count for w in rest)
        parts.append(f"then {people:,} in {len(rest)} more weeks to {rest[-1].label}")
    return ", ".join(parts)


def week_path(out: Path, label: str) -> Path:
    """``picks.csv`` → ``picks-2026-W49.csv``."""
    return out.with_name(f"{out.stem}-{label}{out.suffix}")


@dataclass(slots=True)
class WeeklyPlan:
    """The people of an upload plan, week by week (weeks with nobody left out)."""

    plan: ExportPlan
    weeks: list[Week]  # this week first, as planned (its count may be 0)
    per_week: int

    @property
    def files(self) -> list[Week]:
        return [w for w in self.weeks if w.count]

    def batches(self) -> list[Sequence[Contact]]:
        out: list[Sequence[Contact]] = []
        at = 0
        for week in self.files:
            out.append(self.plan.people[at : at + week.count])
            at += week.count
        return out

    def paths(self, out: Path) -> list[Path]:
        return [week_path(out, w.label) for w in self.files]

    def line(self) -> str:
        return plan_line(self.weeks)


def pace(plan: ExportPlan, per_week: int, taken: Mapping[str, int], today: date) -> WeeklyPlan:
    """Spread ``plan`` (an upload plan of people never exported, oldest
    decision first) over ISO weeks."""
    if plan.fmt != UPLOAD_FORMAT:
        raise ExportError("weekly files are LinkedIn uploads: use the linkedin format")
    return WeeklyPlan(plan, plan_weeks(plan.count, per_week, taken, today), per_week)


def first_existing_week(weekly: WeeklyPlan, out: Path) -> Path | None:
    """The first week file that exists already, if any."""
    return next((p for p in weekly.paths(out) if os.path.lexists(p)), None)


def write_weeks(weekly: WeeklyPlan, out: Path, *, force: bool = False) -> list[Path]:
    """Write every week's file beside ``out``, atomically and all or none
    (as :func:`~triage.export.plan.write_export` writes batches), mode 0600.
    Refuses to replace an existing file without ``force``."""
    out = Path(out)
    paths = weekly.paths(out)
    if not paths:
        return []
    people = weekly.plan.people
    return write_files(out, paths, weekly.plan.fmt, people, weekly.batches(), force)


def run_weekly_export(
    store: Store, deck: Deck, weekly: WeeklyPlan, out: Path, *, force: bool = False
) -> Written:
    """Write the week files, then record each one's people as exported and
    uploaded (this week's now, a later week's at the start of its week).
    Raises ExportError (nothing written) or NotRecorded (written, not
    recorded), as :func:`~triage.export.run.run_export` does."""
    paths = [str(p.resolve()) for p in write_weeks(weekly, out, force=force)]
    batches = weekly.batches()
    written = Written(paths, [len(b) for b in batches])
    try:
        for path, week, people in zip(paths, weekly.files, batches, strict=True):
            at = None if week.current else week_began(week.start)
            store.record_export(
                deck.id, [c.id for c in people], path, weekly.plan.fmt, upload_at=at
            )
    except sqlite3.Error as exc:
        raise NotRecorded(written, describe_db_error(store.path, exc)) from None
    return written


def report_lines(weekly: WeeklyPlan, paths: Sequence[str]) -> list[str]:
    """The week files with their weeks and counts, and what to do with them."""
    what = f"{weekly.plan.count:,} invited {'person' if weekly.plan.count == 1 else 'people'}"
    files = len(paths)
    lines = [
        f"Wrote {what} in {files} weekly {'file' if files == 1 else 'files'}"
        f" ({weekly.plan.fmt} format, at most {weekly.per_week:,} a week):"
    ]
    width = max(len(p) for p in paths)
    for week, path in zip(weekly.files, paths, strict=True):
        when = "this week" if week.current else f"from {week.start.isoformat()}"
        lines.append(f"  {week.label}  {path:<{width}}  {week.count:>6,}  ({when})")
    this = weekly.weeks[0]
    if this.count == 0:
        lines.append(
            f"This week's {weekly.per_week:,} are taken ({this.taken:,} already uploaded"
            f" this week): the first file is for {weekly.files[0].label}."
        )
    elif this.taken:
        lines.append(f"This week's file leaves room for the {this.taken:,} already uploaded.")
    lines.append(ONE_A_WEEK[0].upper() + ONE_A_WEEK[1:] + ".")
    return lines
