"""How each export format turns people into a file: the cells (formula
guard, name parts, categories) and one writer per format.

- Every CSV cell that a spreadsheet would run as a formula gets a leading
  ``'``, except a cell made only of a phone number's characters (digits,
  spaces and ``+ - ( ) . /``): it cannot run anything, and Google and
  Outlook would keep the apostrophe as part of the number.
- ``outlook`` and ``full`` start with a UTF-8 BOM so Outlook and Excel read
  non-ASCII names right; ``linkedin`` and ``google`` have none.
- The ``Labels`` of ``google`` and the categories of ``outlook``/``vcard``
  hold the triage tags first, then the labels the source file had.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Final

from triage.model import Contact

# A cell starting with one of these is run as a formula by spreadsheets.
FORMULA_START: Final = "=+-@\t\r"
# A formula character right after a NUL: the start of a cell in a row joined
# by NULs (see _guarded).
_CELL_START: Final = re.compile("\x00[" + re.escape(FORMULA_START) + "]")
_BOM: Final = "\ufeff"
# A cell made only of these cannot run anything: written as it is.
_PHONE_CELL: Final = re.compile(r"[0-9 +\-()./]+")


# --------------------------------------------------------------------------- cells


def guard(cell: str) -> str:
    """Neutralise a cell a spreadsheet would read as a formula (a phone
    number's characters alone cannot run anything)."""
    if cell and cell[0] in FORMULA_START and _PHONE_CELL.fullmatch(cell) is None:
        return "'" + cell
    return cell


def _guarded(
    row: list[str],
    starts: re.Pattern[str] = _CELL_START,
    cell_guard: Callable[[str], str] = guard,
) -> list[str]:
    """``cell_guard`` (guard() by default) on every cell.  Most rows need
    nothing, and one regex over the row joined by NULs (``starts``: what a
    cell the guard changes starts with, after a NUL) finds that out 3x faster
    than looking at each cell (a NUL inside a cell can only cause a needless
    slow path).  Writers guard the phone cells themselves so that ordinary
    rows stay fast."""
    if starts.search("\x00" + "\x00".join(row)) is None:
        return row
    return [cell_guard(s) for s in row]


def name_parts(c: Contact) -> tuple[str, str, str, str, str]:
    """(prefix, given, middle, family, suffix): the middle, prefix and suffix
    are what the display name holds around the given and family names
    ("Dr. Jane A. Doe, PhD"); the store keeps only given and family.  A name
    without given/family parts ("Cher", "Acme Corp") goes in given."""
    given, family, name = c.given, c.family, c.name
    if not given and not family:
        return "", name, "", "", ""
    if given and family:
        i = name.find(given)
        j = name.rfind(family)
        if i >= 0 and j >= i + len(given):
            prefix = name[:i].strip()
            middle = name[i + len(given) : j].strip()
            suffix = name[j + len(family) :].strip(" ,")
            if "," not in prefix + middle:
                return prefix, given, middle, family, suffix
    return "", given, "", family, ""


def categories(c: Contact) -> list[str]:
    """Tags first, then the source file's own labels, without repeats."""
    seen: set[str] = set()
    out: list[str] = []
    for value in (*c.tags, *c.labels):
        key = value.casefold()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


# --------------------------------------------------------------------------- writers

Writer = Callable[[Sequence[Contact], IO[str]], None]
Rows = Callable[[Sequence[Contact]], Iterable[list[str]]]


def _csv_writer(header: list[str], rows: Rows, *, bom: bool = False) -> Writer:
    """A CSV writer; ``rows`` yields the cells of each person, already guarded."""

    def write(people: Sequence[Contact], fh: IO[str]) -> None:
        if bom:
            fh.write(_BOM)
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows(people))

    return write


def _rows_of(row: Callable[[Contact], list[str]]) -> Rows:
    def rows(people: Sequence[Contact]) -> Iterable[list[str]]:
        return map(_guarded, map(row, people))

    return rows


LINKEDIN_HEADER: Final = ["First Name", "Last Name", "Email Address"]


def _linkedin_rows(people: Sequence[Contact]) -> Iterable[list[str]]:
    """First and last name (the whole name in First Name when the parts are
    unknown) and the first valid email, guarded.  primary() and guard() are
    inlined: this is the file that gets big, and the benchmark holds it to
    twice the time of bare csv.writer."""
    bad = FORMULA_START
    for c in people:
        first, last = c.given, c.family
        if not first and not last:
            first = c.name
        address = ""
        for email in c.emails:
            if email.valid:
                address = email.address
                break
        if first and first[0] in bad:
            first = guard(first)
        if last and last[0] in bad:
            last = guard(last)
        if address and address[0] in bad:
            address = guard(address)
        yield [first, last, address]


GOOGLE_HEADER: Final = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
    "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As",
    "Organization Name", "Organization Title", "Organization Department", "Birthday",
    "Notes", "Photo", "Labels",
]  # fmt: skip


def _google_writer(everyone: Sequence[Contact]) -> Writer:
    """Google's 2024 layout; the numbered groups go as far as the data needs."""
    n_emails = max((len(c.emails) for c in everyone), default=1) or 1
    n_phones = max((len(c.phones) for c in everyone), default=1) or 1
    website = any(c.profile_url for c in everyone)
    header = list(GOOGLE_HEADER)
    for i in range(1, n_emails + 1):
        header += [f"E-mail {i} - Label", f"E-mail {i} - Value"]
    for i in range(1, n_phones + 1):
        header += [f"Phone {i} - Label", f"Phone {i} - Value"]
    if website:
        header += ["Website 1 - Label", "Website 1 - Value"]

    def row(c: Contact) -> list[str]:
        prefix, given, middle, family, suffix = name_parts(c)
        labels = [x.replace(":::", "::") for x in categories(c)]
        cells = [
            given, middle, family, "", "", "", prefix, suffix, "", "",
            c.org, c.title, "", "", c.notes, "", " ::: ".join([*labels, "* myContacts"]),
        ]  # fmt: skip
        for i in range(n_emails):
            if i < len(c.emails):
                cells += ["* Other" if i == 0 else "Other", c.emails[i].address]
            else:
                cells += ["", ""]
        for i in range(n_phones):
            cells += ["Other", guard(c.phones[i].number)] if i < len(c.phones) else ["", ""]
        if website:
            cells += ["Profile", c.profile_url] if c.profile_url else ["", ""]
        return cells

    return _csv_writer(header, _rows_of(row))


OUTLOOK_HEADER: Final = [
    "First Name", "Middle Name", "Last Name", "Company", "Job Title", "E-mail Address",
    "E-mail 2 Address", "E-mail 3 Address", "Mobile Phone", "Business Phone", "Home Phone",
    "Other Phone", "Categories", "Notes", "Title", "Suffix", "Web Page",
]  # fmt: skip
_OUTLOOK_EMAILS: Final = 3
_OUTLOOK_PHONES: Final = 4


def _outlook_row(c: Contact) -> list[str]:
    """Outlook desktop's columns.  Outlook holds three emails and these four
    phones; any more are kept in Notes rather than lost."""
    prefix, given, middle, family, suffix = name_parts(c)
    emails = [e.address for e in c.emails]
    phones = [p.number for p in c.phones]
    notes = c.notes
    extra = []
    if len(emails) > _OUTLOOK_EMAILS:
        extra.append("More e-mail addresses: " + ", ".join(emails[_OUTLOOK_EMAILS:]))
    if len(phones) > _OUTLOOK_PHONES:
        extra.append("More phone numbers: " + ", ".join(phones[_OUTLOOK_PHONES:]))
    if extra:
        notes = "\n".join([notes, *extra] if notes else extra)
    emails += [""] * _OUTLOOK_EMAILS
    phones = [guard(p) for p in phones[:_OUTLOOK_PHONES]] + [""] * _OUTLOOK_PHONES
    cats = ";".join(x.replace(";", ",") for x in categories(c))
    return [
        given, middle, family, c.org, c.title, *emails[:_OUTLOOK_EMAILS],
        *phones[:_OUTLOOK_PHONES], cats, notes, prefix, suffix, c.profile_url,
    ]  # fmt: skip


FULL_HEADER: Final = [
    "Name", "First Name", "Last Name", "E-mails", "Phones", "Organization", "Title", "Tags",
    "Labels", "Invitation Note", "Notes", "Flags", "Decided At", "Sources", "Connected On",
    "Invited On", "Profile URL", "Last Exported", "Website", "City",
]  # fmt: skip


def guard_full(cell: str) -> str:
    """:func:`guard`, plus an apostrophe before a cell that starts with one
    followed by a formula character or another apostrophe: ``triage import``
    then takes exactly one leading apostrophe off such cells and gets every
    cell back as it was."""
    if cell and cell[0] == "'" and cell[1:2] and cell[1] in _QUOTED:
        return "'" + cell
    return guard(cell)


_QUOTED: Final = FORMULA_START + "'"


def _list_cell(items: Iterable[str]) -> str:
    """Items joined by ``; ``, each ``;`` of an item doubled: a tag
    ``work; friends`` is one tag again when ``triage import`` reads the cell
    (see ingest.formats.full.split_cell)."""
    return "; ".join([item.replace(";", ";;") if ";" in item else item for item in items])


def _full_row(c: Contact) -> list[str]:
    """Everything, for the user's own records; lists are ``; ``-separated."""
    emails = _list_cell(
        [
            e.address if e.valid and not e.role else e.address + _EMAIL_NOTE[e.valid, e.role]
            for e in c.emails
        ]
    )
    phones = _list_cell([p.number if p.valid else p.number + " (unparsed)" for p in c.phones])
    row = [
        c.name, c.given, c.family, emails, "", c.org, c.title, _list_cell(c.tags),
        _list_cell(c.labels), c.note, c.notes, _flag_text(c), c.decided_at,
        "; ".join([f"{s.file}:{s.line}" for s in c.sources]), c.connected_on, c.invited_on,
        c.profile_url, c.exported_at, c.website, c.city,
    ]  # fmt: skip
    # The phones cell, which usually starts with "+", is guarded on its own
    # so that it does not send every row down the slow path.
    row = _guarded(row, _FULL_CELL_START, guard_full)
    row[_FULL_PHONES] = guard_full(phones)
    return row


# A cell guard_full may change starts with a formula character or "'".
_FULL_CELL_START: Final = re.compile("\x00[" + re.escape(_QUOTED) + "]")
_FULL_PHONES: Final = FULL_HEADER.index("Phones")


_EMAIL_NOTE: Final = {
    (True, False): "",
    (True, True): " (role)",
    (False, False): " (invalid)",
    (False, True): " (invalid) (role)",
}
_FLAG_TEXT: dict[int, str] = {}


def _flag_text(c: Contact) -> str:
    """``; ``-joined flag names, memoised by the flag bits (a few dozen
    combinations in a deck, 100,000 people)."""
    text = _FLAG_TEXT.get(c.flags)
    if text is None:
        text = _FLAG_TEXT[c.flags] = "; ".join(c.flag_names)
    return text


# vCard 3.0 (RFC 2426): text values escape backslash, comma, semicolon and
# newline; lines fold at 75 octets with CRLF + space, never inside a UTF-8
# sequence.  Characters str.splitlines() treats as line breaks become \n too.
_VCARD_ESCAPES: Final[dict[int, str | None]] = {
    ord(k): v
    for k, v in {
        "\\": "\\\\",
        ",": "\\,",
        ";": "\\;",
        "\n": "\\n",
        "\r": "\\n",
        "\x0b": "\\n",
        "\x0c": "\\n",
        "\x1c": "\\n",
        "\x1d": "\\n",
        "\x1e": "\\n",
        "\x85": "\\n",
        "\u2028": "\\n",
        "\u2029": "\\n",
    }.items()
}

_FOLD: Final = 75


# Other C0 controls (NUL, BEL, ESC…) have no place in a vCard and make readers
# take the file for binary: dropped.
_VCARD_ESCAPES.update({c: None for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c\x1c\x1d\x1e"})
_VCARD_ESCAPES[0x7F] = None


def vcard_escape(text: str) -> str:
    return text.replace("\r\n", "\n").translate(_VCARD_ESCAPES)


def fold(line: str) -> str:
    """One content line, folded at 75 octets, with its CRLF."""
    data = line.encode("utf-8", "replace")
    if len(data) <= _FOLD:
        return line + "\r\n"
    parts: list[bytes] = []
    start, limit = 0, _FOLD
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: step back
            end -= 1
        parts.append(data[start:end])
        start, limit = end, _FOLD - 1  # the leading space counts
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def vcard(c: Contact) -> str:
    """One vCard 3.0 card; the first email is the preferred one."""
    e = vcard_escape
    prefix, given, middle, family, suffix = name_parts(c)
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:" + ";".join(e(x) for x in (family, given, middle, prefix, suffix)),
        "FN:" + e(c.name),
    ]
    if c.org:
        lines.append("ORG:" + e(c.org))
    if c.title:
        lines.append("TITLE:" + e(c.title))
    for i, email in enumerate(c.emails):
        lines.append(f"EMAIL;TYPE=INTERNET{',PREF' if i == 0 else ''}:{e(email.address)}")
    for phone in c.phones:
        lines.append("TEL:" + e(phone.number))
    if c.notes:
        lines.append("NOTE:" + e(c.notes))
    cats = categories(c)
    if cats:
        lines.append("CATEGORIES:" + ",".join(e(x) for x in cats))
    if c.profile_url:
        lines.append("URL:" + e(c.profile_url))
    if c.website:
        lines.append("URL:" + e(c.website))
    if c.city:
        lines.append("ADR:;;;" + e(c.city) + ";;;")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def _write_vcards(people: Sequence[Contact], fh: IO[str]) -> None:
    for c in people:
        fh.write(vcard(c))


def make_writer(fmt: str, everyone: Sequence[Contact]) -> Writer:
    """The writer of a format; ``everyone`` fixes the columns so that every
    batch file of one export has the same header."""
    if fmt == "linkedin":
        return _csv_writer(LINKEDIN_HEADER, _linkedin_rows)
    if fmt == "google":
        return _google_writer(everyone)
    if fmt == "outlook":
        return _csv_writer(OUTLOOK_HEADER, _rows_of(_outlook_row), bom=True)
    if fmt == "vcard":
        return _write_vcards
    if fmt == "full":
        return _csv_writer(FULL_HEADER, lambda people: map(_full_row, people), bom=True)
    raise ValueError(f"unknown format {fmt!r}")  # build_plan() refused it already
