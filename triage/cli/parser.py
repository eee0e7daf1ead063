"""The argument parser: every command, option and its help text."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from triage.cli.errors import EXIT_USAGE
from triage.cli.shell import SHELLS, VersionAction
from triage.vocab import EXPORT_FORMATS, IMPORT_FORMATS, RECOVERY_ORDERS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    data_help = "where decks are kept (default: $TRIAGE_DATA_DIR or the user data folder)"
    # Accepted before or after the subcommand; the subcommand's copy must not
    # overwrite a value given before it, hence SUPPRESS.
    common = _Parser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=data_help)
    parser = _Parser(
        prog="triage",
        description="Meet your contacts one card at a time; export only the people you pick.",
    )
    parser.add_argument("--data-dir", metavar="DIR", help=data_help)
    parser.add_argument(
        "--version", action=VersionAction, help="show the versions of triage and what it runs on"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def deck_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--deck",
            metavar="NAME",
            help="deck (default: the only deck, else the one used last; a first import: default)",
        )

    def import_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--region",
            metavar="CC",
            help="default phone region, e.g. DE (default: the deck's, else your locale's)",
        )
        p.add_argument(
            "--format",
            choices=tuple(IMPORT_FORMATS),
            help="read the files as this format instead of detecting it",
        )
        p.add_argument(
            "--encoding",
            metavar="NAME",
            help="read the files in this encoding instead of detecting it, e.g. cp1251",
        )
        p.add_argument(
            "--map",
            metavar="FIELD=COLUMN,...",
            help="map columns by hand, e.g. email=Courriel,name=Nom "
            "(fields: email, phone, name, first, last, company, title, notes, country, tags)",
        )

    p = sub.add_parser(
        "import",
        parents=[common],
        help="import address-book exports into a deck",
        description="Import Google, Outlook, LinkedIn, vCard or other CSV exports. "
        "All files are imported in one transaction: all or nothing.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", type=Path)
    deck_arg(p)
    import_args(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser(
        "review",
        parents=[common],
        help="walk through a deck one card at a time",
        description="Open the walk-through. Files given are imported first; "
        "with no files the deck resumes where you left it.",
    )
    p.add_argument("files", nargs="*", metavar="FILE", type=Path)
    deck_arg(p)
    import_args(p)
    p.add_argument(
        "--order",
        choices=RECOVERY_ORDERS,
        help="walk order (default: event, a shuffle that stays the same for the deck;"
        " a recovery deck: newest; newest and oldest only there)",
    )
    p.add_argument(
        "--meet",
        type=int,
        metavar="N",
        help="end the session with the summary after N decisions",
    )

    p = sub.add_parser("status", parents=[common], help="show a deck's counts")
    deck_arg(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser(
        "export",
        parents=[common],
        help="write the people you invited to a file",
        description="Write only the people you invited by hand. Nothing undecided or "
        "skipped is ever exported.",
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="file to write ('-' for stdout)"
    )
    deck_arg(p)
    p.add_argument(
        "--format",
        choices=tuple(EXPORT_FORMATS),
        default="linkedin",
        help="linkedin (default): First Name,Last Name,Email Address",
    )
    p.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only people with this tag (repeat for any of several)",
    )
    p.add_argument("--batch-size", type=int, metavar="N", help="split into files of N people")
    p.add_argument(
        "--new",
        action="store_true",
        help="only people never exported before (in any format); says how many were left out",
    )
    p.add_argument(
        "--per-week",
        nargs="?",
        const=0,
        type=_positive,
        metavar="N",
        help="a LinkedIn upload paced over ISO weeks: OUT-2026-W49.csv, OUT-2026-W50.csv, ..."
        " oldest decision first, N a week (default: weekly_budget in config.toml, 100); this"
        " week's file leaves room for the people uploaded this week; implies --new; upload one"
        " file per week",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing files")

    p = sub.add_parser(
        "decks",
        parents=[common],
        help="list, rename or delete decks",
        description="With no action: list the decks, the one used last marked with *.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    rename = actions.add_parser("rename", parents=[common], help="give a deck a new name")
    rename.add_argument("old", metavar="OLD", help="the deck's name")
    rename.add_argument("new", metavar="NEW", help="its new name")
    delete = actions.add_parser(
        "delete",
        parents=[common],
        help="delete a deck and everything in it",
        description="Delete a deck: its people, decisions, tags and notes. Asks first "
        "(y/N); without a terminal to ask on, --yes is needed.",
    )
    delete.add_argument("name", metavar="NAME", help="the deck to delete")
    delete.add_argument("--yes", action="store_true", help="delete without asking")

    p = sub.add_parser(
        "recover",
        parents=[common],
        help="decide which pending LinkedIn invitations to keep or withdraw",
        description="Build a recovery deck of the invitations still pending, from "
        "LinkedIn's data export: the OUTGOING rows of Invitations.csv minus the people in "
        "Connections.csv (matched on profile URL, then name). Then walk it: a keeps, "
        "s withdraws. Running it again with newer files updates the deck and keeps "
        "every decision.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", type=Path,
                   help="Invitations.csv, then any Connections.csv")  # fmt: skip
    p.add_argument(
        "--deck", default="recover", metavar="NAME", help="recovery deck (default: recover)"
    )
    p.add_argument(
        "--order",
        choices=RECOVERY_ORDERS,
        default="newest",
        help="walk order (default: newest, which stops the most reminders)",
    )
    p.add_argument(
        "--no-review",
        action="store_true",
        help="only build the deck and print the report; do not open the walk-through",
    )

    p = sub.add_parser(
        "checklist",
        parents=[common],
        help="write the withdraw checklist of a recovery deck",
        description="Write the people marked withdraw, with their sent date, profile link "
        "and a tick box, between the two steps on LinkedIn: open the Sent page first, "
        "delete the uploaded address book last.",
    )
    p.add_argument("--deck", default="recover", metavar="NAME",
                   help="recovery deck (default: recover)")  # fmt: skip
    p.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="file to write ('-' for stdout)"
    )
    p.add_argument(
        "--format",
        choices=("html", "csv", "md"),
        help="html (a page that prints and works on a phone), csv or md"
        " (default: from the file name, else html)",
    )
    p.add_argument(
        "--order",
        choices=("newest", "oldest"),
        default="newest",
        help="newest first (default, the order of LinkedIn's Sent page) or oldest first",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing file")

    p = sub.add_parser(
        "demo",
        parents=[common],
        help="walk through a bundled fictional address book",
    )
    p.add_argument("--reset", action="store_true", help="start the demo deck over")

    p = sub.add_parser(
        "serve",
        parents=[common],
        help="walk through a deck in your browser (needs triage-contacts[web])",
        description="Serve the walk-through to a browser on this machine. The address "
        "printed carries a random token that the page, its connection and every download "
        "need. Only on 127.0.0.1 unless --host names another address.",
    )
    deck_arg(p)
    p.add_argument(
        "--port",
        type=int,
        default=8000,
        metavar="N",
        help="port to listen on (default: 8000; 0 picks a free one)",
    )
    p.add_argument("--open", action="store_true", help="open the address in your browser")
    p.add_argument(
        "--host",
        metavar="ADDRESS",
        help="listen on this address instead of 127.0.0.1; any other than a loopback "
        "address lets other machines reach the deck (with the token)",
    )

    sub.add_parser(
        "config",
        parents=[common],
        help="show where data and settings live, and the settings in force",
    ).add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print the completion script for a shell, e.g. "
        "triage completion bash > ~/.local/share/bash-completion/completions/triage",
    )
    p.add_argument("shell", choices=SHELLS, help="bash, zsh or fish")
    return parser
