"""Hostile-input campaign: any bytes through every importer, hostile strings
through every export.

1. **Importers.**  For each format (``google``, ``outlook``, ``linkedin``,
   ``invitations``, ``vcard``, ``csv``) and for auto-detection, Hypothesis
   generates files: random bytes; real files (the public corpus, the demo
   book, the test fixtures) mutated by byte flips, insertions of tricky
   tokens, deletions, duplicated and swapped lines and truncation; encoding
   traps (BOMs, UTF-16 without BOM and cut in half, UTF-32, lone surrogates,
   cp1252/Latin-1/Shift_JIS bytes, NULs, mixed line endings, CR CR LF, a BOM in
   the middle); structural traps (unbalanced quotes, up to 10,000 columns, long
   cells, nested and unterminated vCards, folded lines at the start and end,
   quoted-printable soft breaks at EOF, bad base64, charsets such as
   ``undefined``, ``rot13`` or ``unicode_escape``).  Each file goes through
   ``open_file(path, format=...)`` and all its items; a share of them also
   through ``run_import`` into a temporary deck.  The only clean failures are
   ``FormatError`` (open_file) and ``ImportFailed`` (run_import); **any other
   exception is a traceback**, and the file is saved to reproduce it.
2. **Giants**, once each: a 10 MB cell in every CSV layout, a 10 MB cell after
   an unclosed quote, 10,000 columns, the same person 20,000 times, a 1 MB
   unfolded and a 10 MB folded vCard line, 100,000 quoted-printable soft
   breaks (ending at EOF, or not); through ``open_file`` (the records it
   finds must be the file's) and ``run_import`` (in a fresh process: time and
   peak RSS); an import slower than 30 s is a **hang** (killed after 30 s,
   120 s with ``--deep``).
3. **A million rows**: a generated 1,000,000-row Google CSV (and a 100,000-row
   one for comparison) imported with ``run_import`` into a temporary deck in a
   fresh process; time, peak RSS of the process tree and the RSS after every
   100,000 rows, to see whether memory stays flat.
4. **Export.**  Hypothesis builds people whose names, notes, tags, labels,
   invitation notes, emails and phones are full of ``=``, ``+``, ``-``, ``@``,
   tab, CR, LF, quotes, commas, formulas (``=HYPERLINK("http://x","y")``,
   ``@SUM(1)``, ``+1-555``), non-ASCII and emoji; stores them through the store
   API, invites them and writes every format; the CSV files are read back with
   :mod:`csv`: any cell starting with ``= + - @ TAB CR`` is a **formula cell**,
   and the rows must match the people planned.  The vCard output is read back
   by our own importer.  Last, the ``triage export`` command writes every
   format of one deck holding all of them.
5. **Legacy charsets.**  Seeded-random address books (Google CSV, generic
   CSV, vCard 3.0, vCard 2.1 with ``CHARSET=`` and with quoted-printable)
   whose names are drawn from the letters of Shift_JIS, EUC-JP,
   Windows-1251, KOI8-R, ISO-8859-2, GB18030, Big5, Windows-1252 and UTF-16
   (with and without BOM), encoded in it and imported with ``run_import``,
   left to detection and with ``--encoding``; plus traps (byte garbage,
   ``CHARSET=UTF-8`` on Shift_JIS bytes, a UTF-8 or UTF-16 BOM before
   another encoding, a file in two code pages, a wrong ``CHARSET=``),
   imported together with a good file.  A name read wrong where the charset
   is declared (``CHARSET=``, a BOM) or forced is a **mismatch**; a refusal
   that leaves people behind is a **half import**; what detection alone gets
   right is a figure.
6. **Standard input.**  ``triage import -`` as a subprocess: hostile bytes on
   the pipe, an empty, a closed and a write-only standard input, a terminal,
   ``-`` twice, a good file with garbage on the pipe, a writer that stops in
   the middle of a row, and a generated Google CSV of tens of MB (and as
   much garbage) piped by ``cat``: exit 0 or 2, a refusal in one line, no
   deck left by a refusal, no copy of the input left behind.
7. **Full export round trip.**  Hostile people (formula starts, ``; `` in
   tags and labels, quotes, CR and LF in notes, 10 and 25 kB fields,
   RTL and zero-width characters, control characters in tags and invitation
   notes) imported, invited, tagged, exported with ``--format full`` and
   imported back through the command line: the same people and fields, no
   formula cell; then edits of that file (columns permuted, extra columns,
   UTF-16: the same people again; truncated, a shuffled or LinkedIn header,
   a dropped column, short and long rows: imported or refused in one line).

Usage::

    python bench/campaign_hostile.py            # default budget, a few minutes
    python bench/campaign_hostile.py --deep     # >= 20,000 examples per importer
    python bench/campaign_hostile.py --quick    # the CI budget, no giants/million
    python bench/campaign_hostile.py --examples N --no-million --json

Prints inputs tried (per importer), tracebacks (must be 0), formula cells
exported (must be 0), row mismatches, exported vCard files our importer cannot
read back, giant problems, the million-row figures, and the problems of the
charset, standard-input and full-export phases; exits 1 when any of those is
not 0.  From Python: ``import_campaign``, ``export_campaign``, ``giants``,
``million``, ``charset_campaign``, ``stdin_campaign``, ``full_campaign``.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import io
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "public"
FIXTURES = ROOT / "tests" / "fixtures"
DEMO = ROOT / "triage" / "demo"
FORMATS = ("google", "outlook", "linkedin", "invitations", "vcard", "csv")
IMPORTERS = (*FORMATS, "auto")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A cell of a phone number's characters alone cannot run anything (DESIGN §7).
PHONE_ONLY = re.compile(r"[0-9 +\-()./]+\Z")
CSV_EXPORTS = ("linkedin", "google", "outlook", "full")
MIB = 1024 * 1024
HANG_SECONDS = 30  # a giant whose import takes longer hangs (each imports in ~2 s)

PROFILES = {
    # examples per importer, share of them also through run_import, export examples;
    # books per code page; hostile standard inputs and the rows of the huge one;
    # hostile people through a full export and back, truncated copies of it
    "ci": {"examples": 60, "import_every": 4, "export": 25, "charsets": 3, "stdin": 4,
           "stdin_rows": 0, "full": 12, "truncations": 1},
    "default": {"examples": 1500, "import_every": 5, "export": 300, "charsets": 60,
                "stdin": 30, "stdin_rows": 200_000, "full": 300, "truncations": 8},
    "deep": {"examples": 20_000, "import_every": 10, "export": 3000, "charsets": 600,
             "stdin": 120, "stdin_rows": 400_000, "full": 2000, "truncations": 40},
}  # fmt: skip

# --------------------------------------------------------------------------- seeds


def _small_seeds() -> dict[str, list[bytes]]:
    """A minimal valid file of each format, so every format has seeds even
    without the corpus."""
    google = (
        b"First Name,Middle Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value,"
        b"Phone 1 - Label,Phone 1 - Value,Notes\n"
        b"Ada,,Lovelace,* myContacts ::: Friends,* Work,ada@example.com,Mobile,+1 202 555 0142,"
        b'"multi\nline"\n'
        b"Grace,,Hopper,,,grace@example.com ::: g@example.org,,,\n"
    )
    outlook = (
        b'\xef\xbb\xbf"First Name","Last Name","Company","E-mail Address","Mobile Phone",'
        b'"Categories","Notes"\r\n'
        b'"\xc5\x81ukasz","Wi\xc5\x9bniewski","Kestrel","lw@example.com","+49 30 9018",'
        b'"Work;Friends","note"\r\n'
    )
    linkedin = (
        b"\xef\xbb\xbfNotes:\r\n"
        b'"When exporting your connection data, you may notice..."\r\n\r\n'
        b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
        b"Alex,Martin,https://www.linkedin.com/in/alex,alex@example.com,Acme,Eng,22 Dec 2025\r\n"
    )
    invitations = (
        b"From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        b'Me Myself,Ana Silva,"8/26/22, 8:56 PM",,OUTGOING,,https://www.linkedin.com/in/ana\n'
        b'Bob Stone,Me Myself,"8/20/22, 10:01 AM","Hi",INCOMING,,\n'
    )
    vcard = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;John;;;\r\nFN:John Doe\r\nORG:Acme;Eng\r\n"
        b"EMAIL;TYPE=INTERNET,PREF:john@example.com\r\nTEL;TYPE=CELL:+1 202 555 0100\r\n"
        b"NOTE:a long note that is folded at seventy-five octets because vCard says s\r\n"
        b" o\r\nCATEGORIES:Friends,Work\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=\r\n"
        b"=C3=BCrgen\r\nEMAIL;INTERNET:j@example.de\r\nEND:VCARD\r\n"
    )
    generic = (
        b"Nom;Pr\xc3\xa9nom;Courriel;T\xc3\xa9l\xc3\xa9phone\n"
        b"Dupont;Jean;jean@example.fr;01 23 45 67 89\n"
        b"Name\tEmail\nAnn\tann@example.com\n"
    )
    return {
        "google": [google],
        "outlook": [outlook],
        "linkedin": [linkedin],
        "invitations": [invitations],
        "vcard": [vcard],
        "csv": [generic],
    }


def load_seeds() -> dict[str, list[bytes]]:
    """Real files per format (the corpus when present, the demo book, the
    test fixtures) plus the small built-in ones; "auto" gets all of them."""
    seeds = _small_seeds()
    files: list[Path] = []
    for folder in (CORPUS, FIXTURES, DEMO):
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.suffix in (".csv", ".vcf", ".tsv"))
    for path in files:
        data = path.read_bytes()
        if len(data) > 200_000:
            continue
        name = path.name.lower()
        if path.suffix == ".vcf":
            fmt = "vcard"
        elif "invitation" in name:
            fmt = "invitations"
        elif "linkedin" in str(path).lower() or "connections" in name:
            fmt = "linkedin"
        elif "google" in name:
            fmt = "google"
        elif "outlook" in name:
            fmt = "outlook"
        else:
            fmt = "csv"
        seeds[fmt].append(data)
    seeds["auto"] = [s for fmt in FORMATS for s in seeds[fmt]]
    return seeds


# --------------------------------------------------------------------------- strategies

TOKENS: tuple[bytes, ...] = (
    b'"', b'""', b'"""', b",", b";", b"\t", b"|", b"\r", b"\n", b"\r\n", b"\r\r\n", b"\n\r",
    b"\x00", b"\x00\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00",
    b"=", b"=\r\n", b"=\n", b"=0", b"=ZZ", b"=C3", b"BEGIN:VCARD\r\n", b"END:VCARD\r\n",
    b"BEGIN:VCARD\r\nBEGIN:VCARD\r\n", b"VERSION:2.1\r\n", b"VERSION:4.0\r\n", b"\r\n ",
    b"\r\n\t", b" ", b";ENCODING=QUOTED-PRINTABLE:", b";ENCODING=QUOTED-PRINTABLE;CHARSET=",
    b";CHARSET=UTF-8", b";CHARSET=undefined:", b";CHARSET=rot13:", b";CHARSET=unicode_escape:",
    b";ENCODING=b:", b";ENCODING=BASE64:", b"PHOTO;ENCODING=b;TYPE=JPEG:", b"item1.", b"TYPE=",
    b'TYPE="', b"\\", b"\\n", b"\\,", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xc0\xaf", b"\x80",
    b"\xe9", b"\xff", b"\x1a", b"\x0b", b"\x0c", b"\x1c", b"\x85", b"\xe2\x80\xa8",
    b"\xf0\x9f\x98\x80", b" ::: ", b":::", b"* myContacts", b"Notes:\r\n", b"E-mail 1 - Value",
    b"First Name,Last Name,Email Address", b"@", b"@@", b"+", b"-", b"=HYPERLINK(\"x\")",
    b"x" * 300, b"," * 200, b'"' * 50,
)  # fmt: skip

CHARSETS = (
    "utf-8", "UTF-16", "utf-32", "latin-1", "cp1252", "shift_jis", "undefined", "rot13",
    "unicode_escape", "raw_unicode_escape", "idna", "punycode", "utf-7", "hex", "zlib",
    "base64", "x-unknown", "", '"utf-8', "utf-8\x00", "ascii",
)  # fmt: skip


@dataclass(frozen=True)
class Sample:
    kind: str  # what made it, for the report
    data: bytes


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [data]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> Sample:
    data = bytearray(draw(st.sampled_from(seeds)))
    steps = draw(st.integers(min_value=1, max_value=8))
    done = []
    for _ in range(steps):
        op = draw(st.sampled_from(("flip", "insert", "token", "delete", "dup", "swap", "cut")))
        at = draw(st.integers(min_value=0, max_value=1 << 20)) % (len(data) + 1)
        if op == "flip" and data:
            at %= len(data)
            data[at] ^= draw(st.integers(min_value=1, max_value=255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            data[at : at + draw(st.integers(min_value=1, max_value=64))] = b""
        elif op in ("dup", "swap"):
            lines = _lines(bytes(data))
            i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            if op == "dup":
                lines[i:i] = [lines[i]] * draw(st.integers(min_value=1, max_value=5))
            else:
                j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"".join(lines))
        elif op == "cut":
            del data[at:]
        done.append(op)
    return Sample("mutated:" + "+".join(sorted(set(done))), bytes(data))


def _endings(text: str, draw: st.DrawFn) -> str:
    ends = draw(st.lists(st.sampled_from(("\n", "\r\n", "\r", "\r\r\n", "\n\r")), min_size=1))
    lines = text.splitlines()
    return "".join(line + ends[i % len(ends)] for i, line in enumerate(lines))


@st.composite
def encoding_trap(draw: st.DrawFn, seeds: list[bytes]) -> Sample:
    text = draw(st.sampled_from(seeds)).decode("utf-8", "replace")
    trap = draw(
        st.sampled_from(
            (
                "utf-16-le", "utf-16-be", "utf-16", "utf-32", "utf-8-sig", "cp1252", "latin-1",
                "shift_jis", "mac_roman", "utf-16-odd", "surrogates", "nuls", "endings",
                "bom-middle", "double-bom", "overlong", "utf-16-then-utf-8",
            )
        )
    )  # fmt: skip
    if trap in ("utf-16-le", "utf-16-be", "utf-16", "utf-32", "utf-8-sig"):
        data = text.encode(trap)
    elif trap in ("cp1252", "latin-1", "shift_jis", "mac_roman"):
        extra = draw(st.text(alphabet="éüßØœ€‚„…‰ŠŒŽ™šœžŸ日本語", max_size=20))
        data = (text + extra).encode(trap, "replace")
    elif trap == "utf-16-odd":
        raw = text.encode("utf-16-le")
        data = raw[: draw(st.integers(min_value=0, max_value=len(raw)))] + b"\x00"[:1]
        if len(data) % 2 == 0:
            data = data[:-1]
    elif trap == "surrogates":
        at = draw(st.integers(min_value=0, max_value=len(text)))
        lone = draw(st.sampled_from(("\ud800", "\udfff", "\udc80\udc81", "\ud83d")))
        codec = draw(st.sampled_from(("utf-8", "utf-16-le", "utf-16")))
        data = (text[:at] + lone + text[at:]).encode(codec, "surrogatepass")
    elif trap == "nuls":
        raw = bytearray(text.encode())
        for _ in range(draw(st.integers(min_value=1, max_value=40))):
            raw.insert(draw(st.integers(min_value=0, max_value=len(raw))), 0)
        data = bytes(raw)
    elif trap == "endings":
        data = _endings(text, draw).encode()
    elif trap == "bom-middle":
        at = draw(st.integers(min_value=0, max_value=len(text)))
        data = (text[:at] + "\ufeff" + text[at:]).encode()
    elif trap == "double-bom":
        data = codecs.BOM_UTF8 + codecs.BOM_UTF8 + text.encode()
    elif trap == "overlong":
        data = text.encode().replace(b"/", b"\xc0\xaf").replace(b"@", b"\xe0\x81\x80")
    else:  # utf-16-then-utf-8: a file appended to in another encoding
        half = len(text) // 2
        data = text[:half].encode("utf-16") + text[half:].encode()
    return Sample(f"encoding:{trap}", data)


@st.composite
def structural_trap(draw: st.DrawFn, fmt: str, seeds: list[bytes]) -> Sample:
    header = _lines(draw(st.sampled_from(seeds)))[0]
    n = draw(st.integers(min_value=1, max_value=10_000))
    trap = draw(
        st.sampled_from(
            (
                "open-quote", "columns", "long-cell", "header-only", "blank-lines", "dup-columns",
                "delimiters-only", "nested-vcards", "begin-no-end", "end-no-begin",
                "fold-first", "fold-last", "qp-soft-eof", "qp-bad-hex", "bad-base64", "charset",
                "no-colon", "many-params", "agent", "quote-in-cell", "cr-only",
            )
        )
    )  # fmt: skip
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEMAIL:ann@example.com\r\n"
    if trap == "open-quote":
        data = header + b'Ann,"ann@example.com,' + b"x" * (n % 500) + b"\nBob,bob@example.com\n"
    elif trap == "columns":
        data = b",".join(b"C%d" % i for i in range(n)) + b"\n" + b"a@b.co," * n + b"\n"
    elif trap == "long-cell":
        data = header + b'"' + b"y, \n" * (n * 5) + b'"\n'
    elif trap == "header-only":
        data = header
    elif trap == "blank-lines":
        data = header + b"\r\n" * n + b",,,\r\n" * (n % 50)
    elif trap == "dup-columns":
        data = header.rstrip(b"\r\n") + b"," + header
        data += b"a@b.co," * (data.count(b",") + 1) + b"\n"
    elif trap == "delimiters-only":
        data = header + (b";" * (n % 300) + b"\n") * 20
    elif trap == "nested-vcards":
        data = card * (n % 200 + 1) + b"END:VCARD\r\n" * draw(st.integers(0, 5))
    elif trap == "begin-no-end":
        data = card * draw(st.integers(1, 20))
    elif trap == "end-no-begin":
        data = b"FN:Ann\r\nEND:VCARD\r\n" * draw(st.integers(1, 20)) + card + b"END:VCARD\r\n"
    elif trap == "fold-first":
        data = b" folded\r\n\tmore\r\n" + card + b"END:VCARD\r\n"
    elif trap == "fold-last":
        data = card + b"NOTE:x\r\n" + b" y\r\n" * (n % 1000) + b" "
    elif trap == "qp-soft-eof":
        data = card + b"NOTE;ENCODING=QUOTED-PRINTABLE:abc=\r\n" + b"=\r\n" * (n % 500) + b"="
    elif trap == "qp-bad-hex":
        data = card + b"FN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=ZZ=C3=\r\n=A9=\r\nEND:VCARD\r\n"
    elif trap == "bad-base64":
        data = card + b"NOTE;ENCODING=b:" + b"!!!***" * (n % 100) + b"=\r\nEND:VCARD\r\n"
    elif trap == "charset":
        charset = draw(st.sampled_from(CHARSETS)).encode()
        encoding = draw(st.sampled_from((b"QUOTED-PRINTABLE", b"b", b"BASE64", b"8BIT", b"")))
        value = draw(st.sampled_from((b"=C3=A9=00=FF", b"w6k=", b"\xc3\xa9", b"=", b"", b"+AGE-")))
        data = (
            card + b"NOTE;CHARSET=" + charset + b";ENCODING=" + encoding + b":" + value
            + b"\r\nEND:VCARD\r\n"
        )  # fmt: skip
    elif trap == "no-colon":
        data = card + b"NOTE;TYPE=x\r\n;;;\r\n:\r\n" + b"END:VCARD\r\n"
    elif trap == "many-params":
        data = card + b"TEL" + b";TYPE=x" * n + b':+1"\r\nEND:VCARD\r\n'
    elif trap == "agent":
        data = card + b"AGENT:BEGIN:VCARD\\nFN:Inner\\nEND:VCARD\r\nEND:VCARD\r\n"
    elif trap == "quote-in-cell":
        data = header + b'Ann,ann"@example.com,"x"y",\n"a""b",c\n'
    else:  # cr-only
        data = header.rstrip(b"\r\n") + b"\r" + b"Ann,ann@example.com\r" * (n % 100)
    return Sample(f"structural:{trap}", data)


def hostile_files(fmt: str, seeds: list[bytes]) -> st.SearchStrategy[Sample]:
    prefixes = [_lines(s)[0] for s in seeds]
    return st.one_of(
        st.binary(max_size=4000).map(lambda b: Sample("random bytes", b)),
        st.tuples(st.sampled_from(prefixes), st.binary(max_size=2000)).map(
            lambda t: Sample("header + random bytes", t[0] + t[1])
        ),
        mutated(seeds),
        encoding_trap(seeds),
        structural_trap(fmt, seeds),
    )


# --------------------------------------------------------------------------- importers


@dataclass
class Traceback:
    importer: str
    stage: str  # "open_file" | "run_import"
    kind: str
    error: str
    where: str
    saved: str = ""


@dataclass
class Tally:
    importer: str
    tried: int = 0
    through_import: int = 0
    clean_errors: int = 0
    items: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    tracebacks: list[Traceback] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    seconds: float = 0.0


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/triage/" in f.filename] or frames
    last = ours[-1] if ours else None
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}" if last else "?"


class Feeder:
    """Runs one input through open_file (and sometimes run_import)."""

    def __init__(self, work: Path, save: Path) -> None:
        self.work = work
        self.save = save
        self.path = work / "input"
        self._store: Any = None
        self._imports = 0

    def store(self) -> Any:
        from triage.store import Store

        if self._store is None or self._imports >= 200:  # keep the deck list short
            if self._store is not None:
                self._store.close()
            folder = Path(tempfile.mkdtemp(prefix="data-", dir=self.work))
            self._store = Store.open(folder)
            self._imports = 0
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def feed(self, tally: Tally, sample: Sample, *, through_import: bool) -> None:
        from triage.ingest.formats import open_file
        from triage.ingest.formats.base import FormatError
        from triage.ingest.run import ImportFailed, run_import

        fmt = None if tally.importer == "auto" else tally.importer
        self.path.write_bytes(sample.data)
        tally.tried += 1
        tally.kinds[sample.kind.split(":")[0]] += 1
        started = time.perf_counter()
        try:
            opened = open_file(self.path, format=fmt)
            try:
                for _ in opened.items:
                    tally.items += 1
            finally:
                opened.close()
        except FormatError:
            tally.clean_errors += 1
        except Exception as exc:
            self._traceback(tally, "open_file", sample, exc)
        if through_import:
            tally.through_import += 1
            store = self.store()
            self._imports += 1
            try:
                run_import(store, f"d{tally.tried}", [self.path], region="US", format=fmt)
            except ImportFailed:
                pass
            except Exception as exc:
                self._traceback(tally, "run_import", sample, exc)
        took = time.perf_counter() - started
        if took > tally.slowest[0]:
            tally.slowest = (took, f"{sample.kind}, {len(sample.data):,} bytes")

    def _traceback(self, tally: Tally, stage: str, sample: Sample, exc: BaseException) -> None:
        tb = Traceback(tally.importer, stage, sample.kind, f"{type(exc).__name__}: {exc}"[:300], "")
        tb.where = _where(exc)
        if len(tally.tracebacks) < 50:
            self.save.mkdir(parents=True, exist_ok=True)
            out = self.save / f"{tally.importer}-{stage}-{len(tally.tracebacks):02d}.bin"
            out.write_bytes(sample.data)
            (out.with_suffix(".txt")).write_text(
                "".join(traceback.format_exception(exc)), encoding="utf-8"
            )
            tb.saved = str(out)
        tally.tracebacks.append(tb)


def import_campaign(
    examples: int,
    *,
    import_every: int = 5,
    importers: tuple[str, ...] = IMPORTERS,
    work: Path,
    save: Path,
    log: Callable[[str], None] = lambda _m: None,
) -> list[Tally]:
    """``examples`` Hypothesis inputs per importer (derandomized: the same
    inputs on every run)."""
    seeds = load_seeds()
    feeder = Feeder(work, save)
    tallies = []
    try:
        for importer in importers:
            tally = Tally(importer)
            started = time.perf_counter()
            strategy = hostile_files(importer, seeds[importer])

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(sample=strategy)
            def run(sample: Sample) -> None:
                feeder.feed(tally, sample, through_import=tally.tried % import_every == 0)  # noqa: B023

            run()
            tally.seconds = time.perf_counter() - started
            log(
                f"  {importer:<12} {tally.tried:>7,} inputs ({tally.through_import:,} through"
                f" run_import) in {tally.seconds:6.1f} s: {len(tally.tracebacks)} tracebacks"
            )
            tallies.append(tally)
    finally:
        feeder.close()
    return tallies


# --------------------------------------------------------------------------- giants


def _giant_files(folder: Path) -> list[tuple[str, str | None, Path, int | None]]:
    """(name, format or None for auto, path, contact records a reader should
    find or None when any clean outcome will do) of the one-off big inputs."""
    ten = 10 * MIB
    made: list[tuple[str, str | None, Path, int | None]] = []

    def write(
        name: str, fmt: str | None, data: bytes | Callable[[Any], None], expect: int | None = 1
    ) -> None:
        path = folder / name
        if callable(data):
            with path.open("wb") as fh:
                data(fh)
        else:
            path.write_bytes(data)
        made.append((name, fmt, path, expect))

    # A quoted cell of 10 MiB with commas, doubled quotes and line breaks.
    cell = b'"' + (b'word, ""quoted""\nline ' * (ten // 22 + 1))[:ten].rstrip(b'"') + b'"'
    google = b"First Name,Last Name,E-mail 1 - Value,Notes\n"
    write("google-10mb-cell.csv", "google", google + b"Ada,L,ada@example.com," + cell + b"\n")
    outlook = b'"First Name","Last Name","E-mail Address","Notes"\r\n'
    write(
        "outlook-10mb-cell.csv", "outlook", outlook + b'"A","B","a@example.com",' + cell + b"\r\n"
    )
    linkedin = b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    write("linkedin-10mb-cell.csv", "linkedin", linkedin + b"A,B,,a@b.co," + cell + b",,\n")
    write("csv-10mb-cell.csv", "csv", b"name,email,notes\nAnn,ann@example.com," + cell + b"\n")
    write("auto-10mb-cell.csv", None, google + b"Ada,L,ada@example.com," + cell + b"\n")
    write(
        "unclosed-quote-10mb.csv",
        None,
        google + b'Ada,L,"ada@example.com,' + b"x, y\n" * (ten // 5) + b"Bob,M,bob@example.com,\n",
        None,
    )

    def columns(fh: Any) -> None:
        fh.write(b",".join(b"Column %d" % i for i in range(10_000)) + b",E-mail\n")
        row = b"," * 10_000
        for i in range(300):
            fh.write(row + b"p%d@example.com\n" % i)

    write("10000-columns.csv", None, columns, 300)
    same = b"Ann,Lee,ann@example.com,\n"
    write("same-person-20000-times.csv", "google", google + same * 20_000, 20_000)
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEMAIL:ann@example.com\r\n"
    write("vcard-1mb-line.vcf", "vcard", card + b"NOTE:" + b"z" * MIB + b"\r\nEND:VCARD\r\n")

    def folded(fh: Any) -> None:
        fh.write(card + b"NOTE:start\r\n")
        line = b" " + b"f" * 74 + b"\r\n"
        for _ in range(ten // len(line)):
            fh.write(line)
        fh.write(b"END:VCARD\r\n")

    write("vcard-10mb-folded.vcf", "vcard", folded)
    soft = card + b"NOTE;ENCODING=QUOTED-PRINTABLE:" + b"=41=\r\n" * 100_000
    write("vcard-qp-soft-breaks.vcf", "vcard", soft + b"=\r\nEND:VCARD\r\n")
    write("vcard-qp-soft-break-at-eof.vcf", "vcard", soft + b"=", None)  # no END:VCARD
    return made


_CHILD_IMPORT = """
import json, os, resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from triage.ingest.run import ImportFailed, run_import
from triage.store import Store

def rss():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

samples = []
step = int(sys.argv[4])
def progress(file, records):
    if not samples or records // step > samples[-1][0] // step:
        samples.append((records, rss()))

fmt = None if sys.argv[3] == "auto" else sys.argv[3]
out = {"rss_start_mib": rss()}
with tempfile.TemporaryDirectory(prefix="triage-hostile-") as data:
    store = Store.open(Path(data))
    started = time.perf_counter()
    try:
        report = run_import(store, "d", [Path(sys.argv[2])], region="US", format=fmt,
                            progress=progress)
        out.update(records=sum(f.records for f in report.files), contacts=report.contacts,
                   rejected=sum(len(f.rejected) for f in report.files), outcome="imported")
    except ImportFailed as exc:
        out.update(outcome="ImportFailed: " + str(exc)[-200:])
    except Exception as exc:
        import traceback
        out.update(outcome="TRACEBACK " + type(exc).__name__ + ": " + str(exc)[:200],
                   traceback=traceback.format_exc())
    out["seconds"] = time.perf_counter() - started
    store.close()
out["samples"] = samples
out["self_maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["workers_maxrss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(out))
"""

# Started by this small launcher, so the child's ru_maxrss is its own and not
# the (large) campaign process's (Linux keeps the peak across exec).
_LAUNCHER = """
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"returncode": proc.returncode, "stdout": proc.stdout,
                  "stderr": proc.stderr[-3000:], "tree_maxrss_kib": usage.ru_maxrss}))
"""


def import_in_child(
    path: Path, fmt: str, sample_every: int = 100_000, timeout: float = 3600
) -> dict[str, Any]:
    """run_import of ``path`` in a fresh interpreter: outcome, seconds, peak
    RSS of its process tree and RSS samples along the way; killed after
    ``timeout`` seconds (outcome ``TIMEOUT``)."""
    child = [sys.executable, "-c", _CHILD_IMPORT, str(ROOT), str(path), fmt, str(sample_every)]
    proc = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, *child],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"outcome": f"TIMEOUT after {timeout:.0f} s", "seconds": timeout,
                "tree_maxrss_mib": float("nan")}  # fmt: skip
    launched = json.loads(stdout)
    try:
        result: dict[str, Any] = json.loads(launched["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {"outcome": f"TRACEBACK (child died): {launched['stderr'][-500:]}"}
    result["tree_maxrss_mib"] = launched["tree_maxrss_kib"] / 1024
    return result


@dataclass
class Giant:
    name: str
    format: str
    size: int
    open_file: str
    open_seconds: float
    run_import: dict[str, Any]
    problem: str = ""  # a traceback, a hang or a wrong record count


def giants(
    work: Path, *, timeout: float = 60, log: Callable[[str], None] = lambda _m: None
) -> list[Giant]:
    """Each big input through open_file (here) and run_import (a fresh
    process, killed after ``timeout`` seconds)."""
    from triage.ingest.formats import open_file
    from triage.ingest.formats.base import FormatError
    from triage.model import Problem

    folder = work / "giants"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, fmt, path, expect in _giant_files(folder):
        started = time.perf_counter()
        problem = ""
        try:
            opened = open_file(path, format=fmt)
            with contextlib.closing(opened):
                records = problems = 0
                for item in opened.items:
                    if isinstance(item, Problem):
                        problems += 1
                    else:
                        records += 1
            outcome = f"{records:,} records, {problems:,} problems ({opened.format})"
            if expect is not None and (records, problems) != (expect, 0):
                problem = f"open_file read {records:,} records and {problems:,} problems"
                problem += f" where the file holds {expect:,} record(s)"
        except FormatError as exc:
            outcome = f"FormatError: {exc}"[:160]
            if expect is not None:
                problem = f"refused a readable file: {exc}"
        except Exception as exc:
            outcome = f"TRACEBACK {type(exc).__name__}: {exc}"[:300]
            problem = outcome
        seconds = time.perf_counter() - started
        result = import_in_child(path, fmt or "auto", timeout=timeout)
        verdict = str(result.get("outcome", ""))
        took = float(result.get("seconds", 0))
        if verdict.startswith(("TRACEBACK", "TIMEOUT")):
            problem = "; ".join(filter(None, [problem, f"run_import: {verdict[:200]}"]))
        elif took > HANG_SECONDS:
            slow = f"run_import took {took:.0f} s (a hang: more than {HANG_SECONDS} s)"
            problem = "; ".join(filter(None, [problem, slow]))
        giant = Giant(name, fmt or "auto", path.stat().st_size, outcome, seconds, result, problem)
        log(
            f"  {name:<28} {giant.size / MIB:6.1f} MiB  open_file: {outcome[:60]}"
            f" ({seconds:.1f} s); run_import: {verdict[:60]}"
            f" ({result.get('seconds', 0):.1f} s, peak {result['tree_maxrss_mib']:.0f} MiB)"
        )
        out.append(giant)
        path.unlink()
    return out


# --------------------------------------------------------------------------- a million rows


def million(
    work: Path, rows: int = 1_000_000, log: Callable[[str], None] = lambda _m: None
) -> dict[str, Any]:
    """Import a generated ``rows``-row Google CSV (and one a tenth of its
    size) in fresh processes: time, peak memory and RSS along the way."""
    from bench import generate

    out: dict[str, Any] = {}
    for n in (rows // 10, rows):
        path = work / f"google-{n}.csv"
        started = time.perf_counter()
        generate.google_csv(path, n)
        log(f"  generated {n:,} rows ({path.stat().st_size / MIB:.0f} MiB) in"
            f" {time.perf_counter() - started:.0f} s; importing ...")  # fmt: skip
        result = import_in_child(path, "google", sample_every=max(n // 10, 1))
        result["file_mib"] = path.stat().st_size / MIB
        result["rows"] = n
        out[str(n)] = result
        path.unlink()
        log(f"  {n:,} rows: {_million_line(result)}")
    return out


def _million_line(r: dict[str, Any]) -> str:
    samples = r.get("samples", [])
    curve = ", ".join(f"{rec // 1000:,}k: {mib:.0f}" for rec, mib in samples)
    rate = r.get("records", 0) / max(r.get("seconds", 0), 1e-9)
    return (
        f"{r.get('outcome', '?')[:60]}; {r.get('seconds', 0):.0f} s ({rate:,.0f} records/s),"
        f" {r.get('contacts', 0):,} people; peak RSS: import process"
        f" {r.get('self_maxrss_mib', 0):.0f} MiB, largest process of the tree"
        f" {r.get('tree_maxrss_mib', 0):.0f} MiB; RSS (MiB) by records read: {curve}"
    )


# --------------------------------------------------------------------------- export

FORMULAS = (
    '=HYPERLINK("http://x","y")', "@SUM(1)", "+1-555", "-2+3", "=1+2", "\t=1+2", "\r=1+2",
    "=cmd|' /C calc'!A0", "+", "-", "=", "@", "\t", "\r", '"=1"', ",=1", "=\n1",
    "@@example.com", "-@x.com", "=a@example.com", "+44 20 7946 0958",
)  # fmt: skip
HOSTILE_CHARS = "=+-@\t\r\n\"',; :|\\éüß漢字😀\u200b\u00a0\ufeff\x00\x0b\x1c\u2028"


def hostile_text(max_size: int = 30) -> st.SearchStrategy[str]:
    plain = st.text(
        alphabet=st.characters(exclude_categories=("Cs",)), max_size=max_size
    )  # no lone surrogates: nothing upstream can produce them
    return st.one_of(
        st.sampled_from(FORMULAS),
        st.text(alphabet=HOSTILE_CHARS, max_size=max_size),
        st.tuples(st.sampled_from(FORMULA_START), plain).map("".join),
        plain,
    )


@st.composite
def person(draw: st.DrawFn) -> dict[str, Any]:
    text = hostile_text()
    emails = draw(
        st.lists(
            st.tuples(
                st.one_of(
                    st.tuples(text, st.sampled_from(("@example.com", "@x.co", ""))).map("".join),
                    st.sampled_from(("ok@example.com", "=1@example.com", "+tag@example.com")),
                ),
                st.booleans(),
            ),
            max_size=3,
        )
    )
    return {
        "name": draw(text),
        "given": draw(text),
        "family": draw(text),
        "org": draw(text),
        "title": draw(text),
        "notes": draw(hostile_text(80)),
        "labels": draw(st.lists(text, max_size=3)),
        "tags": draw(st.lists(text.filter(lambda t: t.split()), max_size=3)),
        "note": draw(text),
        "emails": emails,
        "phones": draw(st.lists(st.tuples(text, st.booleans()), max_size=3)),
        "profile_url": draw(text),
    }


@dataclass
class ExportTally:
    examples: int = 0
    people: int = 0
    files: Counter[str] = field(default_factory=Counter)
    cells: Counter[str] = field(default_factory=Counter)
    formula_cells: list[tuple[str, str]] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    vcard_failures: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    cli: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def add_people(store: Any, deck_name: str, people: list[dict[str, Any]]) -> Any:
    """Put ``people`` into a new deck through the store API and invite them
    all (as tests/test_export.py does)."""
    from triage.ingest.merge import refresh_flags
    from triage.model import Contact, Email, Phone, Source

    with store.transaction():
        deck = store.deck(deck_name) or store.create_deck(deck_name, "US")
        import_id = store.start_import(deck.id, ["hostile.csv"])
        ids = []
        for i, p in enumerate(people):
            c = Contact(
                id=0, deck_id=deck.id, key=f"{deck_name}-{i}", name=p["name"],
                given=p["given"], family=p["family"], org=p["org"], title=p["title"],
                emails=[Email(a, v, False) for a, v in p["emails"]],
                phones=[Phone(n, v) for n, v in p["phones"]], notes=p["notes"],
                labels=list(p["labels"]), profile_url=p["profile_url"],
                sources=[Source("hostile.csv", i + 2, import_id, "/x/hostile.csv")],
            )  # fmt: skip
            refresh_flags(c)
            ids.append(store.insert_contact(deck.id, c, i + 1))
        store.finish_import(deck.id, import_id, {})
    for cid, p in zip(ids, people, strict=True):
        store.decide(cid, "invite")
        for tag in p["tags"]:
            store.set_tag(cid, tag, True)
        if p["note"]:
            store.set_note(cid, p["note"])
    return store.deck(deck_name)


def check_csv(tally: ExportTally, fmt: str, text: str, expected_rows: int, where: str) -> None:
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    tally.files[fmt] += 1
    if len(rows) - 1 != expected_rows:
        tally.mismatches.append(f"{where} {fmt}: {len(rows) - 1} rows for {expected_rows} people")
    for row in rows[1:]:
        for cell in row:
            tally.cells[fmt] += 1
            if cell.startswith(FORMULA_START) and not PHONE_ONLY.match(cell):
                tally.formula_cells.append((fmt, cell[:60]))


def check_vcard(tally: ExportTally, text: str, expected: int, work: Path, where: str) -> None:
    """Our own importer must read the exported cards back, one per person."""
    from triage.ingest.formats import open_file
    from triage.ingest.formats.base import FormatError
    from triage.model import Problem

    path = work / "exported.vcf"
    path.write_text(text, encoding="utf-8", newline="")
    tally.files["vcard"] += 1
    try:
        opened = open_file(path, format="vcard")
        with contextlib.closing(opened):
            items = list(opened.items)
    except FormatError as exc:
        tally.vcard_failures.append(f"{where}: the exported vCard file is refused: {exc}")
        return
    cards = sum(1 for i in items if not isinstance(i, Problem) or "card" in i.reason)
    if cards != expected:
        tally.vcard_failures.append(f"{where}: {cards} cards read back for {expected} people")


def export_campaign(
    examples: int, *, work: Path, log: Callable[[str], None] = lambda _m: None
) -> ExportTally:
    from triage.export.plan import FORMATS as EXPORT_FORMATS
    from triage.export.plan import plan_export, write_stream
    from triage.store import Store

    tally = ExportTally()
    started = time.perf_counter()
    store = Store.open(work / "export-data")
    everyone: list[dict[str, Any]] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(people=st.lists(person(), min_size=1, max_size=4))
    def run(people: list[dict[str, Any]]) -> None:
        tally.examples += 1
        tally.people += len(people)
        everyone.extend(people)
        where = f"example {tally.examples}"
        try:
            deck = add_people(store, f"h{tally.examples}", people)
            for fmt in EXPORT_FORMATS:
                plan = plan_export(store, deck, fmt)
                buf = io.StringIO(newline="")
                write_stream(plan, buf)
                if fmt == "vcard":
                    check_vcard(tally, buf.getvalue(), plan.count, work, where)
                else:
                    check_csv(tally, fmt, buf.getvalue(), plan.count, where)
        except Exception as exc:
            tally.tracebacks.append(f"{where}: {type(exc).__name__}: {exc} at {_where(exc)}")

    try:
        run()
        deck = add_people(store, "everyone", everyone)
        counts = {fmt: plan_export(store, deck, fmt).count for fmt in EXPORT_FORMATS}
    finally:
        store.close()
    tally.cli = export_cli(tally, work, counts)
    tally.seconds = time.perf_counter() - started
    log(
        f"  {tally.examples:,} examples, {tally.people:,} people, files checked:"
        f" {dict(tally.files)}; the CLI wrote {sum(counts.values()):,} rows"
    )
    return tally


def export_cli(tally: ExportTally, work: Path, counts: dict[str, int]) -> dict[str, Any]:
    """``triage export`` of the deck holding every hostile person, each format."""
    env = {**os.environ, "TRIAGE_CONFIG": str(work / "no-config.toml")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    out: dict[str, Any] = {}
    for fmt, expected in counts.items():
        target = work / f"everyone.{fmt}"
        proc = subprocess.run(
            [sys.executable, "-m", "triage", "--data-dir", str(work / "export-data"), "export",
             "--deck", "everyone", "-o", str(target), "--format", fmt, "--force"],
            capture_output=True, text=True, env=env, check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        out[fmt] = {"exit": proc.returncode, "rows": expected}
        if proc.returncode != 0 or "Traceback" in proc.stderr:
            tally.tracebacks.append(f"triage export --format {fmt}: {proc.stderr.strip()[-300:]}")
            continue
        text = target.read_text(encoding="utf-8")
        if fmt == "vcard":
            check_vcard(tally, text, expected, work, "CLI")
        else:
            check_csv(tally, fmt, text, expected, "CLI")
        out[fmt]["mode"] = oct(target.stat().st_mode & 0o777)
    return out


# --------------------------------------------------------------------------- legacy charsets

_KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん"
_KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
)
_KANJI = "山田太郎花子佐藤鈴木高橋中村小林加藤吉本松井上清水斎伊渡辺森池川野口"
_HANZI = (
    "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖"
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚"
)
_HANZI_TRAD = (
    "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹"
    "志明俊傑淑芬美玲雅婷家豪怡君"
)
_CYR_UP = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ"
_CYR_LOW = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_CENTRAL_UP = "ĄĆĘŁŃÓŚŹŻČĎĚŇŘŠŤŽÁÉÍÝŐŰÖÜ"
_CENTRAL_LOW = "ąćęłńóśźżčďěňřšťůžáéíýőűöüäô"
_WESTERN_UP = "ÀÁÂÄÅÆÇÈÉÊËÍÎÑÓÔÖØÚÜŠŽŒ"
_WESTERN_LOW = "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿšžœß"
_UP, _LOW = "ABCDEFGHIJKLMNOPRSTUVWZ", "abcdefghijklmnoprstuvwyz"

# codec -> (its name in a vCard's CHARSET=, capitals, letters); a script
# without case draws both parts of a name from ``letters``.
LEGACY_CHARSETS: dict[str, tuple[str, str, str]] = {
    "shift_jis": ("Shift_JIS", "", _KANJI + _KANA + _KATAKANA),
    "euc_jp": ("EUC-JP", "", _KANJI + _KANA + _KATAKANA),
    "cp1251": ("windows-1251", _CYR_UP, _CYR_LOW),
    "koi8_r": ("KOI8-R", _CYR_UP, _CYR_LOW),
    "iso8859_2": ("ISO-8859-2", _UP + _CENTRAL_UP, _LOW + _CENTRAL_LOW * 2),
    "gb18030": ("GB18030", "", _HANZI),
    "big5": ("Big5", "", _HANZI_TRAD),
    "cp1252": ("windows-1252", _UP + _WESTERN_UP, _LOW + _WESTERN_LOW * 2),
    # Unicode: a BOM declares it; "utf-16-le" is written without one.
    "utf-16": ("UTF-16", _CYR_UP + _CENTRAL_UP, _KANJI + _HANZI_TRAD + _CYR_LOW + _WESTERN_LOW),
    "utf-16-le": ("UTF-16LE", _CYR_UP + _WESTERN_UP, _HANZI + _CYR_LOW + _CENTRAL_LOW),
}
_UNICODE_CHARSETS = ("utf-16", "utf-16-le")
CHARSET_LAYOUTS = ("google", "csv", "vcard30", "vcard21", "vcard21-qp")
# Inputs whose text no declaration describes truthfully.
CHARSET_TRAPS = (
    "garbage", "header+garbage", "lying-utf8", "bom+cp1251", "utf16-bom+utf8",
    "mixed-halves", "wrong-declared", "qp-in-wrong-charset", "nul-padded",
)  # fmt: skip


def charset_name(rng: random.Random, codec: str) -> tuple[str, str]:
    """(given, family) drawn from letters ``codec`` can encode."""
    _, capitals, letters = LEGACY_CHARSETS[codec]
    if not capitals:
        return (
            "".join(rng.choices(letters, k=rng.randint(1, 3))),
            "".join(rng.choices(letters, k=rng.randint(1, 2))),
        )

    def word() -> str:
        return rng.choice(capitals) + "".join(rng.choices(letters, k=rng.randint(2, 7)))

    return word(), word()


def _qp_bytes(data: bytes) -> str:
    return "".join(f"={b:02X}" if b > 0x7E or b < 0x21 or b == 0x3D else chr(b) for b in data)


def charset_book(
    rng: random.Random, codec: str, layout: str, people: list[tuple[str, str]]
) -> bytes:
    """An address book of ``people`` (given, family; the n-th has the address
    ``pN@example.com``) in ``layout``, written in ``codec``."""
    end = rng.choice(("\r\n", "\n"))
    declared = LEGACY_CHARSETS.get(codec, (codec,))[0]
    if layout in ("google", "csv"):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator=end, delimiter="," if layout == "google" else ";")
        if layout == "google":
            writer.writerow(["First Name", "Last Name", "E-mail 1 - Value", "Notes"])
            for i, (given, family) in enumerate(people):
                writer.writerow([given, family, f"p{i}@example.com", f"{family} {given}"])
        else:
            writer.writerow(["Name", "Email"])
            for i, (given, family) in enumerate(people):
                writer.writerow([f"{given} {family}", f"p{i}@example.com"])
        return buf.getvalue().encode(codec)
    if layout == "vcard30":
        cards = [
            f"BEGIN:VCARD{end}VERSION:3.0{end}N:{family};{given};;;{end}FN:{given} {family}{end}"
            f"EMAIL:p{i}@example.com{end}END:VCARD{end}"
            for i, (given, family) in enumerate(people)
        ]
        return "".join(cards).encode(codec)
    out = []
    for i, (given, family) in enumerate(people):
        head = f"BEGIN:VCARD{end}VERSION:2.1{end}".encode()
        tail = f"EMAIL;INTERNET:p{i}@example.com{end}END:VCARD{end}".encode()
        n = f"{family};{given};;;".encode(codec)
        fn = f"{given} {family}".encode(codec)
        if layout == "vcard21":
            raw = f";CHARSET={declared}:".encode()
            body = b"N" + raw + n + end.encode() + b"FN" + raw + fn + end.encode()
        else:  # quoted-printable: the file is ASCII, the charset is only declared
            params = f";CHARSET={declared};ENCODING=QUOTED-PRINTABLE:"
            body = f"N{params}{_qp_bytes(n)}{end}FN{params}{_qp_bytes(fn)}{end}".encode()
        out.append(head + body + tail)
    return b"".join(out)


def charset_trap(rng: random.Random, trap: str, people: list[tuple[str, str]]) -> bytes:
    """A book whose bytes lie about their encoding, or are no text at all."""
    google = charset_book(rng, "cp1252", "google", [("Ann", "Lee")]).split(b"\n")[0] + b"\n"
    if trap == "garbage":
        return rng.randbytes(rng.randint(1, 6000))
    if trap == "header+garbage":
        return google + rng.randbytes(rng.randint(1, 6000))
    if trap == "lying-utf8":  # CHARSET=UTF-8 on Shift_JIS bytes
        jp = [charset_name(rng, "shift_jis") for _ in people]
        data = charset_book(rng, "shift_jis", "vcard21", jp)
        return data.replace(b"CHARSET=Shift_JIS", b"CHARSET=UTF-8")
    if trap == "bom+cp1251":
        ru = [charset_name(rng, "cp1251") for _ in people]
        return codecs.BOM_UTF8 + charset_book(rng, "cp1251", "google", ru)
    if trap == "utf16-bom+utf8":
        return codecs.BOM_UTF16_LE + charset_book(rng, "cp1252", "google", people).replace(
            b"\xff", b"y"
        ).decode("cp1252").encode("utf-8")
    if trap == "mixed-halves":  # a file appended to in another code page
        half = max(1, len(people) // 2)
        ru = [charset_name(rng, "koi8_r") for _ in people]
        first = charset_book(rng, "koi8_r", "google", ru[:half])
        second = charset_book(rng, "utf-8" if rng.random() < 0.5 else "cp1251", "google", ru)
        return first + second.split(b"\n", 1)[1]
    if trap == "wrong-declared":  # CHARSET=KOI8-R on windows-1251 bytes
        ru = [charset_name(rng, "cp1251") for _ in people]
        return charset_book(rng, "cp1251", "vcard21", ru).replace(
            b"CHARSET=windows-1251", rng.choice((b"CHARSET=KOI8-R", b"CHARSET=x-unknown"))
        )
    if trap == "qp-in-wrong-charset":
        cn = [charset_name(rng, "gb18030") for _ in people]
        return charset_book(rng, "gb18030", "vcard21-qp", cn).replace(
            b"CHARSET=GB18030", rng.choice((b"CHARSET=Big5", b"CHARSET=US-ASCII", b"CHARSET="))
        )
    # nul-padded: UTF-16 that lost its BOM and every other byte is shifted
    data = charset_book(rng, "utf-16-le", "google", people)
    return data[1:] if rng.random() < 0.5 else b"\x00" * rng.randint(1, 9) + data


@dataclass
class CharsetTally:
    inputs: int = 0
    imported: int = 0
    refused: int = 0
    by_charset: Counter[str] = field(default_factory=Counter)
    exact_expected: int = 0  # imports whose names must read back exactly
    undeclared: int = 0  # imports left to detection
    undeclared_exact: int = 0
    detection_misses: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    half_imports: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _Decks:
    """A store for a campaign's imports, replaced every 200 decks."""

    def __init__(self, work: Path, prefix: str) -> None:
        self.work, self.prefix = work, prefix
        self._store: Any = None
        self.n = 0

    def next(self) -> tuple[Any, str]:
        from triage.store import Store

        if self._store is None or self.n % 200 == 0:
            if self._store is not None:
                self._store.close()
            self._store = Store.open(Path(tempfile.mkdtemp(prefix=self.prefix, dir=self.work)))
        self.n += 1
        return self._store, f"d{self.n}"

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def _names_by_email(store: Any, deck_name: str) -> dict[str, tuple[str, str, str]]:
    deck = store.deck(deck_name)
    if deck is None:
        return {}
    return {
        c.emails[0].address: (c.name, c.given, c.family)
        for c in store.iter_contacts(deck.id)
        if c.emails
    }


def charset_campaign(
    per_charset: int, *, work: Path, seed: int = 1, log: Callable[[str], None] = lambda _m: None
) -> CharsetTally:
    """``per_charset`` books per code page (each layout, auto-detected and
    forced in turn) and as many traps; each through ``run_import``."""
    from triage.ingest.run import ImportFailed, run_import

    tally = CharsetTally()
    rng = random.Random(seed)
    started = time.perf_counter()
    decks = _Decks(work, "charsets-")
    path = work / "charset-input"
    good = work / "charset-good.csv"
    good.write_bytes(b"First Name,Last Name,E-mail 1 - Value\nGood,Person,good@example.org\n")
    runs: list[tuple[str, str, bytes, list[tuple[str, str]], str | None, bool]] = []
    for k, codec in enumerate(LEGACY_CHARSETS):
        layouts = [x for x in CHARSET_LAYOUTS if codec not in _UNICODE_CHARSETS or "21" not in x]
        for i in range(k, k + per_charset):  # every layout, detected and forced, over codecs
            layout = layouts[i % len(layouts)]
            people = [charset_name(rng, codec) for _ in range(rng.choice((1, 2, 5, 12, 30)))]
            data = charset_book(rng, codec, layout, people)
            forced = codec if i % 2 else None
            told = layout.startswith("vcard21") or codec == "utf-16"  # CHARSET= or a BOM
            runs.append((f"{codec}/{layout}", codec, data, people, forced, told))
    for i in range(per_charset * 2):
        name = CHARSET_TRAPS[i % len(CHARSET_TRAPS)]
        people = [charset_name(rng, "cp1252") for _ in range(rng.choice((1, 3, 8)))]
        runs.append((f"trap/{name}", "trap", charset_trap(rng, name, people), people, None, False))
    try:
        for kind, codec, data, people, forced, told in runs:
            tally.inputs += 1
            tally.by_charset[codec] += 1
            path.write_bytes(data)
            store, deck = decks.next()
            where = f"{kind}{' --encoding ' + forced if forced else ''} ({len(data):,} bytes)"
            trap = codec == "trap"
            files = [good, path] if trap else [path]
            try:
                run_import(store, deck, files, region="US", encoding=forced)
            except ImportFailed as exc:
                tally.refused += 1
                if store.deck(deck) is not None:
                    tally.half_imports.append(f"{where}: refused, yet the deck holds people")
                if not trap:
                    tally.mismatches.append(f"{where}: refused a readable book: {exc}"[:300])
                continue
            except Exception as exc:
                tally.tracebacks.append(f"{where}: {type(exc).__name__}: {exc} at {_where(exc)}")
                _save_reproducer(work, "charset", tally.tracebacks, data)
                continue
            tally.imported += 1
            got = _names_by_email(store, deck)
            if trap:
                if "good@example.org" not in got:
                    tally.half_imports.append(f"{where}: imported without the other file's people")
                continue
            want = {f"p{i}@example.com": p for i, p in enumerate(people)}
            wrong = [
                f"{want[e]} read as {got.get(e, ('(missing)',))}"
                for e in want
                if got.get(e, ("",))[0] != " ".join(want[e])
                or (not kind.endswith("/csv") and got[e][1:] != want[e])
            ]
            if forced or told:
                tally.exact_expected += 1
                if wrong:
                    tally.mismatches.append(f"{where}: {len(wrong)} names wrong, e.g. {wrong[0]}")
            else:
                tally.undeclared += 1
                if wrong:
                    tally.detection_misses.append(f"{where}: {wrong[0]}")
                else:
                    tally.undeclared_exact += 1
    finally:
        decks.close()
    tally.seconds = time.perf_counter() - started
    log(
        f"  {tally.inputs:,} books ({tally.imported:,} imported, {tally.refused:,} refused) in"
        f" {tally.seconds:.1f} s: {len(tally.tracebacks)} tracebacks, {len(tally.mismatches)}"
        f" names wrong in a declared or forced charset, {len(tally.half_imports)} half imports;"
        f" undeclared read right by detection: {tally.undeclared_exact}/{tally.undeclared}"
    )
    return tally


def _save_reproducer(work: Path, what: str, found: list[str], data: bytes) -> None:
    if len(found) <= 20:
        folder = work / "hostile-reproducers"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{what}-{len(found):02d}.bin").write_bytes(data)


# --------------------------------------------------------------------------- standard input


@dataclass
class StdinTally:
    runs: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    exits: Counter[int] = field(default_factory=Counter)
    tracebacks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not one line, half imports, leftovers
    huge: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def _cli_env(work: Path) -> dict[str, str]:
    env = {**os.environ, "TRIAGE_CONFIG": str(work / "no-config.toml")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["TMPDIR"] = str(work / "cli-tmp")  # where the copies of standard input go
    return env


def _triage_argv(data: Path) -> list[str]:
    return [sys.executable, "-m", "triage", "--data-dir", str(data)]


def _deck_size(data: Path, deck: str) -> int | None:
    """People in ``deck`` (None: no such deck)."""
    from triage.store import Store

    store = Store.open(data)
    try:
        found = store.deck(deck)
        return None if found is None else sum(1 for _ in store.iter_contacts(found.id))
    finally:
        store.close()


def judge_cli(
    problems: list[str],
    tracebacks: list[str],
    where: str,
    returncode: int,
    stderr: str,
    data: Path,
    deck: str,
    *,
    expect: int | None = None,
) -> int | None:
    """The rules for one ``triage import``: exit 0 or 2, no traceback, a
    refusal in one line that leaves no deck behind.  Returns the deck's size."""
    if "Traceback" in stderr or returncode not in (0, 2):
        tracebacks.append(f"{where}: exit {returncode}: {stderr.strip()[-300:]}")
    if returncode == 2 and stderr.strip().count("\n") != 0:
        problems.append(f"{where}: a refusal in {stderr.strip().count(chr(10)) + 1} lines")
    size = _deck_size(data, deck)
    if returncode != 0 and size is not None:
        problems.append(f"{where}: refused (exit {returncode}) yet deck {deck} holds {size}")
    if returncode == 0 and expect is not None and size != expect:
        problems.append(f"{where}: {size} people imported where the input holds {expect}")
    return size


def stdin_inputs(rng: random.Random, count: int) -> list[tuple[str, bytes]]:
    """Hostile bytes for standard input: garbage, binaries, traps, real books
    in legacy code pages and cut ones."""
    book = charset_book(rng, "cp1251", "google", [charset_name(rng, "cp1251") for _ in range(40)])
    made: list[tuple[str, bytes]] = [
        ("a cp1251 book", book),
        ("cut in a row", book[: len(book) // 2]),
        ("a PNG", b"\x89PNG\r\n\x1a\n" + rng.randbytes(200)),
        ("NULs", b"\x00" * 5000),
        ("one byte", b"\xff"),
        ("a BOM alone", codecs.BOM_UTF8),
        ("blank lines", b"\r\n" * 300),
    ]
    while len(made) < count:
        n = len(made)
        if n % 3 == 0:
            made.append(("garbage", rng.randbytes(rng.randint(1, 20_000))))
        else:
            trap = CHARSET_TRAPS[n % len(CHARSET_TRAPS)]
            people = [charset_name(rng, "cp1252") for _ in range(rng.randint(1, 9))]
            made.append((f"trap {trap}", charset_trap(rng, trap, people)))
    return made[:count]


def stdin_campaign(
    hostile: int,
    huge_rows: int,
    *,
    work: Path,
    seed: int = 2,
    log: Callable[[str], None] = lambda _m: None,
) -> StdinTally:
    """``triage import -`` as a subprocess: ``hostile`` inputs on a pipe, an
    empty and a closed standard input, one cut off by its writer, a terminal,
    ``-`` named twice, a good file with garbage on the pipe, and a generated
    Google CSV of ``huge_rows`` rows (0: none) piped through ``cat``."""
    import pty

    tally = StdinTally()
    rng = random.Random(seed)
    started = time.perf_counter()
    data = work / "stdin-data"
    env = _cli_env(work)
    tmp = Path(env["TMPDIR"])
    tmp.mkdir(parents=True, exist_ok=True)
    good = work / "stdin-good.csv"
    good.write_bytes(b"First Name,Last Name,E-mail 1 - Value\nGood,Person,good@example.org\n")

    def run(
        kind: str,
        args: list[str],
        *,
        feed: bytes | None = None,
        stdin: Any = None,
        prefix: list[str] | None = None,
        expect: int | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[bytes] | None:
        tally.runs += 1
        tally.by_kind[kind.split(" ")[0]] += 1
        deck = f"s{tally.runs}"
        argv = [*(prefix or []), *_triage_argv(data), "import", *args, "--deck", deck]
        try:
            proc = subprocess.run(
                argv, input=feed, stdin=stdin, capture_output=True, env=env, timeout=timeout,
                check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            tally.problems.append(f"{kind}: no answer in {timeout:.0f} s")
            return None
        tally.exits[proc.returncode] += 1
        stderr = proc.stderr.decode("utf-8", "replace")
        judge_cli(tally.problems, tally.tracebacks, kind, proc.returncode, stderr, data, deck,
                  expect=expect)  # fmt: skip
        if leftovers := sorted(p.name for p in tmp.glob("triage-input-*")):
            tally.problems.append(f"{kind}: copies of standard input left behind: {leftovers}")
            for p in tmp.glob("triage-input-*"):
                subprocess.run(["rm", "-rf", str(p)], check=False)
        return proc

    for kind, feed in stdin_inputs(rng, hostile):
        run(f"hostile {kind}", ["-"], feed=feed)
    empty = run("empty", ["-"], feed=b"")
    if empty is not None and empty.returncode != 2:
        tally.problems.append(f"empty: exit {empty.returncode} (2 expected)")
    closed = run("closed", ["-"], prefix=["bash", "-c", 'exec "$@" <&-', "bash"])
    if closed is not None and closed.returncode != 2:
        tally.problems.append(f"closed: exit {closed.returncode} (2 expected)")
    write_only = work / "stdin-write-only"
    run("write-only", ["-"], prefix=["bash", "-c", f'exec "$@" 0>"{write_only}"', "bash"])
    twice = run("twice", ["-", "-"], feed=b"")
    if twice is not None and twice.returncode != 2:
        tally.problems.append(f"twice: exit {twice.returncode} (2 expected)")
    run("good-file+garbage", [str(good), "-"], feed=rng.randbytes(3000))
    leader, follower = pty.openpty()
    try:
        tty = run("terminal", ["-"], stdin=follower, timeout=30)
        if tty is not None and tty.returncode != 2:
            tally.problems.append(f"terminal: exit {tty.returncode} (2 expected)")
    finally:
        os.close(leader)
        os.close(follower)
    # A writer that stops in the middle of a row and closes the pipe.
    book = charset_book(rng, "utf-8", "google", [charset_name(rng, "cp1252") for _ in range(500)])
    cut = book[: len(book) * 2 // 3]
    whole_rows = cut.rsplit(b"\n", 1)[0].count(b"\n")
    tally.by_kind["cut-by-writer"] += 1
    tally.runs += 1
    deck = f"s{tally.runs}"
    proc = subprocess.Popen(
        [*_triage_argv(data), "import", "-", "--deck", deck],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stderr is not None
    for at in range(0, len(cut), 4096):
        proc.stdin.write(cut[at : at + 4096])
    proc.stdin.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    tally.exits[proc.returncode] += 1
    size = judge_cli(tally.problems, tally.tracebacks, "cut-by-writer", proc.returncode,
                     err.decode("utf-8", "replace"), data, deck)  # fmt: skip
    if proc.returncode == 0 and size not in (whole_rows, whole_rows + 1):
        tally.problems.append(f"cut-by-writer: {size} people from {whole_rows} whole rows")
    if huge_rows:
        tally.huge = _huge_stdin(tally, work, data, env, huge_rows, rng, log)
    tally.seconds = time.perf_counter() - started
    log(
        f"  {tally.runs} runs of triage import - ({dict(tally.by_kind)}) in {tally.seconds:.1f} s:"
        f" exits {dict(tally.exits)}, {len(tally.tracebacks)} tracebacks,"
        f" {len(tally.problems)} problems"
    )
    return tally


def _huge_stdin(
    tally: StdinTally,
    work: Path,
    data: Path,
    env: dict[str, str],
    rows: int,
    rng: random.Random,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """A generated Google CSV and as many bytes of garbage, each piped in by
    ``cat``: time, peak RSS of the import, and the rows it read."""
    from bench import generate

    path = generate.google_csv(work / "stdin-huge.csv", rows)
    garbage = work / "stdin-garbage.bin"
    garbage.write_bytes(rng.randbytes(path.stat().st_size))
    out: dict[str, Any] = {}
    for name, source in (("book", path), ("garbage", garbage)):
        tally.runs += 1
        tally.by_kind[f"huge-{name}"] += 1
        deck = f"s{tally.runs}"
        script = 'cat "$1" | "${@:2}"'
        argv = [*_triage_argv(data), "import", "-", "--deck", deck, "--json"]
        child = ["bash", "-c", script, "bash", str(source), *argv]
        started = time.perf_counter()
        launched = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, *child], capture_output=True, text=True, env=env,
            timeout=600, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        result = json.loads(launched.stdout)
        tally.exits[result["returncode"]] += 1
        judge_cli(tally.problems, tally.tracebacks, f"huge {name}", result["returncode"],
                  result["stderr"], data, deck)  # fmt: skip
        entry: dict[str, Any] = {
            "mib": round(source.stat().st_size / MIB, 1), "exit": result["returncode"],
            "seconds": round(seconds, 1), "peak_mib": round(result["tree_maxrss_kib"] / 1024),
        }  # fmt: skip
        if result["returncode"] == 0:
            report = json.loads(result["stdout"])
            entry["rows"] = sum(f["rows"] for f in report["files"])
            entry["people"] = report["contacts"]
            if name == "book" and entry["rows"] != rows:
                tally.problems.append(f"huge book: {entry['rows']:,} rows read of {rows:,}")
        else:
            entry["message"] = result["stderr"].strip()[:160]
        out[name] = entry
        log(f"  huge {name} on standard input: {entry}")
        source.unlink()
    return out


# --------------------------------------------------------------------------- full export round trip

FULL_HOSTILE = (
    '=HYPERLINK("http://x","y")', "@SUM(1)", "+1-555", "-2+3", "=1+2", "'=1", "''+x", "'",
    "work; friends", "a;b; c", "x; ", " ; ", ";", '"quoted"', 'a "b" c', "'single'",
    "line\nbreak", "cr\rhere", "tab\there", "nul\x00here", "bell\x07", "esc\x1b[31mred",
    "\u202eRTL override", "\u200fRLM\u200f", "zero\u200bwidth", "\ufeffbom", "\u2066iso\u2069",
    "שלום עולם", "مرحبا", "emoji 😀👍🏽", "e\u0301", "(unparsed)", "x (invalid)", "y (role)",
    ":::", " ::: ", "\\", "\\n", ",", "=", "+", "-", "@",
)  # fmt: skip


# Without NUL, BEL and ESC: a file full of them is refused as binary data.
_FULL_SOURCE = tuple(t for t in FULL_HOSTILE if t.isprintable() or t.strip("\r\n\t").isprintable())


def full_text(rng: random.Random, *, big: bool = True, controls: bool = False) -> str:
    """A hostile string: several pieces of :data:`FULL_HOSTILE` (with
    ``controls``, else without the control characters of a binary file),
    sometimes 10 kB long."""
    text = "".join(rng.choices(FULL_HOSTILE if controls else _FULL_SOURCE, k=rng.randint(1, 3)))
    if big and rng.random() < 0.08:  # 10 kB, or past the 20,000 characters notes keep
        size = rng.choice((10_000, 25_000))
        text += ("long " + text) * (size // (len(text) + 5) + 1)
    return text


def full_source(rng: random.Random, n: int) -> bytes:
    """A Google CSV of ``n`` hostile people; the n-th has ``pN@example.com``
    as first address."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(
        ["First Name", "Last Name", "Organization Name", "Organization Title", "Notes", "Labels",
         "E-mail 1 - Value", "E-mail 2 - Value", "Phone 1 - Value", "Phone 2 - Value"]
    )  # fmt: skip
    for i in range(n):
        second = rng.choice(
            (f"={i}@example.com", f"+x{i}@example.com", f"a; b{i}@example.com",
             f"'=q{i}@example.org", f"info@{i}.example.com", f"d\u200b{i}@example.com",
             f"ℌ{i}@例え.jp", full_text(rng, big=False))
        )  # fmt: skip
        phone = rng.choice((f"+1 202 555 {i:04d}", "=1+2", "-5", "12; 34", f"+44 20 7946 {i:04d}"))
        writer.writerow(
            [full_text(rng), full_text(rng), full_text(rng), full_text(rng, big=False),
             full_text(rng), " ::: ".join(full_text(rng, big=False) for _ in range(2)),
             f"p{i}@example.com", second, phone, full_text(rng, big=False)]
        )  # fmt: skip
    return buf.getvalue().encode()


def full_people(data: Path, deck_name: str) -> dict[str, dict[str, Any]]:
    """Everything of each person a full export carries, by first address."""
    from triage.store import Store

    store = Store.open(data)
    try:
        deck = store.deck(deck_name)
        out: dict[str, dict[str, Any]] = {}
        for c in store.iter_contacts(deck.id) if deck is not None else ():
            key = c.emails[0].address if c.emails else f"(no email) {c.name}"
            out[key] = {
                "name": c.name, "given": c.given, "family": c.family, "org": c.org,
                "title": c.title, "emails": [(e.address, e.valid, e.role) for e in c.emails],
                "phones": [(p.number, p.valid) for p in c.phones], "notes": c.notes,
                "labels": c.labels, "tags": store.tags_of(c.id), "note": c.note,
            }  # fmt: skip
        return out
    finally:
        store.close()


def full_edits(rng: random.Random, text: str, truncations: int) -> list[tuple[str, bytes, bool]]:
    """(edit, file, whether it must read back as the same people) for a full
    export's ``text``."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    header, body = rows[0], rows[1:]

    def write(table: list[list[str]], bom: bool = True) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(table)
        return ("\ufeff" if bom else "") + buf.getvalue()

    order = list(range(len(header)))
    rng.shuffle(order)
    extra = [(rng.randint(0, len(header)), f"Extra {i}") for i in range(3)]

    def widen(row: list[str], name: str | None) -> list[str]:
        row = list(row)
        for at, col in extra:
            row.insert(at, col if name is None else full_text(rng, big=False))
        return row

    linkedin = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                "Connected On"]  # fmt: skip
    preamble = 'Notes:\r\n"When exporting your connection data, you may notice..."\r\n\r\n'
    dropped = header.index("Invitation Note")
    shuffled = list(header)
    rng.shuffle(shuffled)
    made: list[tuple[str, bytes, bool]] = [
        ("columns permuted", write([[r[i] for i in order] for r in rows]).encode(), True),
        ("extra columns", write([widen(header, None)] + [widen(r, "") for r in body]).encode(),
         True),
        ("utf-16", write(rows, bom=False).encode("utf-16"), True),
        ("no BOM, LF endings", write(rows, bom=False).replace("\r\n", "\n").encode(), False),
        ("header shuffled", write([shuffled, *body]).encode(), False),
        ("LinkedIn header", write([linkedin, *body]).encode(), False),
        ("LinkedIn preamble", (preamble + write(rows, bom=False)).encode(), False),
        ("a column dropped", write([r[:dropped] + r[dropped + 1 :] for r in rows]).encode(),
         False),
        ("header twice", write([header, header, *body]).encode(), False),
        ("Tags named twice", write([[("Tags" if c == "Notes" else c) for c in header], *body])
         .encode(), False),
        ("rows short and long", write([header] + [
            r[: rng.randint(0, len(r))] if rng.random() < 0.5 else r + ["x"] * rng.randint(1, 9)
            for r in body]).encode(), False),
    ]  # fmt: skip
    raw = text.encode("utf-8")
    for _ in range(truncations):
        made.append(("truncated", raw[: rng.randint(1, len(raw) - 1)], False))
    return made


@dataclass
class FullTally:
    people: int = 0
    exported_rows: int = 0
    cells: int = 0
    formula_cells: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    edits: Counter[str] = field(default_factory=Counter)
    edit_exits: Counter[str] = field(default_factory=Counter)
    tracebacks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not one line, half imports
    seconds: float = 0.0


def _compare(tally: FullTally, where: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    if before.keys() != after.keys():
        lost, extra = before.keys() - after.keys(), after.keys() - before.keys()
        tally.mismatches.append(f"{where}: {len(lost)} people lost, {len(extra)} new")
    for key in before.keys() & after.keys():
        for name, was in before[key].items():
            now = after[key][name]
            if now != was:
                tally.mismatches.append(f"{where}: {key} {name}: {_difference(was, now)}")


def _difference(was: Any, now: Any) -> str:
    """Where two values part, in a few words."""
    if isinstance(was, list) and isinstance(now, list):
        extra, lost = [x for x in now if x not in was], [x for x in was if x not in now]
        if extra or lost:
            return f"{lost!r:.150} became {extra!r:.150}"
        return f"order {was!r:.150} became {now!r:.150}"
    if isinstance(was, str) and isinstance(now, str):
        at = next((i for i, (a, b) in enumerate(zip(was, now, strict=False)) if a != b), None)
        at = min(len(was), len(now)) if at is None else at
        return (
            f"{len(was)} -> {len(now)} characters, from {at}:"
            f" {was[at : at + 40]!r} -> {now[at : at + 40]!r}"
        )
    return f"{was!r:.150} -> {now!r:.150}"


def full_campaign(
    people: int,
    truncations: int,
    *,
    work: Path,
    seed: int = 3,
    log: Callable[[str], None] = lambda _m: None,
) -> FullTally:
    """``people`` hostile people imported, invited, tagged and given notes,
    exported with ``--format full`` and imported back (all through the
    command line); then hostile edits of that file imported."""
    from triage.store import Store

    tally = FullTally(people=people)
    rng = random.Random(seed)
    started = time.perf_counter()
    data = work / "full-data"
    env = _cli_env(work)
    Path(env["TMPDIR"]).mkdir(parents=True, exist_ok=True)

    def triage(*args: str, deck: str | None = None, expect_ok: bool = True) -> int:
        proc = subprocess.run(
            [*_triage_argv(data), *args, *(["--deck", deck] if deck else [])],
            capture_output=True, env=env, timeout=300, check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        stderr = proc.stderr.decode("utf-8", "replace")
        if args[0] == "import" and deck is not None:
            judge_cli(tally.problems, tally.tracebacks, " ".join(args[:1] + args[2:]) + f" {deck}",
                      proc.returncode, stderr, data, deck)  # fmt: skip
        elif proc.returncode != 0 or "Traceback" in stderr:
            tally.tracebacks.append(f"triage {args[0]}: exit {proc.returncode}: {stderr[-300:]}")
        return proc.returncode

    source = work / "full-source.csv"
    source.write_bytes(full_source(rng, people))
    if triage("import", str(source), "--region", "US", deck="src") != 0:
        tally.problems.append("the hostile address book was refused")
        tally.seconds = time.perf_counter() - started
        return tally
    store = Store.open(data)
    try:
        deck = store.deck("src")
        assert deck is not None
        for c in list(store.iter_contacts(deck.id)):
            store.decide(c.id, "invite")
            for _ in range(rng.randint(0, 3)):
                tag = full_text(rng, big=False, controls=True)
                if tag.split():
                    store.set_tag(c.id, tag, True)
            if rng.random() < 0.8:
                store.set_note(c.id, full_text(rng, controls=True))
    finally:
        store.close()
    before = full_people(data, "src")
    exported = work / "full-export.csv"
    triage("export", "-o", str(exported), "--format", "full", "--force", deck="src")
    text = ""
    if exported.exists():  # newline="": a CR inside a note is the user's
        with exported.open(encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    tally.exported_rows = len(rows)
    if len(rows) != len(before):
        tally.mismatches.append(f"export: {len(rows)} rows for {len(before)} people")
    for row in rows:
        for cell in row:
            tally.cells += 1
            if cell.startswith(FORMULA_START) and not PHONE_ONLY.match(cell):
                tally.formula_cells.append(cell[:60])
    if text:
        triage("import", str(exported), "--region", "US", deck="back")
        _compare(tally, "round trip", before, full_people(data, "back"))
        edited = work / "full-edited.csv"
        for n, (edit, raw, same) in enumerate(full_edits(rng, text, truncations)):
            tally.edits[edit] += 1
            edited.write_bytes(raw)
            deck_name = f"e{n}"
            code = triage("import", str(edited), "--region", "US", deck=deck_name)
            tally.edit_exits[f"exit {code}"] += 1
            if same:
                if code != 0:
                    tally.mismatches.append(f"{edit}: refused (exit {code})")
                else:
                    _compare(tally, edit, before, full_people(data, deck_name))
    tally.seconds = time.perf_counter() - started
    log(
        f"  {people} hostile people, {tally.exported_rows} rows and {tally.cells:,} cells"
        f" exported, {sum(tally.edits.values())} edited files ({dict(tally.edit_exits)}) in"
        f" {tally.seconds:.1f} s: {len(tally.tracebacks)} tracebacks, {len(tally.formula_cells)}"
        f" formula cells, {len(tally.mismatches)} mismatches, {len(tally.problems)} problems"
    )
    return tally


# --------------------------------------------------------------------------- main


@contextlib.contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="triage-hostile-") as tmp:
        yield Path(tmp)


def summary(
    tallies: list[Tally],
    export: ExportTally | None,
    big: list[Giant],
    mil: dict[str, Any] | None,
    charsets: CharsetTally | None = None,
    stdin: StdinTally | None = None,
    full: FullTally | None = None,
) -> dict[str, Any]:
    giant_tracebacks = [
        g.name
        for g in big
        if "TRACEBACK" in g.open_file or "TRACEBACK" in str(g.run_import.get("outcome"))
    ]
    giant_problems = [f"{g.name}: {g.problem}" for g in big if g.problem]
    return {
        "inputs_tried": {t.importer: t.tried for t in tallies},
        "through_run_import": {t.importer: t.through_import for t in tallies},
        "input_kinds": dict(sum((t.kinds for t in tallies), Counter())),
        "tracebacks": sum(len(t.tracebacks) for t in tallies)
        + len(giant_tracebacks)
        + (len(export.tracebacks) if export else 0)
        + sum(len(x.tracebacks) for x in (charsets, stdin, full) if x is not None),
        "formula_cells": len(export.formula_cells) if export else None,
        "row_mismatches": len(export.mismatches) if export else None,
        "vcard_read_back_failures": len(export.vcard_failures) if export else None,
        "giant_problems": giant_problems,
        "traceback_details": [vars(tb) for t in tallies for tb in t.tracebacks][:40]
        + [{"giant": g} for g in giant_tracebacks]
        + [{"export": e} for e in (export.tracebacks if export else [])][:20],
        "formula_details": export.formula_cells[:20] if export else [],
        "mismatch_details": export.mismatches[:20] if export else [],
        "vcard_details": export.vcard_failures[:10] if export else [],
        "slowest": {t.importer: [round(t.slowest[0], 3), t.slowest[1]] for t in tallies},
        "seconds": {t.importer: round(t.seconds, 1) for t in tallies},
        "export": (
            {
                "examples": export.examples,
                "people": export.people,
                "files": dict(export.files),
                "cells": dict(export.cells),
                "cli": export.cli,
                "seconds": round(export.seconds, 1),
            }
            if export
            else None
        ),
        "giants": [vars(g) | {"run_import": _slim(g.run_import)} for g in big],
        "million": {k: _slim(v) for k, v in mil.items()} if mil else None,
        "charsets": _charset_summary(charsets) if charsets else None,
        "stdin": _stdin_summary(stdin) if stdin else None,
        "full_round_trip": _full_summary(full) if full else None,
    }


def _charset_summary(t: CharsetTally) -> dict[str, Any]:
    return {
        "inputs": t.inputs, "by_charset": dict(t.by_charset), "imported": t.imported,
        "refused": t.refused, "tracebacks": t.tracebacks[:20],
        "must_read_exactly": t.exact_expected, "names_wrong": len(t.mismatches),
        "names_wrong_details": t.mismatches[:20], "half_imports": t.half_imports[:20],
        "undeclared": t.undeclared, "undeclared_read_right": t.undeclared_exact,
        "detection_misses": t.detection_misses[:10], "seconds": round(t.seconds, 1),
    }  # fmt: skip


def _stdin_summary(t: StdinTally) -> dict[str, Any]:
    return {
        "runs": t.runs, "by_kind": dict(t.by_kind), "exits": dict(t.exits),
        "tracebacks": t.tracebacks[:20], "problems": t.problems[:20], "huge": t.huge,
        "seconds": round(t.seconds, 1),
    }  # fmt: skip


def _full_summary(t: FullTally) -> dict[str, Any]:
    return {
        "people": t.people, "exported_rows": t.exported_rows, "cells": t.cells,
        "formula_cells": t.formula_cells[:20], "mismatches": len(t.mismatches),
        "mismatch_details": t.mismatches[:20], "edits": dict(t.edits),
        "edit_exits": dict(t.edit_exits), "tracebacks": t.tracebacks[:20],
        "problems": t.problems[:20], "seconds": round(t.seconds, 1),
    }  # fmt: skip


def new_path_problems(s: dict[str, Any]) -> int:
    """Names read wrong, half imports, refusals not in one line, formula
    cells and round-trip mismatches of the charset, stdin and full phases."""
    c, i, f = s.get("charsets"), s.get("stdin"), s.get("full_round_trip")
    return (
        (c["names_wrong"] + len(c["half_imports"]) if c else 0)
        + (len(i["problems"]) if i else 0)
        + (len(f["formula_cells"]) + f["mismatches"] + len(f["problems"]) if f else 0)
    )


def _slim(result: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in result.items()}


def print_summary(s: dict[str, Any]) -> None:
    print("inputs tried:")
    for importer, n in s["inputs_tried"].items():
        print(
            f"  {importer:<12} {n:>7,}  ({s['through_run_import'][importer]:,} also through"
            f" run_import; {s['seconds'][importer]} s; slowest {s['slowest'][importer][0]} s:"
            f" {s['slowest'][importer][1]})"
        )
    print(f"  total        {sum(s['inputs_tried'].values()):>7,}  by kind: {s['input_kinds']}")
    print(f"tracebacks: {s['tracebacks']}")
    for tb in s["traceback_details"]:
        print(f"  {tb}")
    if s["export"]:
        e = s["export"]
        print(
            f"export: {e['examples']:,} examples, {e['people']:,} hostile people,"
            f" cells read back: {sum(e['cells'].values()):,}, CLI: {e['cli']}"
        )
    print(f"formula cells exported: {s['formula_cells']}")
    for fmt, cell in s["formula_details"]:
        print(f"  {fmt}: {cell!r}")
    print(f"row-count mismatches: {s['row_mismatches']}")
    for m in s["mismatch_details"]:
        print(f"  {m}")
    print(f"exported vCard files our importer cannot read back: {s['vcard_read_back_failures']}")
    for m in s["vcard_details"]:
        print(f"  {m}")
    if s["giants"]:
        print("giants (open_file; run_import in a fresh process):")
        for g in s["giants"]:
            r = g["run_import"]
            print(
                f"  {g['name']:<28} {g['size'] / MIB:6.1f} MiB: {g['open_file'][:70]}"
                f" ({g['open_seconds']:.1f} s) | {str(r.get('outcome'))[:70]}"
                f" ({r.get('seconds', 0):.1f} s, peak {r.get('tree_maxrss_mib', 0):.0f} MiB)"
            )
        print(f"giant problems: {len(s['giant_problems'])}")
        for g in s["giant_problems"]:
            print(f"  {g}")
    if s["charsets"]:
        c = s["charsets"]
        print(
            f"legacy charsets: {c['inputs']:,} books {c['by_charset']} in {c['seconds']} s:"
            f" {c['imported']:,} imported, {c['refused']:,} refused (traps included)"
        )
        print(
            f"  names read wrong in a declared or forced charset: {c['names_wrong']}"
            f" of {c['must_read_exactly']:,} books; half imports: {len(c['half_imports'])};"
            f" undeclared books read right by detection alone: {c['undeclared_read_right']}"
            f"/{c['undeclared']} (a figure, not a failure)"
        )
        for m in c["names_wrong_details"] + c["half_imports"] + c["tracebacks"]:
            print(f"  {m}")
    if s["stdin"]:
        i = s["stdin"]
        print(
            f"standard input: {i['runs']} runs of triage import - {i['by_kind']} in"
            f" {i['seconds']} s: exits {i['exits']}; problems: {len(i['problems'])}"
        )
        for name, h in i["huge"].items():
            print(f"  huge {name}: {h}")
        for m in i["problems"] + i["tracebacks"]:
            print(f"  {m}")
    if s["full_round_trip"]:
        f = s["full_round_trip"]
        print(
            f"full export round trip: {f['people']} hostile people, {f['exported_rows']} rows,"
            f" {f['cells']:,} cells in {f['seconds']} s: formula cells {len(f['formula_cells'])},"
            f" mismatches {f['mismatches']}; {sum(f['edits'].values())} edited files"
            f" {f['edit_exits']}; problems: {len(f['problems'])}"
        )
        for m in f["formula_cells"] + f["mismatch_details"] + f["problems"] + f["tracebacks"]:
            print(f"  {m!r}")
    if s["million"]:
        print("million rows (run_import of generated Google CSVs, fresh process each):")
        for n, r in s["million"].items():
            print(f"  {int(n):>9,} rows, {r.get('file_mib', 0):.0f} MiB: {_million_line(r)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--deep", action="store_true", help=">= 20,000 examples per importer")
    budget.add_argument("--quick", action="store_true", help="the CI budget")
    parser.add_argument("--examples", type=int, help="examples per importer (overrides)")
    parser.add_argument("--no-giants", action="store_true")
    parser.add_argument("--no-million", action="store_true")
    parser.add_argument("--rows", type=int, default=1_000_000, help="the million-row file's rows")
    parser.add_argument("--keep", type=Path, help="work (and save reproducers) in this folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    profile = PROFILES["deep" if args.deep else "ci" if args.quick else "default"]
    examples = args.examples or profile["examples"]
    say = (lambda _m: None) if args.json else (lambda m: print(m, flush=True))
    started = time.perf_counter()
    with _workdir(args.keep) as work:
        save = (args.keep or Path(tempfile.gettempdir())) / "hostile-reproducers"
        say(f"importers: {examples:,} examples each (seeds: {_seed_note()}) ...")
        tallies = import_campaign(
            examples, import_every=profile["import_every"], work=work, save=save, log=say
        )
        say(f"export: {profile['export']:,} examples ...")
        export = export_campaign(profile["export"], work=work, log=say)
        say(f"legacy charsets: {profile['charsets']} books per code page ...")
        charsets = charset_campaign(profile["charsets"], work=work, log=say)
        rows = 0 if args.no_giants else profile["stdin_rows"]
        say(f"standard input: {profile['stdin']} hostile inputs, a {rows:,}-row book ...")
        stdin = stdin_campaign(profile["stdin"], rows, work=work, log=say)
        say(f"full export round trip: {profile['full']} hostile people ...")
        full = full_campaign(profile["full"], profile["truncations"], work=work, log=say)
        limit = 120 if args.deep else 30
        big = [] if args.no_giants or args.quick else giants(work, timeout=limit, log=say)
        mil = None
        if not (args.no_million or args.quick):
            say(f"a {args.rows:,}-row file ...")
            mil = million(work, args.rows, log=say)
    s = summary(tallies, export, big, mil, charsets, stdin, full)
    s["total_seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(s, indent=2, default=str))
    else:
        print_summary(s)
        if s["tracebacks"]:
            print(f"reproducers: {save}")
        print(f"time: {s['total_seconds']:.0f} s")
    bad = (
        s["tracebacks"]
        or s["formula_cells"]
        or s["row_mismatches"]
        or s["vcard_read_back_failures"]
        or s["giant_problems"]
        or new_path_problems(s)
    )
    return 1 if bad else 0


def _seed_note() -> str:
    return "corpus + demo + fixtures" if CORPUS.is_dir() else "demo + fixtures (no corpus)"


if __name__ == "__main__":
    random.seed(0)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
