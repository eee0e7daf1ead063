"""``triage export``: write the people invited by hand, say what was left out.

Reports go to standard output, warnings to standard error; with ``-o -`` the
data is the standard output, so every message goes to standard error.

Nothing to export (no invited people, none with the tags, or all of them
left out by the format) is not an error: the command says so, writes no file
and exits 0, like ``grep`` finding nothing is a normal answer for a weekly
script.  Usage problems (an existing file without ``--force``, an unknown
tag, a missing folder) exit 2 and name the file or the tag.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from triage.cli.errors import StateError, UsageError
from triage.config import ConfigError, load_config
from triage.export.pacing import (
    UPLOAD_FORMAT,
    pace,
    plan_new_export,
    report_lines,
    run_weekly_export,
    taken_weeks,
)
from triage.export.plan import ExportError, ExportPlan, plan_export
from triage.export.run import NotRecorded, Written, run_export
from triage.model import Deck
from triage.store import Store
from triage.store.network import ensure_current


def export_command(store: Store, deck: Deck, args: argparse.Namespace) -> int:
    out_name: str = args.output
    fmt: str = args.format
    batch_size: int | None = args.batch_size
    to_stdout = out_name == "-"
    if batch_size is not None and batch_size < 1:
        raise UsageError("--batch-size must be a positive whole number")
    if to_stdout and batch_size is not None:
        raise UsageError("--batch-size writes numbered files; it cannot be used with -o -")
    per_week: int | None = args.per_week  # 0: the configured weekly budget
    if per_week is not None:
        _check_per_week(fmt, batch_size, to_stdout)
    new = bool(args.new) or per_week is not None
    try:
        config = load_config()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    budget = config.weekly_budget
    # Who is connected, pending or locked, with the configured lock length.
    ensure_current(store, config.relock_days)
    left_out = ""
    try:
        if new:
            fresh = plan_new_export(store, deck, fmt, args.tag, budget=budget)
            plan = fresh.plan
            if fresh.left_out:
                left_out = fresh.left_out_line("--new" if per_week is None else "--per-week")
        else:
            plan = plan_export(store, deck, fmt, args.tag, budget=budget)
    except ExportError as exc:
        raise UsageError(str(exc)) from None

    report: TextIO = sys.stderr if to_stdout else sys.stdout
    if not plan.count:
        print(plan.nothing_message() + "; no file was written", file=report)
        if left_out:
            print(left_out, file=report)
        _warn(plan.notices())
        return 0
    if per_week is not None:
        return _export_weekly(store, deck, plan, args, per_week or budget, budget, left_out)

    try:
        if to_stdout:
            written = _write_stdout(store, deck, plan)
        else:
            out = Path(out_name).expanduser()
            written = run_export(store, deck, plan, out, batch_size=batch_size, force=args.force)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    except NotRecorded as exc:
        raise StateError(str(exc)) from None

    _report(plan, written.paths, written.sizes, report)
    if left_out:
        print(left_out, file=report)
    notices = plan.notices()
    warning = plan.budget_warning(batch_size)
    if warning:
        notices.append(warning)
    _warn(notices)
    return 0


def _check_per_week(fmt: str, batch_size: int | None, to_stdout: bool) -> None:
    if batch_size is not None:
        raise UsageError("--per-week writes one file per week; it cannot be used with --batch-size")
    if to_stdout:
        raise UsageError("--per-week writes one file per week; it cannot be used with -o -")
    if fmt != UPLOAD_FORMAT:
        raise UsageError(
            f"--per-week paces a LinkedIn upload; it cannot be used with --format {fmt}"
        )


def _export_weekly(
    store: Store,
    deck: Deck,
    plan: ExportPlan,
    args: argparse.Namespace,
    per_week: int,
    budget: int,
    left_out: str,
) -> int:
    """The week files: written, recorded, listed with their weeks and counts."""
    today = date.today()
    try:
        weekly = pace(plan, per_week, taken_weeks(store, today), today)
        written = run_weekly_export(
            store, deck, weekly, Path(args.output).expanduser(), force=args.force
        )
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    except NotRecorded as exc:
        raise StateError(str(exc)) from None
    for line in report_lines(weekly, written.paths):
        print(line)
    if left_out:
        print(left_out)
    notices = plan.notices()
    if per_week > budget:
        notices.append(
            f"{per_week:,} a week is more than your weekly invitation budget of {budget:,}"
        )
    _warn(notices)
    return 0


def _write_stdout(store: Store, deck: Deck, plan: ExportPlan) -> Written:
    """UTF-8 whatever the locale, with the format's own line endings."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a replaced sys.stdout (tests): write text as is
        return run_export(store, deck, plan, sys.stdout)
    sys.stdout.flush()
    fh = io.TextIOWrapper(buffer, encoding="utf-8", errors="replace", newline="")
    try:
        written = run_export(store, deck, plan, fh)
        fh.flush()
    finally:
        fh.detach()
    return written


def _report(plan: ExportPlan, paths: list[str], sizes: list[int], fh: TextIO) -> None:
    what = f"{plan.count:,} invited {'person' if plan.count == 1 else 'people'}"
    which = f" tagged {' or '.join(plan.tags)}" if plan.tags else ""
    if len(paths) == 1:
        print(f"Wrote {what}{which} to {paths[0]} ({plan.fmt} format)", file=fh)
        return
    print(f"Wrote {what}{which} in {len(paths)} files ({plan.fmt} format):", file=fh)
    for path, size in zip(paths, sizes, strict=True):
        print(f"  {path}  {size:,}", file=fh)


def _warn(lines: list[str]) -> None:
    for line in lines:
        print(f"triage: warning: {line}", file=sys.stderr)
