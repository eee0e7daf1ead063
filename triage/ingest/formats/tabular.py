"""What every CSV importer shares: finding the header, the delimiter, columns
by name, the row loop with physical line numbers, and date parsing.

Columns are always looked up by name (see :func:`norm_key`), never by
position: exports add, drop and reorder columns depending on the data.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain

from triage.ingest.formats.base import FormatError, Item
from triage.model import Problem, RawRecord

DELIMITERS = (",", ";", "\t", "|")
NO_DATA = "no name, email or phone"
HEAD_LINES = 60  # lines buffered after the header for sniffing
HEAD_CHARS = 64 * 1024  # ... or this many characters, whichever comes first
SEARCH_LINES = 30  # how far down a header may be (LinkedIn puts notes first)

# The csv module refuses cells over 128 KiB; a real export can carry a huge
# note (or a pasted document).  Allow 16 MiB (the normaliser clips what it
# keeps); past that a cell is taken for a stray quote swallowing the file.
FIELD_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(FIELD_LIMIT)

# --map FIELD=COLUMN: the field names and the RawRecord attribute each fills.
MAP_FIELDS: dict[str, str] = {
    "email": "emails",
    "phone": "phones",
    "name": "full_name",
    "first": "given",
    "last": "family",
    "company": "org",
    "title": "title",
    "notes": "notes",
    "country": "countries",
    "tags": "labels",
}
LIST_ATTRS = frozenset({"emails", "phones", "countries", "labels"})


def norm_key(name: str) -> str:
    """A column name reduced for matching: casefolded, accents and punctuation gone.

    ``"E-Mail 2: Adresse"`` -> ``"email2adresse"``, ``"Pays/Région (bureau)"``
    -> ``"paysregionbureau"``, ``"First Name"`` and ``"firstname"`` -> the same.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def keys_of(names: Iterable[str]) -> frozenset[str]:
    return frozenset(norm_key(n) for n in names)


def is_blank(line: str) -> bool:
    return not line.strip().strip("\ufeff\x00")


def _rows(lines: Iterable[str], delimiter: str, limit: int) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for row in reader:
            if row:
                rows.append(row)
                if len(rows) >= limit:
                    break
    except csv.Error:
        pass
    return rows


def split_line(line: str, delimiter: str) -> list[str]:
    """The cells of one physical line."""
    rows = _rows([line], delimiter, 1)
    cells = rows[0] if rows else []
    if cells:
        cells[0] = cells[0].lstrip("\ufeff")
    return [c.strip() for c in cells]


def sniff_delimiter(header: str, following: Sequence[str]) -> str:
    """The delimiter among ``, ; TAB |`` that splits ``header`` best.

    Each candidate must give at least two header cells; the winner is the one
    whose following rows most often have the header's cell count, then the one
    with the most columns.  :class:`csv.Sniffer` guesses wrong too often on
    short address-book files to be trusted here.
    """
    best = ","
    best_score: tuple[float, int] = (-1.0, 0)
    for delimiter in DELIMITERS:
        width = len(split_line(header, delimiter))
        if width < 2:
            continue
        rows = _rows(following, delimiter, 20)
        fits = sum(1 for row in rows if len(row) == width) / len(rows) if rows else 1.0
        near = sum(1 for row in rows if abs(len(row) - width) <= 1) / len(rows) if rows else 1.0
        score = (fits + near / 2, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass(slots=True)
class Table:
    """A CSV file positioned after its header line."""

    header: list[str]
    delimiter: str
    line: int  # physical line number of the header
    rows: Iterator[str]  # the lines after the header
    keys: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.keys = [norm_key(h) for h in self.header]


def open_table(
    lines: Iterable[str],
    *,
    want: Callable[[frozenset[str]], bool] | None = None,
    what: str = "header",
) -> Table:
    """Find the header line and the delimiter.

    Without ``want`` the header is the first non-blank line.  With it, the
    header is the first line (within the first :data:`SEARCH_LINES`) whose
    column keys satisfy ``want``; none means a :class:`FormatError` naming
    ``what``.
    """
    it = iter(lines)
    head: list[str] = []
    size = 0
    for line in it:
        head.append(line)
        size += len(line)
        if len(head) >= SEARCH_LINES + HEAD_LINES or (size >= HEAD_CHARS and len(head) > 1):
            break
    for index, line in enumerate(head[:SEARCH_LINES]):
        if is_blank(line):
            continue
        following = head[index + 1 : index + 1 + HEAD_LINES]
        delimiter = sniff_delimiter(line, following)
        cells = split_line(line, delimiter)
        if want is None or want(keys_of(cells)):
            return Table(cells, delimiter, index + 1, chain(head[index + 1 :], it))
    if not any(not is_blank(line) for line in head):
        raise FormatError("the file is empty")
    raise FormatError(f"no {what} found")


def iter_items(table: Table, convert: Callable[[int, list[str]], Item | None]) -> Iterator[Item]:
    """Run ``convert(line, cells)`` over every data row of ``table``.

    ``line`` is the physical line where the row starts (a quoted cell may span
    lines).  Blank rows are skipped; a row the csv module rejects becomes a
    :class:`Problem` and reading goes on with the next line.
    """
    reader = csv.reader(table.rows, delimiter=table.delimiter)
    offset = table.line
    done = 0  # lines consumed by the reader so far
    while True:
        try:
            for row in reader:
                start = offset + done + 1
                done = reader.line_num
                if row:
                    item = convert(start, row)
                    if item is not None:
                        yield item
            return
        except csv.Error as exc:
            start = offset + done + 1
            done = reader.line_num
            yield Problem(start, f"unreadable row ({exc})")


Convert = Callable[[int, list[str]], Item | None]


def read_chunk(
    lines: Iterable[str],
    count: int,
    delimiter: str,
    first_line: int,
    convert: Convert,
    *,
    check_end: bool,
) -> tuple[list[Item], bool]:
    """:func:`iter_items` over ``count`` physical lines that start a record,
    numbered from ``first_line``.

    With ``check_end``, also tells whether the csv module itself ends a
    record with the last line: a chunk cut where the quotes merely balance
    can still be inside a quoted field (a stray ``"`` in an unquoted cell
    is literal).  A bare newline is read after the chunk: it is an empty
    row of its own only when the chunk ended cleanly, else it lands in the
    open field.  Without ``check_end`` (the file's last chunk) the answer
    is True.
    """
    rows = chain(lines, ("\n",)) if check_end else lines
    reader = csv.reader(rows, delimiter=delimiter)
    offset = first_line - 1
    out: list[Item] = []
    done = start = 0
    while True:
        try:
            for row in reader:
                start = done + 1
                done = reader.line_num
                if start > count:
                    break
                if row:
                    item = convert(offset + start, row)
                    if item is not None:
                        out.append(item)
            break
        except csv.Error as exc:
            start = done + 1
            done = reader.line_num
            out.append(Problem(offset + start, f"unreadable row ({exc})"))
    return out, not check_end or start > count


_ZERO_DATE = re.compile(r"[0\s./:-]*")


def problem_unless_blank(line: int, row: list[str]) -> Problem | None:
    """The "nothing usable" problem, or None for a row of empty cells.

    Outlook fills empty date columns with ``0/0/00``; such cells count as empty.
    """
    if any(not _ZERO_DATE.fullmatch(cell) for cell in row):
        return Problem(line, NO_DATA)
    return None


def usable(rec: RawRecord) -> bool:
    return bool(
        rec.full_name
        or rec.given
        or rec.family
        or rec.middle
        or rec.emails
        or rec.phones
        or rec.org
    )


# --- columns by name --------------------------------------------------------


class Columns:
    """Header lookup by normalised name."""

    def __init__(self, header: Sequence[str]) -> None:
        self.header = list(header)
        self.keys = [norm_key(h) for h in header]
        self.positions: dict[str, list[int]] = {}
        for index, key in enumerate(self.keys):
            if key:
                self.positions.setdefault(key, []).append(index)

    def first(self, *names: str) -> int:
        """Index of the first of ``names`` present, in the order given; -1 if none."""
        for name in names:
            found = self.positions.get(norm_key(name))
            if found:
                return found[0]
        return -1

    def every(self, *names: str) -> list[int]:
        """Indexes of all columns matching any of ``names``, in ``names`` order."""
        out: list[int] = []
        for name in names:
            for index in self.positions.get(norm_key(name), ()):
                if index not in out:
                    out.append(index)
        return out

    def find(self, column: str) -> int:
        """The column a user named (``--map``): exact name first, then loosely."""
        wanted = column.strip()
        for index, name in enumerate(self.header):
            if name == wanted:
                return index
        found = self.positions.get(norm_key(wanted))
        return found[0] if found else -1

    def listing(self, limit: int = 20) -> str:
        names = [" ".join(h.split()) for h in self.header if h.strip()]
        text = ", ".join(names[:limit])
        if len(names) > limit:
            text += f", … ({len(names) - limit} more)"
        return text


def resolve_mapping(cols: Columns, mapping: dict[str, str] | None) -> dict[str, int]:
    """``--map`` fields to column indexes; a missing column is a FormatError."""
    out: dict[str, int] = {}
    for fld, column in (mapping or {}).items():
        if fld not in MAP_FIELDS:
            raise FormatError(
                f"unknown field {fld!r} in --map; fields are: {', '.join(MAP_FIELDS)}"
            )
        index = cols.find(column)
        if index < 0:
            raise FormatError(
                f"column {column!r} (from --map {fld}={column}) not found; "
                f"columns are: {cols.listing()}"
            )
        out[fld] = index
    return out


def add_mapped(rec: RawRecord, row: list[str], mapped: dict[str, int]) -> None:
    """Put the ``--map`` columns of ``row`` into ``rec`` on top of what it has.

    List fields get the mapped values appended; text fields take the mapped
    value when it is not empty.
    """
    n = len(row)
    for fld, index in mapped.items():
        if index >= n:
            continue
        value = row[index].strip()
        if not value:
            continue
        attr = MAP_FIELDS[fld]
        if attr in LIST_ATTRS:
            values: list[str] = getattr(rec, attr)
            for part in split_list(value):
                if part not in values:
                    values.append(part)
        else:
            setattr(rec, attr, value)


def split_websites(cells: Iterable[str]) -> tuple[str, str]:
    """(website, LinkedIn profile URL): the first address of each kind among
    website cells (Google joins several in one cell with ``:::``)."""
    website = profile = ""
    for cell in cells:
        for part in cell.split(":::"):
            url = part.strip().lstrip("*").strip()
            if not url:
                continue
            if "linkedin.com/in/" in url.casefold():
                profile = profile or url
            else:
                website = website or url
    return website, profile


_LIST_SPLIT = re.compile(r"\s*(?: ::: |;|,)\s*")


def split_list(cell: str) -> list[str]:
    """Values of a free-form multi-value cell: ``a; b``, ``a, b`` or ``a ::: b``."""
    return [part for part in _LIST_SPLIT.split(cell.strip()) if part]


# --- dates ------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TIME = (
    r"(?:[ ,T]+\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?)?\s*"
)
_DATE_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = (
    # 2023-03-25
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME), "ymd"),
    # 22 Dec 2025, 9-Sep-22, 03 Feb 2024
    (re.compile(r"(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ ,-]+(\d{2}|\d{4})" + _TIME), "dmy"),
    # Mar 25 2023 10:15 AM, March 25, 2023
    (re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})" + _TIME), "mdy"),
    # 1/8/18, 6:14 PM (US month first, as LinkedIn writes it)
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})" + _TIME), "us"),
)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def parse_date(text: str) -> str | None:
    """An ISO ``YYYY-MM-DD`` for the date formats LinkedIn exports use, else None.

    All-zero dates (Outlook's ``0/0/00``) and unknown formats give None.
    """
    s = text.strip()
    for pattern, order in _DATE_FORMATS:
        m = pattern.fullmatch(s)
        if m is None:
            continue
        a, b, c = m.groups()
        try:
            if order == "ymd":
                year, month, day = int(a), int(b), int(c)
            elif order == "dmy":
                year, month, day = _year(c), _MONTHS.get(b.casefold(), 0), int(a)
            elif order == "mdy":
                year, month, day = _year(c), _MONTHS.get(a.casefold(), 0), int(b)
            else:
                year, month, day = _year(c), int(a), int(b)
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return None
    return None
