"""Build step: the manual page is written from the argument parser, so the
``triage.1`` in every wheel matches that version's ``--help`` (pyproject.toml
holds everything else)."""

import sys
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from triage.cli.manpage import render  # noqa: E402  (standard library only)

MAN_PAGE = ROOT / "triage" / "man" / "triage.1"
MAN_PAGE.parent.mkdir(exist_ok=True)
MAN_PAGE.write_text(render(), encoding="utf-8")

setup()
