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
from pathlib import Path
from typing import TextIO

from triage.cli.errors import StateError, UsageError
from triage.config import ConfigError, load_config
from triage.export.plan import ExportError, ExportPlan, plan_export
from triage.export.run import NotRecorded, Written, run_export
from triage.model import Deck
from triage.store import Store


def export_command(store: Store, deck: Deck, args: argparse.Namespace) -> int:
    out_name: str = args.output
    fmt: str = args.format
    batch_size: int | None = args.batch_size
    to_stdout = out_name == "-"
    if batch_size is not None and batch_size < 1:
        raise UsageError("--batch-size must be a positive whole number")
    if to_stdout and batch_size is not None:
        raise UsageError("--batch-size writes numbered files; it cannot be used with -o -")
    try:
        budget = load_config().weekly_budget
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        plan = plan_export(store, deck, fmt, args.tag, budget=budget)
    except ExportError as exc:
        raise UsageError(str(exc)) from None

    report: TextIO = sys.stderr if to_stdout else sys.stdout
    if not plan.count:
        print(plan.nothing_message() + "; no file was written", file=report)
        _warn(plan.notices())
        return 0

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
    notices = plan.notices()
    warning = plan.budget_warning(batch_size)
    if warning:
        notices.append(warning)
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
