"""What every importer shares: the item types and the file-level error."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from triage.model import Problem, RawRecord

Item = RawRecord | Problem


class FormatError(Exception):
    """The file as a whole cannot be read as contacts (wrong format, no usable
    columns).  The message is one line for the user; the caller adds the file
    name."""


class Parser(Protocol):
    def __call__(
        self, lines: Iterable[str], *, mapping: dict[str, str] | None = None
    ) -> Iterator[Item]: ...
