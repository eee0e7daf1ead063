"""What each subcommand does, in terms of the store and the use cases.

``cli`` parses; this module opens the store, runs the use case and prints.
Errors leave as :class:`UsageError` (exit 2) or :class:`StateError` (exit 3).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from triage.cli.errors import StateError, UsageError
from triage.cli.paths import data_dir
from triage.model import Deck, DeckStatus
from triage.store import Store
from triage.store.files import NoDatabase, StoreError, describe_db_error
from triage.store.progress import PENDING_DAYS
from triage.vocab import FLAG_LABELS, IMPORT_FORMATS, command, deck_option

if TYPE_CHECKING:
    from triage.config import Config
    from triage.export.pacing import Week
    from triage.ingest.run import ImportReport

DEMO_DECK = "demo"


def print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


@contextmanager
def open_store(args: argparse.Namespace, *, create: bool = True) -> Iterator[Store]:
    """The store for one command.  Damage that ``Store.open`` cannot see shows
    up as :class:`sqlite3.DatabaseError` where a page is read: that is a state
    problem too (one line, exit 3).  After any failure the store is closed
    without a checkpoint, so a damaged file and its ``-wal`` stay as they were."""
    try:
        store = Store.open(data_dir(args), create=create)
    except NoDatabase:
        raise
    except StoreError as exc:
        raise StateError(str(exc)) from None
    try:
        yield store
    except StoreError as exc:
        store.close_keeping_files()
        raise StateError(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        store.close_keeping_files()
        if isinstance(exc, sqlite3.ProgrammingError):  # a bug, not the file
            raise
        raise StateError(describe_db_error(store.path, exc)) from None
    except BaseException:
        store.close_keeping_files()
        raise
    else:
        store.close()


def existing_deck(store: Store | None, name: str) -> Deck:
    """The deck named ``name``; UsageError naming the decks there are and how
    to create it (``store`` None: there is no database yet)."""
    deck = store.deck(name) if store is not None else None
    if deck is None:
        known = (", ".join(n for n, _ in store.decks()) if store is not None else "") or "none yet"
        raise UsageError(
            f"no deck named '{name}' (decks: {known}); "
            f"create it with: {command('import', 'FILE', '--deck', name)}"
        )
    return deck


NO_DECKS = "No decks yet. Start with: triage import FILE   (or try: triage demo)"
FIRST_DECK = "default"


def deck_name(store: Store | None, args: argparse.Namespace) -> str:
    """``--deck``, else the only deck, else the one used last (the command
    says which once it worked: :func:`say_deck`); with no deck yet,
    ``default``.  Several decks, none used yet: UsageError naming them."""
    if args.deck is not None:
        return str(args.deck)
    name = store.last_used() if store is not None else None
    if name is None:
        names = [n for n, _ in store.decks()] if store is not None else []
        if names and FIRST_DECK not in names:
            raise UsageError(
                f"there are several decks ({', '.join(names)}) and none was used yet;"
                " choose one with --deck NAME"
            )
        name = FIRST_DECK
    args.deck = name
    args.deck_chosen = True
    return name


def say_deck(args: argparse.Namespace) -> None:
    """``deck: NAME`` on stderr, when the command chose the deck itself
    (said after the work, so that a failure stays one line)."""
    if getattr(args, "deck_chosen", False):
        print(f"deck: {args.deck}", file=sys.stderr)


def open_deck(store: Store, args: argparse.Namespace) -> Deck:
    """The deck a command works on (:func:`deck_name`)."""
    return existing_deck(store, deck_name(store, args))


def used(store: Store, deck: Deck, args: argparse.Namespace) -> None:
    """The command worked on ``deck``: remember it as the one used last
    (after the work, so that a command refused on a damaged file writes
    nothing), and say which it was if the command chose it."""
    store.mark_used(deck)
    say_deck(args)


def check_deck_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise UsageError("a deck name must be 1 to 100 printable characters")
    return name


# Codes people type for a country whose ISO 3166 code is another one.
_REGION_MISTAKES = {"UK": "GB", "EL": "GR"}


def resolve_region(store: Store, deck_name: str, region: str | None) -> str:
    from triage.ingest.regions import default_region_from_locale, valid_region

    if region:
        code = region.strip().upper()
        if code in _REGION_MISTAKES:
            suggestion = _REGION_MISTAKES[code]
            raise UsageError(f"--region {region}: not a phone region; did you mean {suggestion}?")
        if not valid_region(code):
            raise UsageError(
                f"--region {region}: not a known phone region (use a code like US, GB, DE)"
            )
        return code
    deck = store.deck(deck_name)
    return deck.region if deck else default_region_from_locale()


def do_import(
    store: Store,
    deck_name: str,
    files: list[Path],
    *,
    region: str | None,
    format: str | None,
    map_text: str | None,
    quiet: bool = False,
    encoding: str | None = None,
) -> ImportReport:
    """Run an import and return its report; shows progress on a terminal.

    ``-`` and pipes (``<(...)``) are read into private copies first."""
    from triage.ingest.formats import check_encoding, parse_mapping
    from triage.ingest.formats.base import FormatError
    from triage.ingest.run import ImportFailed, run_import
    from triage.ingest.spool import SpoolError, spooled

    deck_name = check_deck_name(deck_name)
    try:
        mapping = parse_mapping(map_text) if map_text else None
    except FormatError as exc:
        raise UsageError(f"--map: {exc}") from None
    try:
        encoding = check_encoding(encoding) if encoding is not None else None
    except FormatError as exc:
        raise UsageError(f"--encoding: {exc}") from None
    code = resolve_region(store, deck_name, region)
    progress = None if quiet or not sys.stderr.isatty() else _Progress()
    try:
        with spooled(files) as paths:
            try:
                report = run_import(
                    store,
                    deck_name,
                    paths,
                    region=code,
                    format=format,
                    mapping=mapping,
                    progress=progress,
                    encoding=encoding,
                )
            except ImportFailed as exc:
                message = str(exc)
                for given, path in zip(files, paths, strict=True):
                    if path != given:  # a copy of standard input or a pipe
                        message = message.replace(str(path), path.name)
                raise UsageError(f"{message}; nothing was imported") from None
    except SpoolError as exc:
        raise UsageError(f"{exc}; nothing was imported") from None
    except StoreError as exc:
        raise StateError(str(exc)) from None
    finally:
        if progress is not None:
            progress.done()
    return report


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


class _Progress:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.shown = False

    def __call__(self, file: str, records: int) -> None:
        rate = records / max(time.perf_counter() - self.started, 1e-6)
        sys.stderr.write(f"\r  importing {file}: {records:,} records ({rate:,.0f}/s)   ")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def print_report(report: ImportReport) -> None:
    from triage.model import FLAGS

    n = len(report.files)
    print(
        f"Imported into deck '{report.deck}' ({n} file{'s' * (n != 1)}, {report.seconds:.1f} s,"
        f" phone region {report.region})"
    )
    change = report.region_change
    if change is not None:
        print(
            f"  Phone region {change.before} -> {report.region}: {change.parsed:,} of the"
            f" {change.parsed + change.unparsed:,} phones that did not parse now do"
        )
    for f in report.files:
        if f.format == "invitations":
            print(
                f"  {f.file}: LinkedIn invitations, {f.encoding}: {f.invitations:,} outgoing,"
                f" {f.invitations_matched:,} matched to people in the deck"
            )
        else:
            rejected = len(f.rejected)
            print(
                f"  {f.file}: {IMPORT_FORMATS.get(f.format, f.format)}, {f.encoding}:"
                f" {_rows(f.rows)}: {f.records:,} read, {rejected:,} rejected"
            )
            print(
                f"    of the {f.records:,} read: {f.new:,} new, {f.merged:,} merged,"
                f" {f.updated:,} updated, {f.unchanged:,} unchanged, {f.flagged:,} flagged"
            )
        if f.flags:
            parts = [f"{f.flags[k]:,} {FLAG_LABELS[k]}" for k in FLAGS if k in f.flags]
            print(f"    flagged: {', '.join(parts)}")
        for problem in f.rejected[:20]:
            print(f"    {f.file}:{problem.line}: {problem.reason}")
        if len(f.rejected) > 20:
            print(f"    … and {len(f.rejected) - 20:,} more (see --json)")
    print(f"Deck '{report.deck}' now holds {report.contacts:,} people.")


def import_from_args(
    store: Store, args: argparse.Namespace, *, quiet: bool = False
) -> ImportReport:
    """The import that ``import`` and ``review FILE...`` ask for."""
    return do_import(
        store,
        deck_name(store, args),
        args.files,
        region=args.region,
        format=args.format,
        map_text=args.map,
        quiet=quiet,
        encoding=args.encoding,
    )


def cmd_import(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        report = import_from_args(store, args, quiet=args.json)
        deck = store.deck(report.deck)
        if deck is not None:
            used(store, deck, args)
    if args.json:
        print_json(report.as_dict())
    else:
        print_report(report)
        print(f"Next: {command('review', *deck_option(report.deck))}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    try:
        return _status(args)
    except NoDatabase:
        existing_deck(None, deck_name(None, args))
        raise


def _status(args: argparse.Namespace) -> int:
    with open_store(args, create=False) as store:
        deck = open_deck(store, args)
        if deck.kind == "address_book":
            from triage.config import relock_days_or_none
            from triage.store.network import ensure_current

            ensure_current(store, relock_days_or_none())
        weeks: list[Week] = []
        if deck.kind == "recovery":
            st = store.status(deck)
        else:
            config = _config()
            # How long a withdrawal locks is how long a pending invitation is
            # worth waiting for.
            days = int(getattr(config, "relock_days", PENDING_DAYS))
            st = store.status(deck, pending_days=days)
            weeks = _pacing(store, st, config.weekly_budget)
        used(store, deck, args)
    if args.json:
        print_json(st.as_dict())
        return 0
    if st.kind == "recovery":
        print(f"Recovery deck '{st.deck}': {st.contacts:,} pending invitations")
        print(f"  keep         {st.invite:>8,}")
        print(f"  withdraw     {st.skip:>8,}")
        print(f"  undecided    {st.undecided:>8,}")
        print(f"  withdrawn    {st.withdrawn:>8,}   (stamped with w in the checklist mode)")
        return 0
    print(f"Deck '{st.deck}': {st.contacts:,} people")
    print(f"  invited    {st.invite:>8,}")
    print(f"  skipped    {st.skip:>8,}")
    print(f"  undecided  {st.undecided:>8,}")
    if st.invite:
        print(
            f"  to export  {st.to_export:>8,}   (invited, never uploaded, an upload can carry them)"
        )
        if st.exported:
            print(f"  exported   {st.exported:>8,}   (last on {st.last_export[:10]})")
        if st.cannot_upload:
            why = ", ".join(f"{n:,} {FLAG_LABELS[f]}" for f, n in st.cannot_upload_by.items())
            print(f"  no upload  {st.cannot_upload:>8,}   (invited, never uploaded: {why})")
        if st.to_export:
            from triage.export.pacing import plan_line

            print(f"  weekly plan: {plan_line(weeks)}")
    for line in _progress_lines(st):
        print(line)
    if st.tags:
        print("Tags: " + ", ".join(f"{k} {v:,}" for k, v in st.tags.items()))
    flags = [f"{FLAG_LABELS[k]} {v:,}" for k, v in st.flags.items() if v]
    if flags:
        print("Flags: " + ", ".join(flags))
    if st.sources:
        print("Sources: " + ", ".join(f"{k} {v:,}" for k, v in st.sources.items()))
    return 0


def _config() -> Config:
    from triage.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _pacing(store: Store, st: DeckStatus, budget: int) -> list[Week]:
    """The weekly plan of what ``export --new`` would upload (into ``st``)."""
    from datetime import date

    from triage.export.pacing import plan_weeks, taken_weeks

    today = date.today()
    taken = taken_weeks(store, today)
    weeks = plan_weeks(st.to_export, budget, taken, today)
    st.uploaded_this_week = weeks[0].taken
    st.plan = [(w.label, w.count) for w in weeks if w.count]
    return weeks


def _progress_lines(st: DeckStatus) -> list[str]:
    """Connected and locked people, and what became of the invitations sent."""
    lines: list[str] = []
    network = [f"{st.connected:,} connected"]
    if st.locked:
        network.append(f"{st.locked:,} locked after a withdrawal")
    if st.sent:
        rate = f"{st.acceptance_rate:.0%}" if st.acceptance_rate is not None else "-"
        old = f", {st.pending_old:,} of them over {st.pending_days} days" if st.pending_old else ""
        lines.append(
            f"Invitations: {st.sent:,} sent, {st.accepted:,} accepted ({rate}),"
            f" {st.pending:,} pending{old}"
        )
    if st.connected or st.locked:
        lines.insert(0, "LinkedIn: " + ", ".join(network))
    return lines


def cmd_decks(args: argparse.Namespace) -> int:
    if args.action == "rename":
        return _rename_deck(args)
    if args.action == "delete":
        return _delete_deck(args)
    try:
        with open_store(args, create=False) as store:
            decks = store.decks()
            last = store.last_used()
    except NoDatabase:
        decks, last = [], None
    if not decks:
        print(NO_DECKS)
        return 0
    width = max(len(name) for name, _ in decks)
    several = len(decks) > 1
    for name, c in decks:
        mark = ("* " if name == last else "  ") if several else ""
        print(
            f"{mark}{name:<{width}}  {c.contacts:>7,} people  {c.invite:>6,} invited"
            f"  {c.skip:>6,} skipped  {c.undecided:>7,} undecided"
        )
    if last is not None and several:
        print(f"* used last: commands without --deck use '{last}'")
    return 0


def _rename_deck(args: argparse.Namespace) -> int:
    new = check_deck_name(args.new)
    try:
        with open_store(args, create=False) as store:
            deck = existing_deck(store, args.old)
            if new != deck.name:
                try:
                    store.rename_deck(deck, new)
                except ValueError as exc:
                    raise UsageError(str(exc)) from None
    except NoDatabase:
        existing_deck(None, args.old)
        raise
    print(f"Deck '{args.old}' is now '{new}'.")
    return 0


def _delete_deck(args: argparse.Namespace) -> int:
    try:
        with open_store(args, create=False) as store:
            deck = existing_deck(store, args.name)
            _check_unlocked(store, deck)
            held = store.deck_contents(deck)
            loses = (
                f"deck '{deck.name}' holds {held.people:,} people, {held.decisions:,} decisions,"
                f" {held.tags:,} tags and {held.notes:,} notes"
            )
            if not args.yes:
                if not (sys.stdin.isatty() and sys.stdout.isatty()):
                    raise UsageError(f"{loses}; add --yes to delete it (no terminal to ask on)")
                print(f"Deleting {loses}: all of it is lost.")
                try:
                    answer = input(f"Delete deck '{deck.name}'? [y/N] ")
                except EOFError:
                    answer = ""
                if answer.strip().lower() not in ("y", "yes"):
                    print("Nothing deleted.")
                    return 0
            store.delete_deck(deck)
    except NoDatabase:
        existing_deck(None, args.name)
        raise
    print(f"Deck '{deck.name}' is deleted ({held.people:,} people, {held.decisions:,} decisions).")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from triage.cli.review import review

    with open_store(args) as store:
        if args.files:
            print_report(import_from_args(store, args))
        deck = open_deck(store, args)
        if args.meet is not None and args.meet < 1:
            raise UsageError("--meet must be 1 or more")
        code = review(store, deck, order=walk_order(deck, args.order), meet=args.meet)
        if code == 0:
            used(store, deck, args)
        return code


def walk_order(deck: Deck, order: str | None) -> str:
    """``--order``, else the deck kind's default; newest/oldest only where
    there are sent dates (a recovery deck)."""
    from triage.vocab import orders_for

    orders = orders_for(deck.kind)
    if order is None:
        return orders[0]
    if order not in orders:
        raise UsageError(f"--order {order} is for recovery decks; choose {', '.join(orders)}")
    return order


def cmd_demo(args: argparse.Namespace) -> int:
    from triage.cli.review import review
    from triage.demo import demo_files

    with open_store(args) as store:
        deck = store.deck(DEMO_DECK)
        if deck is not None and args.reset:
            _check_unlocked(store, deck)
            store.delete_deck(deck)
            deck = None
        if deck is None:
            with demo_files() as files:
                do_import(
                    store, DEMO_DECK, files, region="US", format=None, map_text=None, quiet=True
                )
            deck = existing_deck(store, DEMO_DECK)
        store.mark_used(deck)
        return review(store, deck, order="event")


def _check_unlocked(store: Store, deck: Deck) -> None:
    from triage.store.lock import DeckLocked

    try:
        with store.lock(deck) as lock:
            lock.acquire(deck.name)
    except DeckLocked as exc:
        raise StateError(str(exc)) from None


def cmd_export(args: argparse.Namespace) -> int:
    from triage.cli.export import export_command

    try:
        with open_store(args, create=False) as store:
            deck = open_deck(store, args)
            code = export_command(store, deck, args)
            if code == 0:
                used(store, deck, args)
            return code
    except NoDatabase:
        existing_deck(None, deck_name(None, args))
        raise


def cmd_serve(args: argparse.Namespace) -> int:
    from triage.cli.serve import check_web_extra, serve

    check_web_extra()  # before the store: one line, nothing created
    with open_store(args) as store:
        deck = open_deck(store, args)
        lock_path = store.lock(deck).path
        used(store, deck, args)
    return serve(
        data_dir(args), deck.name, lock_path, host=args.host, port=args.port, open_page=args.open
    )


def cmd_config(args: argparse.Namespace) -> int:
    import os

    from triage.cli.shell import config_report

    source = (
        "--data-dir"
        if getattr(args, "data_dir", None)
        else "$TRIAGE_DATA_DIR"
        if os.environ.get("TRIAGE_DATA_DIR")
        else "default"
    )
    text, problem = config_report(data_dir(args), source, as_json=args.json)
    print(text)
    if problem:
        raise UsageError(problem)
    return 0


def cmd_completion(args: argparse.Namespace) -> int:
    from triage.cli.parser import build_parser
    from triage.cli.shell import completion

    sys.stdout.write(completion(build_parser(), args.shell))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from triage.cli.recover import recover_command

    deck_name = check_deck_name(args.deck)
    args.deck = deck_name
    with open_store(args) as store:
        return recover_command(store, args, resolve_region(store, deck_name, None))


def cmd_checklist(args: argparse.Namespace) -> int:
    from triage.cli.recover import checklist_command

    with open_store(args) as store:
        return checklist_command(store, args)
