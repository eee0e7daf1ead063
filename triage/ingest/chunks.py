"""Big files cut into chunks of whole records, so worker processes can parse
them while the main process only reads lines.

The main process reads the file's header as :func:`parse` would, then cuts
the lines after it where a record probably ends: for CSV where the ``"``
seen so far balance, for vCard after an ``END:VCARD`` line.  That guess is
cheap, and it is checked: the worker that parses a chunk reports whether
the format's own reader really stood between two records at its end (a
stray ``"`` in an unquoted CSV cell is literal, so quotes can balance
inside a quoted field).  A chunk that fails the check, and everything
after it, is read again in order by :func:`read_rest`, which is exactly
the sequential parser from that line on.  So chunked parsing gives the
same items, line numbers and problems as :func:`parse`.

Invitations.csv is never cut: its rows only mark people already imported.
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from types import ModuleType
from typing import TextIO

from triage.ingest.decoding import Encoding, open_lines
from triage.ingest.formats.base import FormatError, Item
from triage.ingest.formats.tabular import Convert, Table, iter_items, read_chunk

_TABLE_MODULES = {
    "google": "triage.ingest.formats.google",
    "outlook": "triage.ingest.formats.outlook",
    "linkedin": "triage.ingest.formats.linkedin",
    "csv": "triage.ingest.formats.generic",
}
# No boundary within this many times a chunk's size (and at least
# GIVE_UP_MIN characters): stop cutting, read the rest in order.
GIVE_UP = 8
GIVE_UP_MIN = 64 * 1024
_BLOCK = 64 * 1024  # characters read at least at a time


@dataclass(frozen=True, slots=True)
class Layout:
    """What a worker needs to read chunks of one file (plain data)."""

    format: str
    header: tuple[str, ...] = ()
    delimiter: str = ","
    mapping: dict[str, str] | None = None
    charset: str = ""  # vCard: the file's code page when its lines are raw bytes
    utf8_first: bool = True  # vCard: False when that code page is the user's --encoding

    @property
    def is_vcard(self) -> bool:
        return self.format == "vcard"


@dataclass(frozen=True, slots=True)
class Chunk:
    first: int  # physical line number of its first line
    count: int  # physical lines
    text: str
    last: bool  # ends the file: read with end-of-file rules, nothing to check

    def lines(self) -> TextIO:
        return io.StringIO(self.text, newline="")


@dataclass(slots=True)
class ChunkResult:
    items: list[Item]
    clean: bool  # the reader stood between records at the chunk's end
    seen_card: bool  # vCard: the chunk held a BEGIN:VCARD


def splittable(format: str) -> bool:
    return format == "vcard" or format in _TABLE_MODULES


def _table_module(format: str) -> ModuleType:
    return importlib.import_module(_TABLE_MODULES[format])


class Chunker:
    """Cuts a file into :class:`Chunk` s of about ``size`` characters (the
    first ones smaller: an eighth of it, doubling).

    Opens its own text stream (the caller closes the chunker) and reads it
    in blocks: cut points and line counts are found by ``str`` methods, not
    line by line.  After :meth:`next_chunk` returns None, :attr:`gave_up`
    says whether it stopped because no boundary came for a long stretch;
    the lines from :attr:`rest_first` on are then :meth:`rest`.
    """

    def __init__(
        self, path: Path, encoding: Encoding, format: str, mapping: dict[str, str] | None, size: int
    ) -> None:
        self.size = max(size, 1)
        # The first chunks are smaller, so that the workers' first results
        # come soon (the main process waits for them), then double up to size.
        self._limit = max(self.size // 8, 1)
        self.gave_up = False
        self.rest_first = 1
        self._stream = open_lines(path, encoding)
        try:
            if format == "vcard":
                charset = encoding.name if encoding.raw else ""
                self.layout = Layout(format, charset=charset, utf8_first=not encoding.forced)
            else:
                table: Table = _table_module(format).read_header(self._stream)
                self.layout = Layout(format, tuple(table.header), table.delimiter, mapping)
                # Read again from the line after the header, in blocks.
                self._stream.close()
                self._stream = open_lines(path, encoding)
                for _ in range(table.line):
                    self._stream.readline()
                self.rest_first = table.line + 1
        except BaseException:
            self._stream.close()
            raise
        self._text = ""  # read, not yet in a chunk; starts a record
        self._eof = False

    def close(self) -> None:
        self._stream.close()

    def _read(self, want: int) -> bool:
        """Read until ``want`` characters are held or the file ends; False
        when nothing more came.  Never stops between the CR and LF of a CRLF."""
        if self._eof:
            return False
        block = self._stream.read(max(want - len(self._text), _BLOCK))
        if block.endswith("\r"):
            block += self._stream.read(1)
        if not block:
            self._eof = True
            return False
        self._text += block
        return True

    def next_chunk(self) -> Chunk | None:
        if self.gave_up:
            return None
        limit = self._limit
        self._limit = min(limit * 2, self.size)
        while True:
            text = self._text
            if len(text) >= limit:
                cut = self._cut_point(text, limit)
                if cut is not None:
                    return self._cut(cut, last=False)
                if len(text) > max(limit * GIVE_UP, GIVE_UP_MIN):
                    self.gave_up = True
                    return None
            if not self._read(len(text) + limit):
                break
        return self._cut(len(self._text), last=True) if self._text else None

    def _cut_point(self, text: str, limit: int) -> int | None:
        """Where a record probably ends, at or after ``limit``: the end of a
        line (not the held text's end: a CR there may be half a CRLF) after
        which the quotes balance (CSV), or after an END:VCARD line."""
        if self.layout.is_vcard:
            found = _END_LINE.search(text, limit)
            if found is None or found.end() >= len(text):
                return None
            return found.end()
        odd = text.count('"', 0, limit) & 1
        at = limit
        while (found := _LINE_END.search(text, at)) is not None:
            end = found.end()
            if end >= len(text):
                return None
            odd ^= text.count('"', at, end) & 1
            if not odd:
                return end
            at = end
        return None

    def _cut(self, cut: int, *, last: bool) -> Chunk:
        text, self._text = self._text[:cut], self._text[cut:]
        count = text.count("\n") + text.count("\r") - text.count("\r\n")
        if last and not text.endswith(("\n", "\r")):
            count += 1  # the file's last line has no line break
        chunk = Chunk(self.rest_first, count, text, last)
        self.rest_first += count
        return chunk

    def rest(self) -> Iterator[str]:
        """The lines not yet handed out in a chunk, to the end of the file."""
        text, self._text = self._text, ""
        if text and not text.endswith(("\n", "\r")):
            text += self._stream.readline()  # the held text ends inside a line
        return chain(io.StringIO(text, newline=""), self._stream)


_LINE_END = re.compile(r"\r\n|\r|\n")
# An END:VCARD line as vCard writers write it; any other spelling only means
# a later cut (a wrong guess is caught by the worker's check).
_END_LINE = re.compile(r"(?:(?<=[\r\n])|\A)END[ \t]*:[ \t]*VCARD[ \t]*(?:\r\n|\r|\n)", re.I)


class ChunkParser:
    """Worker side: the items of a chunk, as :func:`parse` would give them."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.convert: Convert | None = None
        if not layout.is_vcard:
            module = _table_module(layout.format)
            self.convert = module.converter(list(layout.header), layout.mapping)

    def __call__(self, chunk: Chunk) -> ChunkResult:
        if self.convert is None:
            from triage.ingest.formats.vcard import CardState, read_cards

            state = CardState()
            items = list(
                read_cards(
                    chunk.lines(), state, chunk.first, self.layout.charset, self.layout.utf8_first
                )
            )
            if chunk.last:
                items.extend(state.unterminated())
            return ChunkResult(items, chunk.last or not state.in_card, state.seen_card)
        items, clean = read_chunk(
            chunk.lines(),
            chunk.count,
            self.layout.delimiter,
            chunk.first,
            self.convert,
            check_end=not chunk.last,
        )
        return ChunkResult(items, clean, False)


def read_rest(
    layout: Layout, lines: Iterable[str], first_line: int, *, seen_card: bool
) -> Iterator[Item]:
    """The items from ``first_line`` (where a record starts) to the end of the
    file, read in order: what :func:`parse` gives for that part.  ``seen_card``
    tells whether earlier chunks held a vCard (else the file has none and
    this raises FormatError, as :func:`parse` does)."""
    if layout.is_vcard:
        from triage.ingest.formats.vcard import NO_CARD, CardState, read_cards

        state = CardState(seen_card=seen_card)
        yield from read_cards(lines, state, first_line, layout.charset, layout.utf8_first)
        yield from state.unterminated()
        if not state.seen_card:
            raise FormatError(NO_CARD)
        return
    convert = _table_module(layout.format).converter(list(layout.header), layout.mapping)
    table = Table(list(layout.header), layout.delimiter, first_line - 1, iter(lines))
    yield from iter_items(table, convert)


def check_cards(layout: Layout, seen_card: bool) -> None:
    """After the last chunk: a "vCard" file without any card is an error."""
    if layout.is_vcard and not seen_card:
        from triage.ingest.formats.vcard import NO_CARD

        raise FormatError(NO_CARD)
