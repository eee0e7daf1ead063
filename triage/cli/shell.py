"""Shell conventions: ``--version`` with the versions that matter, shell
completion generated from the argument parser, and ``triage config``.

All of it runs without importing Textual (versions come from the installed
packages' metadata), so a completion script or ``--version`` answers at once.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sqlite3
import sys
from pathlib import Path
from typing import Any, NoReturn

from triage import __version__

SHELLS = ("bash", "zsh", "fish")


def _installed(name: str) -> str:
    # Imported here: importlib.metadata costs ~15 ms, and every command
    # (the review window's start-up too) builds the parser.
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def version_text() -> str:
    return "\n".join(
        (
            f"triage {__version__}",
            f"Python {platform.python_version()}",
            f"Textual {_installed('textual')}",
            f"SQLite {sqlite3.sqlite_version}",
        )
    )


class VersionAction(argparse.Action):
    """``--version``: one line per component, printed as written (argparse's
    own version action would rewrap them into one line)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> NoReturn:
        try:
            print(version_text(), flush=True)
        except BrokenPipeError:  # `triage --version | head -1`: the reader left early
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        parser.exit()


# -- completion -----------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """(name, one-line help, parser) for each subcommand, in the parser's order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            return [(name, helps.get(name, ""), p) for name, p in action.choices.items()]
    return []


def _what(action: argparse.Action) -> str:
    """What an argument takes: ``file``, ``dir`` or ``""`` (free text)."""
    metavar = str(action.metavar or "")
    if metavar == "DIR":
        return "dir"
    if action.type is Path or metavar in ("FILE", "OUT"):
        return "file"
    return ""


def completion(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for ``shell``, read off the argument parser."""
    if shell == "fish":
        return _fish(parser)
    import shtab

    def mark(p: argparse.ArgumentParser) -> None:
        for action in p._actions:
            what = _what(action)
            if what == "file":
                action.complete = shtab.FILE  # type: ignore[attr-defined]
            elif what == "dir":
                action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]

    mark(parser)
    for _, _, sub in _subcommands(parser):
        mark(sub)
    return str(shtab.complete(parser, shell=shell))


def _fish(parser: argparse.ArgumentParser) -> str:
    """fish completions (shtab writes bash, zsh and tcsh only)."""
    prog = parser.prog
    subs = _subcommands(parser)
    lines = [
        f"# fish completion for {prog}, generated from its argument parser",
        f"complete -c {prog} -f",
    ]

    def options(p: argparse.ArgumentParser, condition: str) -> None:
        for action in p._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            parts = [f"complete -c {prog} -n {shlex.quote(condition)}"]
            for flag in action.option_strings:
                parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
            if action.nargs != 0:
                what = _what(action)
                if action.choices:
                    parts.append("-x -a " + shlex.quote(" ".join(map(str, action.choices))))
                elif what == "file":
                    parts.append("-r -F")
                elif what == "dir":
                    parts.append("-x -a '(__fish_complete_directories)'")
                else:
                    parts.append("-x")
            if action.help:
                parts.append("-d " + shlex.quote(_first_line(action.help)))
            lines.append(" ".join(parts))

    options(parser, "__fish_use_subcommand")
    for name, text, _ in subs:
        lines.append(
            f"complete -c {prog} -n __fish_use_subcommand -a {name} -d {shlex.quote(text)}"
        )
    for name, _, sub in subs:
        seen = f"__fish_seen_subcommand_from {name}"
        options(sub, seen)
        for action in sub._positionals._group_actions:
            if action.choices:
                words = shlex.quote(" ".join(map(str, action.choices)))
                lines.append(f"complete -c {prog} -n {shlex.quote(seen)} -a {words}")
            elif _what(action) == "file":
                lines.append(f"complete -c {prog} -n {shlex.quote(seen)} -F")
    return "\n".join(lines) + "\n"


def _first_line(text: str) -> str:
    return " ".join(text.split())[:80]


# -- triage config ----------------------------------------------------------------


def config_report(data_dir: Path, data_from: str, *, as_json: bool) -> tuple[str, str | None]:
    """Where data and settings live, and the settings in force; with the
    reason the config file cannot be used, if it cannot."""
    import json

    from triage.config import ConfigError, config_path, load_config
    from triage.store import DB_NAME

    path = config_path()
    problem: str | None = None
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        cfg, problem = None, str(exc)
    db = data_dir / DB_NAME
    config_from = "$TRIAGE_CONFIG" if os.environ.get("TRIAGE_CONFIG") else "default"
    settings: dict[str, object] = {}
    keymap: dict[str, str] = {}
    keys: dict[str, list[str]] = {}
    warnings: list[str] = []
    if cfg is not None:
        from triage.ui.settings import effective_keys, settle

        warnings = cfg.warnings + settle(cfg)  # what the window would ignore
        keymap = dict(cfg.keymap)
        keys = effective_keys(cfg.keymap)
        settings = {
            "note_limit": cfg.note_limit,
            "weekly_budget": cfg.weekly_budget,
            "relock_days": cfg.relock_days,
            "theme": cfg.theme,
            "keymap": keymap,
        }
    if as_json:
        report = {
            "data_dir": str(data_dir),
            "data_dir_from": data_from,
            "database": str(db),
            "database_exists": db.exists(),
            "config_file": str(path),
            "config_file_from": config_from,
            "config_file_exists": path.exists(),
            "settings": settings,
            "keys": keys,
            "config_warnings": warnings,
            "config_error": problem,
        }
        return json.dumps(report, ensure_ascii=False, indent=2), problem
    found = "found" if path.exists() else "not there: the defaults apply"
    lines = [
        f"data folder   {data_dir}  ({data_from})",
        f"database      {db}  ({_size(db)})",
        f"config file   {path}  ({config_from}; {found})",
    ]
    if problem:
        lines.append(f"settings      cannot be read: {problem}")
        return "\n".join(lines), problem
    lines.append("settings")
    lines.extend(f"  {k:<14}{v}" for k, v in settings.items() if k != "keymap")
    if keymap:
        lines.append("  keymap")
        lines.extend(f"    {k} = {v}" for k, v in sorted(keymap.items()))
    else:
        lines.append("  keymap        the default keys")
    lines.extend(f"  warning: {w}" for w in warnings)
    lines.append("keys")
    lines.extend(f"  {bid:<18}{', '.join(k) or '(none)'}" for bid, k in keys.items())
    return "\n".join(lines), None


def _size(path: Path) -> str:
    try:
        size = float(path.stat().st_size)
    except OSError:
        return "not created yet"
    if size < 1024:
        return f"{size:.0f} bytes"
    for unit in ("KB", "MB"):
        size /= 1024
        if size < 1024:
            return f"{size:.1f} {unit}"
    return f"{size / 1024:.1f} GB"
