"""Layering rules that keep the core usable without the UI."""

from __future__ import annotations

import subprocess
import sys

CORE = (
    "triage.model",
    "triage.ingest.formats",
    "triage.ingest.formats.vcard",
    "triage.ingest.normalize",
    "triage.ingest.names",
    "triage.ingest.regions",
    "triage.ingest.merge",
    "triage.ingest.matching",
    "triage.store.database",
    "triage.store.codec",
    "triage.store.writer",
    "triage.store.files",
    "triage.ingest.run",
    "triage.export",
    "triage.export.formats",
    "triage.cli",
)


def test_core_never_imports_textual():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        + "print(bad)\n"
        + "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_importing_the_package_opens_nothing(tmp_path, monkeypatch):
    """Nothing creates folders or databases at import time."""
    code = (
        "import os, sys\n"
        "os.environ['HOME'] = sys.argv[1]\n"
        "import triage.cli.main, triage.store, triage.cli.commands\n"
        "print(os.listdir(sys.argv[1]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
