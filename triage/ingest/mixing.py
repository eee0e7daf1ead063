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

from collections.abc import Sequence

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
    return (" ".join(org.split()).casefold(), domain, source)


def mix(people: Sequence[Traits], before: Traits | None = None) -> list[int]:
    """The order (indexes into ``people``, a shuffle already) in which
    neighbours clash least; ``before``: the card that precedes the first.

    Values every card shares (one source file, say) are left out: they
    clash everywhere, so they cannot decide anything."""
    n = len(people)
    # Each trait as a small int per card (0: unknown, never a clash), and
    # the id of the card before the first (-1: a value none of them has).
    columns: list[list[int]] = []
    start: list[int] = []
    for t in range(3):
        ids: dict[str, int] = {"": 0}
        column = [ids.setdefault(p[t], len(ids)) for p in people]
        if len(ids) == 2 and 0 not in column:
            column = [0] * n  # one value on every card
        columns.append(column)
        start.append(ids.get(before[t], -1) if before is not None and before[t] else 0)
    org, dom, src = columns
    # The most common value of each trait, and (from the moment it can hold
    # half of the cards still to place) how many of those hold it: such a
    # value goes first whenever it may, or its cards end up side by side at
    # the end.
    common = [_most_common(column) for column in columns]
    soon = 2 * max(count for _, count in common)
    left: list[int] | None = None
    order = list(range(n))
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


def _most_common(column: list[int]) -> tuple[int, int]:
    """The most common known value of a trait and how many cards hold it
    ((0, 0): none is known)."""
    counts: dict[int, int] = {}
    for value in column:
        if value:
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return 0, 0
    value = max(counts, key=counts.__getitem__)
    return value, counts[value]


def _clash(columns: list[list[int]], a: int, b: int) -> int:
    """What cards ``a`` and ``b`` share, weighed."""
    org, dom, src = columns
    return (
        (org[a] == org[b] and org[a] and _ORG)
        + (dom[a] == dom[b] and dom[a] and _DOMAIN)
        + (src[a] == src[b] and src[a] and _SOURCE)
    )
