"""The manual page, ``triage(1)``, written from the argument parser.

``setup.py`` writes it at build time to ``triage/man/triage.1``, which the
wheel ships as package data and as ``share/man/man1/triage.1`` (where ``man``
finds it beside the ``triage`` command), so the manual never drifts from
``--help``.  To read it from a checkout::

    python -m triage.cli.manpage > /tmp/triage.1 && man -l /tmp/triage.1
"""

from __future__ import annotations

import argparse

from triage import __version__
from triage.cli.parser import build_parser
from triage.cli.shell import _subcommands

WIDTH = 10_000  # usage lines unwrapped: roff wraps them for the reader's terminal

EXTRA = r"""
.SH ENVIRONMENT
.TP
.B TRIAGE_DATA_DIR
Where decks are kept, unless \fB\-\-data\-dir\fR is given.
.TP
.B TRIAGE_CONFIG
The settings file to read instead of the default one.
.SH FILES
.TP
.I ~/.local/share/triage/triage.db
The decks: one SQLite database, created private (mode 0600).
.TP
.I ~/.config/triage/config.toml
Settings: note_limit, weekly_budget, relock_days, theme and a [keymap] table that moves
any key by its binding id.
.PP
\fBtriage config\fR prints the folders in use on this machine.
.SH EXIT STATUS
.TP
.B 0
Success.
.TP
.B 2
Bad usage or bad input; one line on standard error says what and where.
.TP
.B 3
A state problem: the deck is open in another window, or the database is damaged
or from a newer version (the file is never overwritten).
.SH SEE ALSO
\fBtriage \fIcommand\fB \-\-help\fR for every option of a command.
"""


def roff(text: str) -> str:
    """Plain text as roff: backslashes and hyphens escaped, no line that
    starts with a control character."""
    out = text.replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in out.splitlines():
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def _usage(parser: argparse.ArgumentParser) -> str:
    formatter = argparse.HelpFormatter(parser.prog, width=WIDTH)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, prefix="")
    return " ".join(formatter.format_help().split())


def _help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    formatter = argparse.HelpFormatter(parser.prog, width=WIDTH)
    return " ".join(formatter._expand_help(action).split()) if action.help else ""


def _option(parser: argparse.ArgumentParser, action: argparse.Action) -> list[str]:
    if action.help == argparse.SUPPRESS:
        return []
    if action.option_strings:
        flags = ", ".join(f"\\fB{roff(flag)}\\fR" for flag in action.option_strings)
        if action.nargs != 0:
            metavar = action.metavar or action.dest.upper()
            if action.choices and not action.metavar:
                metavar = "{" + ",".join(map(str, action.choices)) + "}"
            flags += f" \\fI{roff(str(metavar))}\\fR"
    else:
        flags = f"\\fI{roff(str(action.metavar or action.dest))}\\fR"
    return [".TP", flags, roff(_help(parser, action))]


def render(parser: argparse.ArgumentParser | None = None) -> str:
    parser = parser or build_parser()
    lines = [
        f'.TH TRIAGE 1 "" "triage {__version__}" "User Commands"',
        ".SH NAME",
        "triage \\- " + roff((parser.description or "").rstrip(".")),
        ".SH SYNOPSIS",
        roff(_usage(parser)),
        ".SH DESCRIPTION",
        roff(
            "triage walks you through your imported address books one contact card at a"
            " time and exports only the people you picked by hand. Nothing is picked by"
            " default, every decision is saved before the next card is drawn, and"
            " nothing leaves the machine but the files you export."
        ),
        ".SH OPTIONS",
    ]
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            lines += _option(parser, action)
    lines.append(".SH COMMANDS")
    for _name, text, sub in _subcommands(parser):
        lines += [f'.SS "{roff(_usage(sub))}"', roff(sub.description or text)]
        for action in sub._actions:
            if "-h" in action.option_strings:
                continue
            lines += _option(sub, action)
    return "\n".join(lines) + EXTRA


if __name__ == "__main__":
    print(render(), end="")
