"""Command-line entry point: ``triage import|review|status|export|decks|demo``.

Paths are resolved here and passed down; nothing below opens a data folder on
its own.  Exit codes (DESIGN §5): 0 success, 2 bad usage or bad input,
3 state problem.  No traceback ever reaches the user: an unexpected error is
summarised in one line and its details written to ``last-error.txt`` in the
data folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from triage.cli.errors import EXIT_OK, EXIT_STATE, EXIT_USAGE, StateError, UsageError
from triage.cli.parser import build_parser
from triage.cli.paths import data_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(_dispatch(args))
    except UsageError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except StateError as exc:
        _fail(str(exc))
        return EXIT_STATE
    except KeyboardInterrupt:
        _fail("interrupted; nothing was left half-done")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        where = _save_traceback(args)
        _fail(f"unexpected error ({type(exc).__name__}: {exc}); details in {where}")
        return 1


def _fail(message: str) -> None:
    print(f"triage: {message}", file=sys.stderr)


def _save_traceback(args: argparse.Namespace) -> str:
    try:
        folder = data_dir(args)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / "last-error.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(traceback.format_exc())
        return str(path)
    except OSError:
        return "(could not write the details)"


def _dispatch(args: argparse.Namespace) -> int:
    from triage.cli import commands

    handler = getattr(commands, f"cmd_{args.command}")
    result: Any = handler(args)
    return int(result or 0)
