"""``triage recover`` and ``triage checklist``: a recovery deck of pending
LinkedIn invitations, and the checklist of the ones to withdraw."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from triage.cli.errors import UsageError
from triage.model import Deck
from triage.store import Store
from triage.vocab import command


def recover_command(store: Store, args: argparse.Namespace, region: str) -> int:
    from triage.recover.deck import DeckKindError, recover
    from triage.recover.pending import RecoverError

    missing = [str(p) for p in args.files if not Path(p).is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    try:
        report = recover(store, args.deck, args.files, region=region)
    except (RecoverError, DeckKindError) as exc:
        raise UsageError(f"{exc}; nothing was changed") from None
    for line in report.lines():
        print(line)
    deck = report.built.deck
    if args.no_review:
        print(f"Next: {command('review', '--deck', deck.name)}")
        return 0
    if not store.count_contacts(deck.id):
        print("Nothing is pending: there is nothing to withdraw.")
        return 0
    from triage.cli.review import review

    return review(store, deck, order=args.order)


def recovery_deck(store: Store, name: str) -> Deck:
    deck = store.deck(name)
    if deck is None:
        raise UsageError(
            f"no deck named '{name}'; build it with:"
            f" {command('recover', 'Invitations.csv', 'Connections.csv', '--deck', name)}"
        )
    if deck.kind != "recovery":
        raise UsageError(
            f"deck '{name}' is an address-book deck; a checklist comes from a recovery deck"
            f" ({command('recover', '--help')})"
        )
    return deck


def checklist_command(store: Store, args: argparse.Namespace) -> int:
    from triage.export.checklist import Entry, format_for, write_checklist

    deck = recovery_deck(store, args.deck)
    rows = store.recovery().pending(deck.id)
    entries = [Entry(p.name, p.sent_at, p.profile_url, p.withdrawn_at) for p in rows]
    fmt = format_for(args.output, args.format)
    made = date.today().isoformat()
    if args.output == "-":
        write_checklist(
            entries, None, fmt=fmt, deck=deck.name, made=made, order=args.order, stdout=sys.stdout
        )
        return 0
    out = Path(args.output).expanduser()
    if not out.parent.is_dir():
        raise UsageError(f"{out}: the folder {out.parent} does not exist")
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; use --force to overwrite it")
    try:
        write_checklist(entries, out, fmt=fmt, deck=deck.name, made=made, order=args.order)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write it: {exc.strerror or exc}") from None
    done = sum(1 for e in entries if e.withdrawn_at)
    print(
        f"Wrote the checklist of {len(entries):,} invitations to withdraw"
        f" ({done:,} stamped withdrawn already) to {out} ({fmt}, {args.order} first)"
    )
    if not entries:
        walk = command("review", "--deck", deck.name)
        print(f"Nobody is marked withdraw yet: mark them with s in {walk}")
    return 0
