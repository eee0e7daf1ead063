"""Standard input and pipes as files.

An import reads a file more than once (the encoding and format are told
from its head, then it is read from the start, in chunks by worker
processes when it is big), so ``triage import -`` and process substitution
(``triage import <(unzip -p export.zip contacts.csv)``, which passes a
``/dev/fd/N`` pipe) are first copied to a private temporary folder and
removed when the import ends.  The copy is named ``(standard input)`` or
``(pipe N)``, the name the report and the card's provenance show.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

STDIN = "-"
STDIN_NAME = "(standard input)"


class SpoolError(Exception):
    """Standard input or a pipe cannot be read; one line for the user."""


def needs_spool(path: Path) -> bool:
    """``-``, or something that exists but is no regular file nor folder
    (a pipe, a character device): it can be read only once."""
    if str(path) == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # the import says what is wrong with it
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextlib.contextmanager
def spooled(paths: Sequence[Path], stdin: BinaryIO | None = None) -> Iterator[list[Path]]:
    """``paths`` with standard input and pipes replaced by private copies,
    deleted on exit.  ``-`` may be named once."""
    if not any(needs_spool(p) for p in paths):
        yield list(paths)
        return
    if sum(1 for p in paths if str(p) == STDIN) > 1:
        raise SpoolError("standard input (-) can be named only once")
    folder = Path(tempfile.mkdtemp(prefix="triage-input-"))  # mode 0700
    try:
        out: list[Path] = []
        for index, path in enumerate(paths):
            if not needs_spool(path):
                out.append(path)
                continue
            copy = folder / str(index) / _name(path)
            copy.parent.mkdir(mode=0o700)
            _copy(path, copy, stdin)
            out.append(copy)
        yield out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _name(path: Path) -> str:
    if str(path) == STDIN:
        return STDIN_NAME
    return f"(pipe {path.name})"


def _copy(path: Path, copy: Path, stdin: BinaryIO | None) -> None:
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        if str(path) == STDIN:
            if stdin is None and sys.stdin is None:  # started with standard input closed
                raise SpoolError(
                    "standard input is closed: pipe a file in, e.g. "
                    "cat contacts.csv | triage import -"
                )
            source = stdin if stdin is not None else sys.stdin.buffer
            if source.isatty():
                raise SpoolError(
                    "standard input is a terminal: pipe a file in, e.g. "
                    "cat contacts.csv | triage import -"
                )
            try:
                shutil.copyfileobj(source, out, 1 << 20)
            except OSError as exc:
                raise SpoolError(f"standard input cannot be read ({exc.strerror or exc})") from None
            return
        try:
            with path.open("rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
        except OSError as exc:
            raise SpoolError(f"{path}: cannot read ({exc.strerror or exc})") from None
