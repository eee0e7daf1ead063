"""Plain domain objects shared by every layer.

Importers produce :class:`RawRecord` items (and :class:`Problem` items for rows
they had to reject); normalisation turns records into :class:`Person` values;
the store keeps :class:`Contact` rows.  None of these know about SQLite or
Textual.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

UNDECIDED = "undecided"
INVITE = "invite"
SKIP = "skip"
DECISIONS = (UNDECIDED, INVITE, SKIP)

# Flag names, in the order the card shows them.  The store keeps them as a
# bit mask; FLAG_BITS maps each name to its bit.
FLAGS = (
    "no_email",
    "invalid_email",
    "role_address",
    "connected",
    "invited",
    "merged",
    "name_guessed",
    "phone_unparsed",
    # What LinkedIn knows, matched across every deck of the database
    # (triage.store.network): an invitation still pending, one withdrawn
    # lately (LinkedIn refuses a new one until the lock ends), a LinkedIn
    # connection or invitation sharing only the name, no profile known.
    "pending",
    "locked",
    "name_match",
    "no_profile",
)
FLAG_BITS = {name: 1 << i for i, name in enumerate(FLAGS)}


@dataclass(slots=True)
class Problem:
    """A row an importer could not use; the rest of the file still imports."""

    line: int
    reason: str


@dataclass(slots=True)
class RawRecord:
    """One record exactly as a source file described it, before cleaning.

    ``line`` is the 1-based physical line where the record starts.  Lists keep
    file order with the primary value first.  ``kind`` is ``"invitation"`` for
    rows of a LinkedIn Invitations.csv (``full_name`` is the invitee, and such
    records only mark existing people, they never create one).
    """

    line: int
    kind: str = "contact"
    full_name: str = ""
    given: str = ""
    middle: str = ""
    family: str = ""
    org: str = ""
    title: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    notes: str = ""
    labels: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    connected_on: str = ""
    invited_on: str = ""
    profile_url: str = ""
    website: str = ""
    city: str = ""


@dataclass(slots=True)
class Email:
    address: str
    valid: bool = True
    role: bool = False


@dataclass(slots=True)
class Phone:
    number: str  # E.164 when it parsed, otherwise as typed
    valid: bool = True
    # How the card shows a valid number (``+49 6123 44848``, formatted at
    # import so that the window never loads phonenumbers), and the text as
    # the source typed it when its digits say more than the number does
    # (``06123 44848``: read in a region); both "" when not needed.  Two
    # phones are equal when their numbers are: these only say how to show it.
    display: str = field(default="", compare=False)
    original: str = field(default="", compare=False)

    @property
    def readable(self) -> str:
        return self.display or self.number


@dataclass(slots=True)
class Source:
    """Where a record came from: file name and line (``path`` is the full
    path it was imported from, ``import_id`` the import that read it)."""

    file: str
    line: int
    import_id: int = 0
    path: str = ""


@dataclass(slots=True)
class Contact:
    """One person of a deck, as the walk-through and the export see it."""

    id: int
    deck_id: int
    key: str
    name: str
    given: str = ""
    family: str = ""
    org: str = ""
    title: str = ""
    emails: list[Email] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    notes: str = ""
    labels: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    flags: int = 0
    decision: str = UNDECIDED
    decided_at: str = ""
    note: str = ""
    connected_on: str = ""
    invited_on: str = ""
    profile_url: str = ""
    exported_at: str = ""
    tags: list[str] = field(default_factory=list)
    website: str = ""
    city: str = ""
    # While an import merges records into this contact: its sources by file
    # and line (built by triage.dedupe on the first merge, never stored).
    source_index: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def has(self, flag: str) -> bool:
        return bool(self.flags & FLAG_BITS[flag])

    @property
    def flag_names(self) -> list[str]:
        return [name for name in FLAGS if self.flags & FLAG_BITS[name]]

    @property
    def primary_email(self) -> str | None:
        """The first valid email, the one an upload would use."""
        for email in self.emails:
            if email.valid:
                return email.address
        return None


@dataclass(slots=True)
class Deck:
    id: int
    name: str
    region: str
    seed: int
    cursor_id: int | None
    kind: str = "address_book"  # or "recovery" (triage.vocab.DECK_KINDS)


# Flags that keep a person out of a LinkedIn upload: nobody to send it to
# (no valid email), or nothing to send (already connected, already invited,
# an invitation pending or withdrawn lately: LinkedIn refuses a new one).
# The default walk is the people with none of them.
UPLOAD_BLOCKERS = ("no_email", "connected", "invited", "pending", "locked")
UPLOAD_BLOCKED = sum(FLAG_BITS[f] for f in UPLOAD_BLOCKERS)

# The walk's reach: everyone (""), the people an upload can invite, or the
# people it cannot.
UPLOADABLE = "upload"
BLOCKED = "outside"
REACHES = ("", UPLOADABLE, BLOCKED)


@dataclass(slots=True, frozen=True, init=False)
class WalkFilter:
    """Which cards the walk shows: every criterion given must hold (a card
    with any of the decisions, any of the tags, any of the flags, from any of
    the source files, within the reach); an empty criterion holds for all.

    ``WalkFilter("skip")``, ``WalkFilter("tag", "vip")``,
    ``WalkFilter("flag", "merged")``, ``WalkFilter("source", "google.csv")``
    are one criterion; the keywords give several.  :meth:`matches` is the
    rule the store's SQL applies (``triage.store.walking.filter_sql``)."""

    decisions: frozenset[str]
    tags: frozenset[str]
    flags: frozenset[str]
    sources: frozenset[str]
    reach: str

    def __init__(
        self,
        kind: str = "all",
        value: str = "",
        *,
        decisions: Iterable[str] = (),
        tags: Iterable[str] = (),
        flags: Iterable[str] = (),
        sources: Iterable[str] = (),
        reach: str = "",
    ) -> None:
        decided, tagged, flagged, files = set(decisions), set(tags), set(flags), set(sources)
        if kind in DECISIONS:
            decided.add(kind)
        elif kind == "tag":
            tagged.add(value)
        elif kind == "flag":
            flagged.add(value)
        elif kind == "source":
            files.add(value)
        elif kind != "all":
            raise ValueError(f"unknown filter {kind}")
        if not decided <= set(DECISIONS):
            raise ValueError(f"unknown decision in {sorted(decided)}")
        if not flagged <= set(FLAGS):
            raise ValueError(f"unknown flag in {sorted(flagged)}")
        if reach not in REACHES:
            raise ValueError(f"unknown reach {reach}")
        if decided == set(DECISIONS):
            decided = set()  # any decision: no criterion
        set_ = object.__setattr__
        set_(self, "decisions", frozenset(decided))
        set_(self, "tags", frozenset(tagged))
        set_(self, "flags", frozenset(flagged))
        set_(self, "sources", frozenset(files))
        set_(self, "reach", reach)

    @property
    def reach_only(self) -> bool:
        """No criterion but the reach: the walk of everyone (it may leave out
        the people an upload cannot invite), where a decision goes on to the
        next undecided card."""
        return not (self.decisions or self.tags or self.flags or self.sources)

    @property
    def counted(self) -> bool:
        """Its total follows from the counts by decision (no COUNT query)."""
        return not (self.tags or self.flags or self.sources or self.reach)

    @property
    def flag_mask(self) -> int:
        return sum(FLAG_BITS[f] for f in self.flags)

    def matches(self, c: Contact) -> bool:
        """Whether ``c`` is a card of this walk: the rule the store's SQL
        applies (``triage.store.walking.filter_sql``), tag names compared
        as SQLite's NOCASE compares them (ASCII letters only)."""
        if self.decisions and c.decision not in self.decisions:
            return False
        if self.reach and (c.flags & UPLOAD_BLOCKED == 0) != (self.reach == UPLOADABLE):
            return False
        if self.flags and not c.flags & self.flag_mask:
            return False
        if self.tags:
            wanted = {t.translate(_ASCII_LOWER) for t in self.tags}
            if not any(t.translate(_ASCII_LOWER) in wanted for t in c.tags):
                return False
        return not self.sources or any(s.file in self.sources for s in c.sources)

    def with_reach(self, reach: str) -> WalkFilter:
        return WalkFilter(
            decisions=self.decisions,
            tags=self.tags,
            flags=self.flags,
            sources=self.sources,
            reach=reach,
        )


def upload_blockers(c: Contact) -> list[str]:
    """The flags that keep ``c`` out of a LinkedIn upload (none: it can go)."""
    return [f for f in UPLOAD_BLOCKERS if c.flags & FLAG_BITS[f]]


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
ALL = WalkFilter()
# The default walk of an address book: the people an upload can invite.
UPLOAD_WALK = WalkFilter(reach=UPLOADABLE)


@dataclass(slots=True, frozen=True)
class DeckContents:
    """What a deck holds that deleting it loses."""

    people: int
    decisions: int
    tags: int
    notes: int


@dataclass(slots=True)
class Counts:
    contacts: int = 0
    invite: int = 0
    skip: int = 0
    undecided: int = 0


@dataclass(slots=True)
class Change:
    """What an undo restored, so the caller can show the card it touched."""

    contact_id: int
    kind: str
    detail: str


@dataclass(slots=True)
class DeckStatus:
    deck: str
    contacts: int
    invite: int
    skip: int
    undecided: int
    tags: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    exported: int = 0
    to_export: int = 0
    last_export: str = ""
    kind: str = "address_book"
    # A recovery deck: invitations stamped "withdrawn on DATE", and the ones
    # still pending on LinkedIn (not stamped yet).
    withdrawn: int = 0
    pending: int = 0
    # An address book: who is connected or locked on LinkedIn, the invited
    # people an upload cannot carry (never exported), and what became of the
    # invitations sent (triage.store.progress).
    connected: int = 0
    locked: int = 0
    cannot_upload: int = 0
    # ... by the flag that keeps them out (one person may have several).
    cannot_upload_by: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    accepted: int = 0
    pending_old: int = 0
    pending_days: int = 21
    # The pacing plan of ``to_export`` over ISO weeks ((week, count), this
    # week first), filled in by the command that knows the weekly budget.
    uploaded_this_week: int = 0
    plan: list[tuple[str, int]] = field(default_factory=list)

    @property
    def acceptance_rate(self) -> float | None:
        return round(self.accepted / self.sent, 4) if self.sent else None

    def as_dict(self) -> dict[str, Any]:
        if self.kind == "recovery":
            return {
                "deck": self.deck,
                "kind": "recovery",
                "contacts": self.contacts,
                "keep": self.invite,
                "withdraw": self.skip,
                "undecided": self.undecided,
                "withdrawn": self.withdrawn,
                "pending": self.pending,
                "invite": self.invite,
                "skip": self.skip,
                "tags": self.tags,
                "flags": self.flags,
                "sources": self.sources,
            }
        return {
            "deck": self.deck,
            "kind": "address-book",
            "contacts": self.contacts,
            "invite": self.invite,
            "skip": self.skip,
            "undecided": self.undecided,
            "tags": self.tags,
            "flags": self.flags,
            "sources": self.sources,
            "exported": self.exported,
            "to_export": self.to_export,
            "cannot_upload": self.cannot_upload,
            "cannot_upload_by": self.cannot_upload_by,
            "last_export": self.last_export,
            "connected": self.connected,
            "locked": self.locked,
            "sent": self.sent,
            "accepted": self.accepted,
            "pending": self.pending,
            "pending_old": self.pending_old,
            "pending_days": self.pending_days,
            "acceptance_rate": self.acceptance_rate,
            "uploaded_this_week": self.uploaded_this_week,
            "plan": [{"week": week, "count": n} for week, n in self.plan],
        }
