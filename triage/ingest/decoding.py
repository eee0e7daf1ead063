"""Find a file's text encoding and read it as lines without loading it whole.

Address-book exports come as UTF-8 (with or without a BOM), UTF-16 (Google's
and Thunderbird's older exports, sometimes without a BOM) or the Windows ANSI
code page (desktop Outlook).  Detection never fails: Windows-1252 with
replacement characters is the last resort, so undecodable bytes show up as
U+FFFD instead of a crash.

Other legacy code pages (Shift_JIS, GBK, ...) are not guessed: they decode as
Windows-1252, so ASCII parts such as most email addresses survive but names
come out garbled.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

CHUNK = 1 << 20  # bytes per read while checking that a file is UTF-8
HEAD = 64 * 1024  # bytes of text used for sniffing
SNIFF = 1024  # bytes looked at for a BOM or the UTF-16 NUL pattern

# Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Encoding:
    """How to decode one file: the codec and how many BOM bytes to skip.

    ``name`` is what the user is told.  ``utf-8-sig`` strips its own BOM, so
    ``skip`` is 0 for it; the UTF-16/32 codecs named by byte order do not, so
    the reader seeks past the BOM instead.
    """

    name: str
    skip: int = 0


def sniff_bom(data: bytes) -> Encoding | None:
    """The encoding announced by a byte-order mark at the start of ``data``."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Encoding(name, 0 if name == "utf-8-sig" else len(bom))
    return None


def sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM, told by where the NUL bytes fall.

    Contact files are mostly ASCII, so UTF-16 LE text has a NUL in nearly every
    odd byte and almost none in the even ones (BE the other way round).
    """
    sample = data[:1024]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0 : pairs * 2 : 2].count(0)
    odd = sample[1 : pairs * 2 : 2].count(0)
    if odd >= pairs * 0.4 and even <= pairs * 0.05:
        return "utf-16-le"
    if even >= pairs * 0.4 and odd <= pairs * 0.05:
        return "utf-16-be"
    return None


def _is_utf8(path: Path) -> bool:
    """Whether the whole file decodes as UTF-8, checked chunk by chunk.

    Each chunk's text is dropped at once, so memory stays at about two chunks
    whatever the file's size.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> Encoding:
    """The encoding to read ``path`` with; lets :class:`OSError` through."""
    with path.open("rb") as fh:
        first = fh.read(SNIFF)
    bom = sniff_bom(first)
    if bom is not None:
        return bom
    utf16 = sniff_utf16(first)
    if utf16 is not None:
        return Encoding(utf16)
    if _is_utf8(path):
        return Encoding("utf-8")
    return Encoding("cp1252")


def open_lines(path: Path, encoding: Encoding) -> TextIO:
    """A text stream over ``path`` whose lines keep their own line ending.

    ``newline=""`` splits on ``\\r\\n``, ``\\r`` and ``\\n`` alike and leaves
    the ending on each line, which is what :mod:`csv` wants and what makes
    physical line numbers right.  The caller closes it.
    """
    raw = path.open("rb")
    try:
        if encoding.skip:
            raw.seek(encoding.skip)
        return io.TextIOWrapper(raw, encoding=encoding.name, errors="replace", newline="")
    except BaseException:
        raw.close()
        raise


def read_head(path: Path, encoding: Encoding, limit: int = HEAD) -> str:
    """Up to ``limit`` bytes from the start of ``path`` as text, for sniffing.

    A character cut in half at the end is dropped rather than replaced.
    """
    with path.open("rb") as fh:
        if encoding.skip:
            fh.seek(encoding.skip)
        data = fh.read(limit)
    decoder = codecs.getincrementaldecoder(encoding.name)(errors="replace")
    return decoder.decode(data, final=len(data) < limit)


def open_text(path: Path) -> tuple[TextIO, str]:
    """Detect the encoding of ``path`` and open it as lines (see :func:`open_lines`).

    Returns the stream (an iterator of lines; the caller closes it) and the
    encoding's name.
    """
    encoding = detect_encoding(path)
    return open_lines(path, encoding), encoding.name
