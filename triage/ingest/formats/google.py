"""Google Contacts CSV, both the old layout (``Name, Given Name, ...,
Group Membership, E-mail 1 - Type``) and the 2024 one (``First Name, ...,
Labels, E-mail 1 - Label``).

Numbered groups (``E-mail N``, ``Phone N``, ``Address N``, ``Organization N``)
go as far as the account's data needs, so they are found by pattern.  A cell
may hold several values joined by ``" ::: "``; a leading ``*`` marks the
primary value on a type/label cell, and a system group on a label.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import cast

from triage.ingest.formats.base import Item
from triage.ingest.formats.tabular import (
    Columns,
    Convert,
    Table,
    add_mapped,
    iter_items,
    open_table,
    problem_unless_blank,
    resolve_mapping,
    split_websites,
)
from triage.model import RawRecord

SEP = ":::"
_GROUP = re.compile(
    r"(email|phone|address|organization|website)(\d+)(type|label|value|country|city|name|title)"
)
_VALUE = re.compile(r"(email|phone)\d+value")


def looks_like(keys: frozenset[str]) -> bool:
    """Whether normalised header keys are a Google Contacts CSV header.

    ``E-mail 1 - Value`` is Google's own; Outlook.com also has ``E-mail 2
    Type``, so a type column alone proves nothing.
    """
    if "groupmembership" in keys or "givenname" in keys:
        return True
    if "firstname" in keys and "labels" in keys:
        return True
    return any(_VALUE.fullmatch(k) for k in keys)


def _groups(cols: Columns) -> dict[str, dict[int, dict[str, int]]]:
    """``{"email": {1: {"type": 29, "value": 30}, ...}, ...}`` from the header."""
    out: dict[str, dict[int, dict[str, int]]] = {}
    for index, key in enumerate(cols.keys):
        m = _GROUP.fullmatch(key)
        if m:
            kind, number, part = m.group(1), int(m.group(2)), m.group(3)
            if part == "label":
                part = "type"
            out.setdefault(kind, {}).setdefault(number, {}).setdefault(part, index)
    return out


def _pairs(groups: dict[int, dict[str, int]], missing: int) -> list[tuple[int, int]]:
    """(type column, value column) per group, in group order; ``missing`` when
    a group has no type column."""
    return [
        (parts.get("type", missing), parts["value"])
        for _, parts in sorted(groups.items())
        if "value" in parts
    ]


def _split_cell(value: str, kind: str) -> Iterator[tuple[str, bool]]:
    """(value, is primary) for each part of a ``" ::: "``-joined cell."""
    kinds = kind.split(SEP)
    for i, part in enumerate(value.split(SEP)):
        part = part.strip()
        star = part.startswith("*")
        if star:
            part = part[1:].strip()
        if part:
            yield part, star or (i < len(kinds) and kinds[i].strip().startswith("*"))


def _getter(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """Fetch several cells of a row at once (one C call instead of a loop)."""
    if not indexes:
        return lambda row: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)
    return cast(Callable[[list[str]], tuple[str, ...]], itemgetter(*indexes))


def _promote(out: list[str], value: str, primaries: int) -> int:
    """Move ``value`` (already in ``out``) among the first ``primaries`` values."""
    index = out.index(value)
    if index < primaries:
        return primaries
    del out[index]
    out.insert(primaries, value)
    return primaries + 1


def _collect(row: list[str], pairs: list[tuple[int, int]]) -> list[str]:
    """The values of numbered groups (type column, value column), primary ones first.

    A value is primary when its type/label starts with ``*`` (or the value
    itself does).  Kept lean: this runs twice per row.
    """
    out: list[str] = []
    primaries = 0
    for type_index, value_index in pairs:
        value = row[value_index]
        if not value:
            continue
        if SEP in value or value != value.strip() or value[0] == "*":
            for part, primary in _split_cell(value, row[type_index]):
                if part in out:
                    if primary:
                        primaries = _promote(out, part, primaries)
                elif primary:
                    out.insert(primaries, part)
                    primaries += 1
                else:
                    out.append(part)
        elif row[type_index].startswith("*"):
            if value in out:
                primaries = _promote(out, value, primaries)
            else:
                out.insert(primaries, value)
                primaries += 1
        elif value not in out:
            out.append(value)
    return out


def _labels(cell: str) -> list[str]:
    """User labels of a Labels/Group Membership cell; ``* myContacts`` etc. dropped."""
    if SEP not in cell:
        cell = cell.strip()
        return [cell] if cell and cell[0] != "*" else []
    out: list[str] = []
    for part in cell.split(SEP):
        part = part.strip()
        if part and part[0] != "*" and part not in out:
            out.append(part)
    return out


def _first_part(cell: str) -> str:
    return cell.split(SEP, 1)[0].strip() if SEP in cell else cell.strip()


def read_header(lines: Iterable[str]) -> Table:
    return open_table(lines, want=looks_like, what="Google Contacts header")


def parse(lines: Iterable[str], *, mapping: dict[str, str] | None = None) -> Iterator[Item]:
    """Yield one RawRecord (or Problem) per row of a Google Contacts CSV."""
    table = read_header(lines)
    return iter_items(table, converter(table.header, mapping))


def converter(header: list[str], mapping: dict[str, str] | None = None) -> Convert:
    """The row -> item function for a file with this header (FormatError for
    a bad ``--map``)."""
    cols = Columns(header)
    mapped = resolve_mapping(cols, mapping)
    groups = _groups(cols)
    width = len(cols.header)

    # Absent columns read as the extra empty cell appended to every row.
    def col(*names: str) -> int:
        index = cols.first(*names)
        return index if index >= 0 else width

    names_of = _getter(
        [
            col("Name"),
            col("Given Name", "First Name"),
            col("Additional Name", "Middle Name"),
            col("Family Name", "Last Name"),
            col("Notes"),
            col("Labels", "Group Membership"),
        ]
    )
    emails = _pairs(groups.get("email", {}), width)
    phones = _pairs(groups.get("phone", {}), width)
    countries_of = _getter(
        [
            parts["country"]
            for _, parts in sorted(groups.get("address", {}).items())
            if "country" in parts
        ]
    )
    org_columns = [
        (parts.get("name", width), parts.get("title", width))
        for _, parts in sorted(groups.get("organization", {}).items())
    ]
    cities_of = _getter(
        [parts["city"] for _, parts in sorted(groups.get("address", {}).items()) if "city" in parts]
    )
    websites_of = _getter(
        [
            parts["value"]
            for _, parts in sorted(groups.get("website", {}).items())
            if "value" in parts
        ]
    )
    flat_org = (col("Organization Name", "Company"), col("Organization Title"))
    if flat_org != (width, width):
        org_columns.insert(0, flat_org)
    orgs_of = _getter([i for pair in org_columns for i in pair])
    pad = [""] * (width + 1)

    def convert(line: int, row: list[str]) -> Item | None:
        n = len(row)
        if n == width:
            row.append("")
        elif n < width:
            row.extend(pad[n:])
        else:
            del row[width:]
            row.append("")
        full, given, middle, family, notes, labels = names_of(row)
        org = title = ""
        org_cells = orgs_of(row)
        if any(org_cells):
            for k in range(0, len(org_cells), 2):
                org, title = _first_part(org_cells[k]), _first_part(org_cells[k + 1])
                if org or title:
                    break
        country_list: list[str] = []
        countries = countries_of(row)
        if any(countries):
            for cell in countries:
                for part in cell.split(SEP) if SEP in cell else (cell,):
                    part = part.strip()
                    if part and part not in country_list:
                        country_list.append(part)
        rec = RawRecord(
            line=line,
            full_name=full.strip(),
            given=given.strip(),
            middle=middle.strip(),
            family=family.strip(),
            org=org,
            title=title,
            emails=_collect(row, emails),
            phones=_collect(row, phones),
            notes=notes.strip(),
            labels=_labels(labels) if labels else [],
            countries=country_list,
        )
        websites = websites_of(row)
        if any(websites):
            rec.website, rec.profile_url = split_websites(websites)
        cities = cities_of(row)
        if any(cities):
            rec.city = next(_first_part(c) for c in cities if c.strip())
        if mapped:
            add_mapped(rec, row, mapped)
        if (
            rec.full_name
            or rec.given
            or rec.family
            or rec.middle
            or rec.emails
            or rec.phones
            or rec.org
        ):
            return rec
        return problem_unless_blank(line, row)

    return convert
