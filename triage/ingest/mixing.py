"""The event order: people mixed the way they are at a good event.

An import's new people arrive shuffled by the deck's seed; this pass then
walks that shuffle once and, where a card shares its organisation, email
domain or source file with the card before it, swaps in the first of the
next few cards that shares less (the organisation counts most, then the
file, then the domain).  Only people of one import move, among their own
places: what earlier imports placed stays where it is, and the result is as
stable as the shuffle (the same deck, files and seed give the same order).

A value shared by more than half of the people cannot always be kept apart;
the pass then does what the window allows and never looks further: it costs
one comparison a card where nothing clashes, at most :data:`WINDOW` where
something does.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import pairwise

from triage.store.codec import ROW_EMAILS, ROW_ORG, ROW_SOURCES, Row

# How many cards ahead a clash looks for a card to swap in.
WINDOW = 12

# What a shared value weighs: the same organisation is what an event avoids
# most.
_ORG, _SOURCE, _DOMAIN = 4, 2, 1

Traits = tuple[str, str, str]
"""(organisation, email domain, source file) of one card, "" when unknown."""


def traits(org: str, email: str, source: str) -> Traits:
    """What the mixing compares, from a card's organisation, first email and
    first source file."""
    domain = email.rpartition("@")[2].strip().lower() if "@" in email else ""
    return (_org_key(org), domain, source)


def mix(people: Sequence[Traits], before: Traits | None = None) -> list[int]:
    """The order (indexes into ``people``, a shuffle already) in which
    neighbours clash least; ``before``: the card that precedes the first."""
    newcomers = Newcomers()
    for i, (org, domain, source) in enumerate(people):
        newcomers.add(i, i, org, domain, source)
    return list(newcomers.order(before))


def row_traits(row: Row) -> Traits:
    """The traits of a new contact's encoded row, read off its JSON text (the
    first email's domain, the first source's file name, still quoted: a
    name to compare, not to show)."""
    emails = row[ROW_EMAILS]
    at = emails.find("@")
    domain = emails[at + 1 : emails.find('"', at)].lower() if at > 0 else ""
    sources = row[ROW_SOURCES]
    return row[ROW_ORG], domain, sources[3 : sources.find('",', 3)]


class Newcomers:
    """An import's new people as they are added: their ids and ranks, and
    each trait as a number (arrays: a few bytes a person at 100,000; an
    organisation is kept as its hash, only compared for equality)."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.ranks = array("q")
        # An organisation's hash takes 8 bytes, a numbered domain or file 4.
        self.columns = [array("q"), array("i"), array("i")]
        # Domains and files are few: numbered.  Organisations: whether all
        # of them are one (then they cannot decide anything).
        self.codes: list[dict[str, int]] = [{}, {"": 0}, {"": 0}]
        self.orgs: set[int] = set()

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, contact_id: int, rank: int, org: str, domain: str, source: str) -> None:
        self.ids.append(contact_id)
        self.ranks.append(rank)
        code = _org_code(_org_key(org))
        if len(self.orgs) < 2:
            self.orgs.add(code)
        columns, (_, domains, files) = self.columns, self.codes
        columns[0].append(code)
        columns[1].append(domains.setdefault(domain, len(domains)))
        columns[2].append(files.setdefault(source, len(files)))

    def moves(
        self, before: Traits | None = None, places: Sequence[int] | None = None
    ) -> Iterator[tuple[int, int]]:
        """(id, rank) of the people whose place the mixing changes: each takes
        the rank of the place it moves to (made as they are read: at a
        million people a list of them took ~12 MiB).  ``places``: the cards
        in rank order, when the caller knows it (else they are sorted here)."""
        ranks = self.ranks
        if places is None:
            places = range(len(ranks))
            if any(a > b for a, b in pairwise(ranks)):
                places = array("q", sorted(places, key=ranks.__getitem__))
        order = self.order(before, places)
        ids = self.ids
        return ((ids[k], ranks[p]) for k, p in zip(order, places, strict=True) if k != p)

    def order(self, before: Traits | None = None, places: Sequence[int] = ()) -> Sequence[int]:
        """The mixed order, as indexes in the order added; ``places``: the
        order to start from (the order added by default).  A value every
        card has (one source file, say) is left out: it clashes everywhere,
        so it cannot decide anything."""
        n = len(self.ids)
        if not n:
            return []
        org_column = self.columns[0]
        one_org = len(self.orgs) == 1 and 0 not in self.orgs
        columns: list[Sequence[int]] = [bytes(n) if one_org else org_column]
        start = [_org_code(_org_key(before[0])) if before is not None and not one_org else 0]
        for t in (1, 2):
            column, codes = self.columns[t], self.codes[t]
            known = before[t] if before is not None else ""
            if len(codes) == 2 and 0 not in column:
                columns.append(bytes(n))
                start.append(0)
            else:
                columns.append(column)
                start.append(codes.get(known, -1) if known else 0)
        # The pass reads the arrays themselves: lists of them (a Python int
        # object a card and column) took ~170 MiB at 1,000,000 people.  A
        # trait left out reads as zeros (bytes: one byte a card).
        return _mix(columns, start, places or range(n))


def rank_order(ranks: Sequence[int], shift: int, size: int) -> array[int]:
    """The indexes of ``ranks`` ordered by the field ``rank >> shift`` (its
    low bits: ``size`` is a power of two), equal fields in index order.  A
    counting sort in 8 bytes a card (``sorted`` with a key holds two Python
    ints a card, ~75 MiB at a million)."""
    starts = [0] * size
    for rank in ranks:
        starts[rank >> shift & size - 1] += 1
    total = 0
    for key, count in enumerate(starts):
        starts[key] = total
        total += count
    places = array("q", bytes(8 * len(ranks)))
    for i, rank in enumerate(ranks):
        key = rank >> shift & size - 1
        places[starts[key]] = i
        starts[key] += 1
    return places


def _org_code(key: str) -> int:
    """An organisation as a number, equal for equal names (0: none)."""
    return (hash(key) or 1) if key else 0


def _org_key(org: str) -> str:
    return " ".join(org.split()).casefold()


def _mix(columns: list[Sequence[int]], start: list[int], places: Sequence[int]) -> Sequence[int]:
    n = len(columns[0])
    org, dom, src = columns
    # The most common value of each trait, and (from the moment it can hold
    # half of the cards still to place) how many of those hold it: such a
    # value goes first whenever it may, or its cards end up side by side at
    # the end.
    common = [_most_common(column, places) for column in columns]
    soon = 2 * max(count for _, count in common)
    left: list[int] | None = None
    order = array("q", places)
    lo, ld, ls = start
    for i in range(n):
        remaining = n - i
        if left is None and soon >= remaining:
            left = [
                sum(1 for c in order[i:] if column[c] == value) if value else 0
                for column, (value, _) in zip(columns, common, strict=True)
            ]
        c = order[i]
        o, d, s = org[c], dom[c], src[c]
        score = (o == lo and o and _ORG) + (d == ld and d and _DOMAIN) + (s == ls and s and _SOURCE)
        end = i + 1 + WINDOW if i + 1 + WINDOW < n else n
        # A value held by half of the cards still to place is wanted now
        # (unless the card before holds it).
        want, wanted = -1, 0
        if left is not None:
            for t in range(3):
                value = common[t][0]
                if value and 2 * left[t] >= remaining and (lo, ld, ls)[t] != value:
                    want, wanted = t, value
                    break
        miss = want >= 0 and columns[want][c] != wanted
        if score or miss:
            best, rank = i, 2 * score + miss
            for j in range(i + 1, end):
                k = order[j]
                ko, kd, ks = org[k], dom[k], src[k]
                there = 2 * (
                    (ko == lo and ko and _ORG)
                    + (kd == ld and kd and _DOMAIN)
                    + (ks == ls and ks and _SOURCE)
                ) + (want >= 0 and columns[want][k] != wanted)
                if there < rank:
                    best, rank = j, there
                    if not there:
                        break
            if best != i:
                order[i], order[best] = order[best], order[i]
                c = order[i]
                o, d, s = org[c], dom[c], src[c]
            elif score and i > 1:
                # Nothing ahead fits (the end of the deck): a place behind,
                # between two cards it does not clash with, whose card fits
                # here.
                for j in range(i - 2, max(0, i - 1 - WINDOW), -1):
                    k = order[j]
                    if (
                        not _clash(columns, c, order[j - 1])
                        and not _clash(columns, c, order[j + 1])
                        and _clash(columns, k, order[i - 1]) < score
                    ):
                        order[i], order[j] = k, c
                        c = k
                        o, d, s = org[c], dom[c], src[c]
                        break
        if left is not None:
            if o == common[0][0]:
                left[0] -= 1
            if d == common[1][0]:
                left[1] -= 1
            if s == common[2][0]:
                left[2] -= 1
        lo, ld, ls = o, d, s
    return order


def _most_common(column: Sequence[int], places: Sequence[int]) -> tuple[int, int]:
    """The most common known value of a trait and how many cards hold it
    ((0, 0): none is known; of a tie, the first met in ``places`` order)."""
    counts: dict[int, int] = {}
    for value in map(column.__getitem__, places):
        if value:
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return 0, 0
    value = max(counts, key=counts.__getitem__)
    return value, counts[value]


def _clash(columns: list[Sequence[int]], a: int, b: int) -> int:
    """What cards ``a`` and ``b`` share, weighed."""
    org, dom, src = columns
    return (
        (org[a] == org[b] and org[a] and _ORG)
        + (dom[a] == dom[b] and dom[a] and _DOMAIN)
        + (src[a] == src[b] and src[a] and _SOURCE)
    )
