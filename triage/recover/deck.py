"""The ``recover`` use case: read LinkedIn's Invitations.csv and
Connections.csv, and build (or update) a recovery deck of the invitations
still pending, keeping every decision made on an earlier run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from triage.model import Contact, Source
from triage.recover.pending import (
    Connected,
    Connection,
    Invitation,
    PendingReport,
    read_export,
)
from triage.store import Store
from triage.store.recovery import Built

DEFAULT_DECK = "recover"


class DeckKindError(Exception):
    """The deck named is an address-book deck."""


@dataclass(slots=True)
class RecoverReport:
    files: PendingReport
    built: Built

    @property
    def deck(self) -> str:
        return self.built.deck.name

    def lines(self) -> list[str]:
        f, b = self.files, self.built
        out = [
            f"Recovery deck '{b.deck.name}': {len(f.pending):,} pending invitations"
            f" ({b.added:,} new, {b.updated:,} already there, decisions kept)",
            f"  outgoing invitations read: {f.outgoing:,}"
            f" ({f.repeated:,} sent to someone invited before: the newest counts)",
            f"  accepted (in Connections.csv): {f.accepted:,}"
            + (
                f", {f.accepted_by_name:,} of them matched on the name only"
                if f.accepted_by_name
                else ""
            ),
            f"  incoming invitations ignored: {f.incoming:,}",
        ]
        if b.removed:
            out.append(f"  accepted since the last run, taken out of the deck: {b.removed:,}")
        for file, problem in f.problems[:20]:
            out.append(f"  {file}:{problem.line}: {problem.reason}")
        if len(f.problems) > 20:
            out.append(f"  … and {len(f.problems) - 20:,} more rows that could not be read")
        return out


def invitation_contact(inv: Invitation) -> Contact:
    """A card of the recovery deck: the invitee, the sent date, the message."""
    return Contact(
        id=0,
        deck_id=0,
        key=inv.key,
        name=inv.name or inv.profile_url,
        notes=inv.message,
        invited_on=inv.sent_at,
        profile_url=inv.profile_url,
        sources=[Source(inv.file, inv.line)],
    )


def recover(store: Store, deck_name: str, paths: Sequence[Path], *, region: str) -> RecoverReport:
    """Build or update the recovery deck from the files, in one transaction.
    People connected according to any address-book deck count as accepted
    too.  Raises :class:`~triage.recover.pending.RecoverError` for a file
    that cannot be used and :class:`DeckKindError` for an address-book deck."""
    existing = store.deck(deck_name)
    if existing is not None and existing.kind != "recovery":
        raise DeckKindError(
            f"deck '{deck_name}' is an address-book deck; name another one with --deck"
        )
    recovery = store.recovery()
    known = [Connection(n, u) for n, u in recovery.connected()]
    files = read_export(paths, known)
    connected = files.connected or Connected(known)
    people = [invitation_contact(inv) for inv in files.pending]
    rows = [(c.name, c.profile_url, c.email, c.connected_on) for c in files.read_connections]
    built = recovery.build(
        deck_name, region, people, lambda name, url: bool(connected.match(name, url)), rows
    )
    return RecoverReport(files, built)
