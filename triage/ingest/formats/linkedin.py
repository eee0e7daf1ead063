"""LinkedIn's data export: Connections.csv and Invitations.csv.

Connections.csv may start with a ``Notes:`` paragraph and a blank line before
its header, has had 6 or 7 columns in varying order, and has written its
``Connected On`` dates three ways (``22 Dec 2025``, ``1/8/18, 6:14 PM``,
``9-Sep-22``).  Every row is a connection, so ``connected_on`` is never empty.
Invitations.csv yields ``kind="invitation"`` records for the invitations the
user sent (FORMATS.md §4).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from triage.ingest.formats.base import Item
from triage.ingest.formats.tabular import (
    NO_DATA,
    Columns,
    Convert,
    Table,
    add_mapped,
    iter_items,
    open_table,
    parse_date,
    resolve_mapping,
)
from triage.model import Problem, RawRecord

CONNECTIONS_KEYS = frozenset({"firstname", "lastname", "connectedon"})
INVITATIONS_KEYS = frozenset({"from", "to", "sentat", "direction"})
UNKNOWN_DATE = "unknown"


def looks_like_connections(keys: frozenset[str]) -> bool:
    return keys >= CONNECTIONS_KEYS


def looks_like_invitations(keys: frozenset[str]) -> bool:
    return keys >= INVITATIONS_KEYS


def read_header(lines: Iterable[str]) -> Table:
    return open_table(
        lines,
        want=looks_like_connections,
        what="LinkedIn Connections header (First Name, Last Name, Connected On)",
    )


def parse(lines: Iterable[str], *, mapping: dict[str, str] | None = None) -> Iterator[Item]:
    """Yield one RawRecord (or Problem) per connection of a Connections.csv."""
    table = read_header(lines)
    return iter_items(table, converter(table.header, mapping))


def converter(header: list[str], mapping: dict[str, str] | None = None) -> Convert:
    """The row -> item function for a Connections.csv with this header."""
    cols = Columns(header)
    mapped = resolve_mapping(cols, mapping)
    width = len(cols.header)
    i_given = cols.first("First Name")
    i_family = cols.first("Last Name")
    i_url = cols.first("URL", "Profile URL")
    i_email = cols.first("Email Address", "E-mail Address", "Email")
    i_org = cols.first("Company")
    i_title = cols.first("Position")
    i_date = cols.first("Connected On")

    def cell(row: list[str], index: int) -> str:
        return row[index].strip() if index >= 0 else ""

    def convert(line: int, row: list[str]) -> Item | None:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        if not any(c.strip() for c in row):
            return None
        email = cell(row, i_email)
        # Members who hide their address appear as urn:li:member:<id>.
        if email.casefold().startswith("urn:li:"):
            email = ""
        raw_date = cell(row, i_date)
        rec = RawRecord(
            line=line,
            given=cell(row, i_given),
            family=cell(row, i_family),
            org=cell(row, i_org),
            title=cell(row, i_title),
            emails=[email] if email else [],
            connected_on=parse_date(raw_date) or raw_date or UNKNOWN_DATE,
            profile_url=cell(row, i_url),
        )
        if mapped:
            add_mapped(rec, row, mapped)
        if rec.given or rec.family or rec.full_name or rec.emails:
            return rec
        return Problem(line, NO_DATA)

    return convert


def parse_invitations(
    lines: Iterable[str], *, mapping: dict[str, str] | None = None
) -> Iterator[Item]:
    """Yield a ``kind="invitation"`` RawRecord per invitation the user sent.

    Incoming invitations are skipped: they say nothing about whom the user has
    already asked.
    """
    table = open_table(
        lines,
        want=looks_like_invitations,
        what="LinkedIn Invitations header (From, To, Sent At, Direction)",
    )
    cols = Columns(table.header)
    mapped = resolve_mapping(cols, mapping)
    width = len(cols.header)
    i_to = cols.first("To")
    i_sent = cols.first("Sent At")
    i_message = cols.first("Message")
    i_direction = cols.first("Direction")
    i_url = cols.first("inviteeProfileUrl")

    def cell(row: list[str], index: int) -> str:
        return row[index].strip() if index >= 0 else ""

    def convert(line: int, row: list[str]) -> Item | None:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        direction = cell(row, i_direction).upper()
        if direction == "INCOMING":
            return None
        if direction != "OUTGOING":
            if not any(c.strip() for c in row):
                return None
            return Problem(
                line, f"direction {direction or '(empty)'!r} is not OUTGOING or INCOMING"
            )
        raw_date = cell(row, i_sent)
        rec = RawRecord(
            line=line,
            kind="invitation",
            full_name=cell(row, i_to),
            invited_on=parse_date(raw_date) or raw_date,
            profile_url=cell(row, i_url),
            notes=cell(row, i_message),
        )
        if mapped:
            add_mapped(rec, row, mapped)
        if rec.full_name or rec.profile_url or rec.emails:
            return rec
        return Problem(line, "invitation with no name")

    return iter_items(table, convert)
