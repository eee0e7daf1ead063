"""Which invitations are still pending, from the files LinkedIn's data export
gives: pending = the OUTGOING rows of Invitations.csv minus the people in
Connections.csv (FORMATS.md §4).

A person is matched on the normalised profile URL when both files carry one,
and on the name when either lacks it (Invitations.csv had no URL columns
before about 2023, Connections.csv no URL column before mid-2023).  Two
people with one name and two different profile URLs are two people.
INCOMING rows say nothing about whom the user asked and are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from triage.ingest.decoding import detect_encoding, open_lines
from triage.ingest.formats import FormatError, open_file
from triage.ingest.formats.linkedin import looks_like_invitations
from triage.ingest.formats.tabular import Columns, iter_items, open_table, parse_date
from triage.ingest.profiles import profile_key
from triage.model import Problem, RawRecord

_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?(?:\.\d+)?\s*([AaPp])?\.?[Mm]?")


class RecoverError(Exception):
    """A file cannot be used (one line for the user, naming the file)."""


def name_key(*parts: str) -> str:
    """A name for matching: accents and punctuation dropped, case folded,
    spaces collapsed (``"Zoë  O'Neil"`` and ``"zoe oneil"`` match)."""
    text = unicodedata.normalize("NFKD", " ".join(parts).casefold())
    kept = "".join(ch for ch in text if ch.isalnum() or ch.isspace())
    return " ".join(kept.split())


def sent_stamp(text: str) -> str:
    """``1/29/26, 2:37 PM`` -> ``2026-01-29T14:37``; the date alone when no
    time is given; '' when the date is not one LinkedIn writes."""
    day = parse_date(text)
    if day is None:
        return ""
    times = list(_TIME.finditer(text))
    if not times:
        return day
    found = times[-1]
    hour, minute = int(found.group(1)), int(found.group(2))
    half = (found.group(3) or "").casefold()
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return day
    return f"{day}T{hour:02d}:{minute:02d}"


@dataclass(slots=True, frozen=True)
class Invitation:
    """One invitation the user sent, as Invitations.csv tells it."""

    name: str
    sent_at: str  # ISO date, with the time when the file gives one
    message: str
    profile_url: str  # as written in the file
    file: str
    line: int

    @property
    def url_key(self) -> str:
        return profile_key(self.profile_url)

    @property
    def key(self) -> str:
        """The stable key of the recovery deck: the profile, else the name."""
        return self.url_key or f"name:{name_key(self.name)}"


@dataclass(slots=True, frozen=True)
class Connection:
    name: str
    profile_url: str = ""
    email: str = ""
    connected_on: str = ""


@dataclass(slots=True)
class PendingReport:
    """What the files said: the pending invitations (newest first) and how
    the others were told apart."""

    pending: list[Invitation] = field(default_factory=list)
    outgoing: int = 0
    incoming: int = 0
    accepted: int = 0
    accepted_by_name: int = 0
    repeated: int = 0  # the same person invited again: the newest row counts
    connections: int = 0
    # The people of the Connections.csv files read (not those known before).
    read_connections: list[Connection] = field(default_factory=list)
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    connected: Connected | None = None


def read_invitations(path: Path) -> tuple[list[Invitation], int, list[Problem]]:
    """The OUTGOING invitations of an Invitations.csv, how many INCOMING rows
    were ignored, and the rows that could not be read."""
    codec = detect_encoding(path)
    invitations: list[Invitation] = []
    problems: list[Problem] = []
    incoming = 0
    with open_lines(path, codec) as lines:
        try:
            table = open_table(
                lines,
                want=looks_like_invitations,
                what="LinkedIn Invitations header (From, To, Sent At, Direction)",
            )
        except FormatError as exc:
            raise RecoverError(f"{path.name}: {exc}") from None
        cols = Columns(table.header)
        i_to, i_sent = cols.first("To"), cols.first("Sent At")
        i_message, i_direction = cols.first("Message"), cols.first("Direction")
        i_url = cols.first("inviteeProfileUrl", "Invitee Profile Url")
        width = len(cols.header)

        def cell(row: list[str], index: int) -> str:
            return row[index].strip() if 0 <= index < len(row) else ""

        def convert(line: int, row: list[str]) -> Invitation | Problem | None:
            nonlocal incoming
            row = row + [""] * (width - len(row))
            direction = cell(row, i_direction).upper()
            if direction == "INCOMING":
                incoming += 1
                return None
            if not any(c.strip() for c in row):
                return None
            if direction != "OUTGOING":
                return Problem(line, f"direction {direction or '(empty)'!r} is not OUTGOING")
            name, url = cell(row, i_to), cell(row, i_url)
            if not name and not url:
                return Problem(line, "invitation with no name and no profile")
            raw = cell(row, i_sent)
            return Invitation(name, sent_stamp(raw), cell(row, i_message), url, path.name, line)

        for item in iter_items(table, convert):  # type: ignore[arg-type]
            if isinstance(item, Problem):
                problems.append(item)
            else:
                invitations.append(item)  # type: ignore[arg-type]
    return invitations, incoming, problems


def read_connections(path: Path) -> tuple[list[Connection], list[Problem]]:
    """The people of a Connections.csv (any of its layouts)."""
    try:
        opened = open_file(path, format="linkedin")
    except FormatError as exc:
        raise RecoverError(f"{path.name}: {exc}") from None
    people: list[Connection] = []
    problems: list[Problem] = []
    try:
        for item in opened.items:
            if isinstance(item, Problem):
                problems.append(item)
            else:
                people.append(_connection(item))
    finally:
        opened.close()
    return people, problems


def _connection(rec: RawRecord) -> Connection:
    name = " ".join(p for p in (rec.given, rec.family) if p) or rec.full_name
    email = rec.emails[0] if rec.emails else ""
    return Connection(name, rec.profile_url, email, rec.connected_on)


def sniff(path: Path) -> str:
    """``invitations`` or ``connections``, from the file's header."""
    try:
        opened = open_file(path)
    except FormatError as exc:
        raise RecoverError(f"{path.name}: {exc}") from None
    except OSError as exc:
        raise RecoverError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    opened.close()
    if opened.format == "invitations":
        return "invitations"
    if opened.format == "linkedin":
        return "connections"
    raise RecoverError(
        f"{path.name}: not a LinkedIn Invitations.csv or Connections.csv (it reads as"
        f" {opened.format}); both are in LinkedIn's data export"
    )


class Connected:
    """Who is connected, for telling accepted invitations from pending ones."""

    def __init__(self, connections: Iterable[Connection]) -> None:
        self.count = 0
        self.by_url: set[str] = set()
        self.names_with_url: set[str] = set()
        self.names_without_url: set[str] = set()
        for person in connections:
            self.count += 1
            key = profile_key(person.profile_url)
            name = name_key(person.name)
            if key:
                self.by_url.add(key)
                self.names_with_url.add(name)
            elif name:
                self.names_without_url.add(name)

    def match(self, name: str, profile_url: str) -> str:
        """``url``, ``name`` (matched on the name alone) or '' (not connected).
        A name matches a connection without a URL, or any connection when
        the invitation has no URL; never one with another URL."""
        url, key = profile_key(profile_url), name_key(name)
        if url and url in self.by_url:
            return "url"
        if key and (key in self.names_without_url or (not url and key in self.names_with_url)):
            return "name"
        return ""


def pending_invitations(
    invitations: Iterable[Invitation], connections: Iterable[Connection]
) -> PendingReport:
    """Pending = OUTGOING minus connections, newest first."""
    report = PendingReport()
    connected = report.connected = Connected(connections)
    report.connections = connected.count
    newest: dict[str, Invitation] = {}
    for inv in invitations:
        report.outgoing += 1
        kept = newest.get(inv.key)
        if kept is not None:
            report.repeated += 1
            if kept.sent_at >= inv.sent_at:
                continue
        newest[inv.key] = inv
    for inv in newest.values():
        how = connected.match(inv.name, inv.profile_url)
        if how:
            report.accepted += 1
            report.accepted_by_name += how == "name"
        else:
            report.pending.append(inv)
    report.pending.sort(key=lambda i: (i.sent_at, i.line), reverse=True)
    return report


def read_export(paths: Iterable[Path], known: Iterable[Connection] = ()) -> PendingReport:
    """The pending invitations of the given Invitations.csv and Connections.csv
    files (told apart by their headers), less ``known`` connections (people
    already connected according to other decks)."""
    invitations: list[Invitation] = []
    connections: list[Connection] = list(known)
    read: list[Connection] = []
    problems: list[tuple[str, Problem]] = []
    incoming = 0
    seen_invitations = False
    for path in paths:
        if sniff(path) == "invitations":
            seen_invitations = True
            found, ignored, bad = read_invitations(path)
            invitations += found
            incoming += ignored
        else:
            people, bad = read_connections(path)
            connections += people
            read += people
        problems += [(path.name, p) for p in bad]
    if not seen_invitations:
        raise RecoverError(
            "no Invitations.csv among the files: it is in LinkedIn's data export"
            " (Settings, Data privacy, Get a copy of your data)"
        )
    report = pending_invitations(invitations, connections)
    report.incoming = incoming
    report.problems = problems
    report.read_connections = read
    return report
