"""Find a file's text encoding and read it as lines without loading it whole.

Address-book exports come as UTF-8 (with or without a BOM), UTF-16 (Google's
and Thunderbird's older exports, sometimes without a BOM) or a legacy code
page: the Windows ANSI one of the writer's language (desktop Outlook,
Windows Address Book), Shift_JIS from Japanese phones, and so on.

UTF-8 costs one pass over the bytes and nothing more.  Only a file that is
not UTF-8 is guessed, from its own declarations first (a vCard's
``CHARSET=`` parameters) and else by charset-normalizer, narrowed to the
code pages contact files are written in.  Detection never fails:
Windows-1252 with replacement characters is the last resort, so undecodable
bytes show up as U+FFFD instead of a crash.  ``--encoding`` overrides it all.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

CHUNK = 1 << 20  # bytes per read while checking that a file is UTF-8
HEAD = 64 * 1024  # bytes of text used for sniffing
SNIFF = 1024  # bytes looked at for a BOM or the UTF-16 NUL pattern
SCAN = 4 << 20  # bytes of a legacy file read to guess its code page
SAMPLE = 64 * 1024  # bytes of its non-ASCII lines handed to the detector

# Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNICODE = frozenset(
    {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
)
# Codecs Python counts as text encodings that no contacts file is written in.
_NOT_FILE_CODECS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "utf-7"}
)
# The code pages contact files are written in, most common first: a tie
# between two readings of the same bytes goes to the earlier one.
CANDIDATES: tuple[str, ...] = (
    "cp1252",
    "cp1250",
    "cp1251",
    "cp932",
    "euc_kr",
    "gb18030",
    "big5",
    "cp949",
    "euc_jp",
    "koi8_r",
    "koi8_u",
    "cp1253",
    "cp1254",
    "cp1257",
    "cp1255",
    "cp1256",
    "cp874",
    "cp1258",
)
# A declared code page that fails on the file's bytes is often meant as its
# vendor superset (Shift_JIS written by Windows is CP932, and so on).
_SUPERSETS = {
    "shift_jis": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
}
_DECLARED = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.-]{2,40})""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Encoding:
    """How to decode one file: the codec and how many BOM bytes to skip.

    ``name`` is what the user is told.  ``utf-8-sig`` strips its own BOM, so
    ``skip`` is 0 for it; the UTF-16/32 codecs named by byte order do not, so
    the reader seeks past the BOM instead.

    ``raw`` lines carry the file's bytes one character each (Latin-1), for a
    reader that decodes each value itself: a vCard property may declare its
    own ``CHARSET=``, and a Shift_JIS trail byte can be a backslash, so the
    bytes must be decoded before escapes are read.

    ``forced`` is the user's ``--encoding``: a raw value is then read in the
    file's code page even when its bytes would also read as UTF-8.
    """

    name: str
    skip: int = 0
    raw: bool = False
    forced: bool = field(default=False, compare=False)

    @property
    def stream(self) -> str:
        """The codec the text stream is opened with."""
        return "latin-1" if self.raw else self.name

    @property
    def legacy(self) -> bool:
        """Not a Unicode encoding: a code page whose bytes a reader may keep raw."""
        return self.name not in _UNICODE


def codec_name(name: str) -> str:
    """Python's name for a text codec, for ``--encoding``.

    Raises :class:`LookupError` for a name that is no codec, or no codec a
    contacts file can be written in (``rot13``, ``hex``, ``idna``, ...).
    """
    info = codecs.lookup(name.strip())
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FILE_CODECS:
        raise LookupError(name)
    return info.name


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


def detect_encoding(path: Path, forced: str | None = None) -> Encoding:
    """The encoding to read ``path`` with; lets :class:`OSError` through.

    ``forced`` (a codec name, see :func:`codec_name`) is used as it is, except
    that a BOM is still skipped rather than read as a character.
    """
    with path.open("rb") as fh:
        first = fh.read(SNIFF)
    bom = sniff_bom(first)
    if forced is not None:
        return replace(_forced(codec_name(forced), bom), forced=True)
    if bom is not None:
        return bom
    utf16 = sniff_utf16(first)
    if utf16 is not None:
        return Encoding(utf16)
    if _is_utf8(path):
        return Encoding("utf-8")
    return Encoding(guess_legacy(path))


def _forced(name: str, bom: Encoding | None) -> Encoding:
    if bom is None:
        return Encoding(name)
    if name == "utf-8" and bom.name == "utf-8-sig":
        return bom
    if name in ("utf-16", "utf-32"):  # these codecs read the BOM themselves
        return Encoding(name)
    same_family = bom.name.startswith(name.split("-")[0] + "-") and name.startswith("utf")
    return Encoding(name, bom.skip if same_family else 0)


# --------------------------------------------------------------------------- legacy code pages


def guess_legacy(path: Path) -> str:
    """The code page of a file that is not UTF-8 (a codec name, never fails).

    Declared charsets that read the bytes come first; then charset-normalizer
    over the file's non-ASCII lines, among :data:`CANDIDATES`; Windows-1252
    when nothing fits.
    """
    with path.open("rb") as fh:
        data = fh.read(SCAN)
    sample = non_ascii_lines(data)
    if not sample:
        return "cp1252"
    for declared in declared_charsets(data):
        for name in (declared, _SUPERSETS.get(declared)):
            if name is not None and _decodes(sample, name):
                return name
    return _detect(sample)


def declared_charsets(data: bytes) -> list[str]:
    """The non-Unicode codecs named by ``charset=`` in ``data``, most used first."""
    counts: dict[str, int] = {}
    for found in _DECLARED.finditer(data):
        try:
            name = codec_name(found.group(1).decode("ascii"))
        except (LookupError, ValueError):
            continue
        if name not in _UNICODE:
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: -counts[n])


def non_ascii_lines(data: bytes, limit: int = SAMPLE) -> bytes:
    """The lines of ``data`` holding a byte above 0x7F, up to ``limit`` bytes.

    The detector sees only what tells code pages apart; ASCII would only
    dilute it.  A line cut at the end of ``data`` is left out.
    """
    out: list[bytes] = []
    size = 0
    lines = data.splitlines()
    if data and data[-1:] not in (b"\n", b"\r"):
        lines = lines[:-1] or lines  # the last line may be cut in a character
    for line in lines:
        if not line.isascii():
            out.append(line)
            size += len(line) + 1
            if size >= limit:
                break
    return b"\n".join(out)


def _decodes(data: bytes, name: str) -> bool:
    try:
        data.decode(name)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _detect(sample: bytes) -> str:
    """charset-normalizer's readings of ``sample``, judged by how many of
    their non-ASCII characters are garbage; ties go to the common code page.

    On a handful of names its own ranking is close to chance (Shift_JIS
    bytes read as Windows-1252 punctuation look as clean to it as the
    kanji), so it proposes and :func:`_garbage` decides.
    """
    from charset_normalizer import from_bytes

    matches = from_bytes(sample, cp_isolation=list(CANDIDATES), preemptive_behaviour=False)
    texts = {name: sample.decode(name) for name in CANDIDATES if _decodes(sample, name)}
    for match in matches:
        texts.setdefault(match.encoding, str(match))
    if not texts:
        return "cp1252"
    proposed = {texts[match.encoding] for match in matches}
    order = {name: i for i, name in enumerate(CANDIDATES)}

    def rank(name: str) -> tuple[int, int, int]:
        # Two code pages reading the bytes alike are one proposal.
        text = texts[name]
        return (_garbage(text), text not in proposed, order.get(name, len(order)))

    return min(texts, key=rank)


def _script(ch: str) -> str:
    """The script of a letter, from its Unicode name (kanji and kana are one)."""
    name = unicodedata.name(ch, "")
    word = name.split(" ", 1)[0]
    return "CJK" if word in ("HIRAGANA", "KATAKANA", "CJK") else word


def _garbage(text: str) -> int:
    """How much of ``text``'s non-ASCII reads as a wrong code page, in tenths.

    Garbage is what legacy bytes turn into under the wrong table: symbols
    and punctuation (``‚ƒ„…†‡ˆ‰``), control and private-use characters,
    half-width katakana, and words that no name looks like: two scripts in
    one word (``Josй``), mostly accented letters (``Âèòàëèé``), or case
    going up and down (``чЙФБМЙК``).
    """
    bad = total = 0
    for ch in text:
        if not ch.isascii() and not ch.isalpha():
            total += 1
            if unicodedata.category(ch)[0] != "M":
                bad += 1
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        foreign = sum(1 for ch in word if not ch.isascii())
        total += foreign
        scripts = {_script(ch) for ch in word}
        if (
            len(scripts) > 1
            or "HALFWIDTH" in scripts
            or (scripts == {"LATIN"} and len(word) >= 5 and foreign * 2 > len(word))
            or (
                len(word) >= 3
                and word.lower() != word.upper()
                and not (word.islower() or word.isupper() or word.istitle())
            )
        ):
            bad += foreign
    return 0 if not total else round(10 * bad / total)


_WORD = re.compile(r"[^\W\d_]+")


# --------------------------------------------------------------------------- streams


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
        return io.TextIOWrapper(raw, encoding=encoding.stream, errors="replace", newline="")
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


def open_text(path: Path, forced: str | None = None) -> tuple[TextIO, str]:
    """Detect the encoding of ``path`` and open it as lines (see :func:`open_lines`).

    Returns the stream (an iterator of lines; the caller closes it) and the
    encoding's name.
    """
    encoding = detect_encoding(path, forced)
    return open_lines(path, encoding), encoding.name
