"""The importer registry and its one entry point, :func:`open_file`.

The format is told from the content, never the file name: exports get renamed,
and ``contacts.csv`` may be any of four layouts.  Parsers are imported only
when a file needs them.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TextIO, cast

from triage.ingest.decoding import Encoding, codec_name, detect_encoding, open_lines, read_head
from triage.ingest.formats.base import FormatError, Item, Parser
from triage.ingest.formats.tabular import MAP_FIELDS, is_blank, open_table
from triage.model import Problem, RawRecord
from triage.vocab import IMPORT_FORMATS

__all__ = [
    "FORMATS",
    "FormatError",
    "OpenedFile",
    "check_encoding",
    "get_parser",
    "open_file",
    "parse_mapping",
    "sniff_format",
]

FORMATS: tuple[str, ...] = tuple(IMPORT_FORMATS)

# format -> (module, function); imported on first use.
_PARSERS: dict[str, tuple[str, str]] = {
    "google": ("triage.ingest.formats.google", "parse"),
    "outlook": ("triage.ingest.formats.outlook", "parse"),
    "linkedin": ("triage.ingest.formats.linkedin", "parse"),
    "invitations": ("triage.ingest.formats.linkedin", "parse_invitations"),
    "vcard": ("triage.ingest.formats.vcard", "parse"),
    "csv": ("triage.ingest.formats.generic", "parse"),
    "full": ("triage.ingest.formats.full", "parse"),
}

# Files people pick by mistake; told apart by their first bytes.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an .xlsx/.docx file: save it as CSV first)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls?): save it as CSV first"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
)


@dataclass(slots=True)
class OpenedFile:
    """A contacts file ready to stream: what it is and its items."""

    path: Path
    format: str  # one of FORMATS
    encoding: str  # e.g. "utf-8", "utf-8-sig", "utf-16-le", "cp1252", "shift_jis"
    items: Iterator[RawRecord | Problem]  # lazy; streams the file
    mapping: dict[str, str] | None = None
    codec: Encoding | None = None  # how to open the file again (see chunks.py)
    stream: TextIO | None = None  # behind ``items``; closed when they end

    def close(self) -> None:
        """Close the file when :attr:`items` will not be read to the end."""
        if self.stream is not None:
            self.stream.close()


def get_parser(format: str) -> Parser:
    """The parse function for a format name; FormatError for unknown names."""
    try:
        module_name, function = _PARSERS[format]
    except KeyError:
        raise FormatError(f"unknown format {format!r}; formats are: {', '.join(FORMATS)}") from None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise FormatError(f"{format} files cannot be read by this version") from None
    return cast(Parser, getattr(module, function))


def _looks_binary(head: str) -> bool:
    """Many NULs or control characters: not text, whatever the decoder said."""
    if not head:
        return False
    nul = head.count("\x00")
    controls = sum(1 for ch in head if ch < " " and ch not in "\t\n\r\f")
    return nul > max(2, len(head) // 100) or controls > max(4, len(head) // 20)


def _is_vcard(head: str) -> bool:
    """``BEGIN:VCARD`` (any case) opens the text, after blank lines or a BOM."""
    for seen, line in enumerate(io.StringIO(head, newline="")):
        text = line.strip().strip("\ufeff\x00").casefold()
        if text.startswith("begin:vcard"):
            return True
        if text or seen >= 10:
            return False
    return False


def sniff_format(head: str) -> str:
    """The format of a file from its first ~64 KiB of text."""
    from triage.ingest.formats import full, google, linkedin, outlook

    if _is_vcard(head):
        return "vcard"

    def lines() -> TextIO:
        return io.StringIO(head, newline="")

    # triage's own full export first: its First Name, Last Name and Connected
    # On columns would pass for a LinkedIn Connections.csv.
    for fmt, want in (
        ("full", full.looks_like),
        ("invitations", linkedin.looks_like_invitations),
        ("linkedin", linkedin.looks_like_connections),
    ):
        try:
            open_table(lines(), want=want)
        except FormatError:
            continue
        return fmt
    try:
        table = open_table(lines())
    except FormatError:
        return "csv"
    keys = frozenset(table.keys)
    if google.looks_like(keys):
        return "google"
    if outlook.looks_like(keys):
        return "outlook"
    return "csv"


def _stream(fh: TextIO, first: list[Item], rest: Iterator[Item]) -> Iterator[Item]:
    with fh:
        yield from first
        yield from rest


def check_encoding(name: str) -> str:
    """Python's name for an ``--encoding`` value; FormatError for an unknown one."""
    try:
        return codec_name(name)
    except (LookupError, ValueError):
        raise FormatError(
            f"unknown encoding {name!r}; try utf-8, cp1252, cp1251, shift_jis, gb18030"
        ) from None


def open_file(
    path: Path,
    *,
    format: str | None = None,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
) -> OpenedFile:
    """Open a contacts file: detect its encoding and format, and stream its items.

    ``encoding`` (a codec name) skips the detection.  Raises
    :class:`FormatError` (a one-line message without the file name) when the
    file cannot be read as contacts; lets :class:`OSError` through.  The
    header is read before returning, so column problems (``--map`` naming a
    missing column, no usable column) are raised here, not while iterating.
    """
    path = Path(path)
    if format is not None and format not in FORMATS:
        raise FormatError(f"unknown format {format!r}; formats are: {', '.join(FORMATS)}")
    forced = check_encoding(encoding) if encoding is not None else None
    with path.open("rb") as fh:
        magic = fh.read(16)
    if not magic:
        raise FormatError("the file is empty")
    for signature, what in _SIGNATURES:
        if magic.startswith(signature):
            raise FormatError(f"this is {what}, not a contacts file")

    codec = detect_encoding(path, forced)
    head = read_head(path, codec)
    if is_blank(head):
        raise FormatError("the file is empty")
    if _looks_binary(head):
        raise FormatError("this looks like binary data, not a contacts file")
    fmt = format or sniff_format(head)
    parser: Callable[..., Iterator[Item]] = get_parser(fmt)
    if fmt == "vcard" and codec.legacy:
        # Each value is decoded by the reader: see triage.ingest.formats.vcard.
        from triage.ingest.formats import vcard

        codec = replace(codec, raw=True)
        parser = partial(vcard.parse, charset=codec.name, utf8_first=not codec.forced)

    lines = open_lines(path, codec)
    try:
        items = iter(parser(lines, mapping=mapping))
        # Read the header now so that file-level errors surface from open_file.
        first = [item for item in [next(items, None)] if item is not None]
    except BaseException:
        lines.close()
        raise
    return OpenedFile(path, fmt, codec.name, _stream(lines, first, items), mapping, codec, lines)


def parse_mapping(text: str) -> dict[str, str]:
    """``"email=Courriel,name=Nom"`` -> ``{"email": "Courriel", "name": "Nom"}``.

    Raises :class:`FormatError` on bad syntax, an unknown field or a field
    given twice.
    """
    out: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        field, sep, column = part.partition("=")
        field, column = field.strip().casefold(), column.strip()
        if not sep or not field:
            raise FormatError(f"bad --map entry {part!r}: expected FIELD=COLUMN")
        if field not in MAP_FIELDS:
            raise FormatError(
                f"unknown field {field!r} in --map; fields are: {', '.join(MAP_FIELDS)}"
            )
        if not column:
            raise FormatError(f"--map {field}= needs a column name")
        if field in out:
            raise FormatError(f"field {field!r} is given twice in --map")
        out[field] = column
    if not out:
        raise FormatError("--map is empty: expected FIELD=COLUMN[,FIELD=COLUMN...]")
    return out
