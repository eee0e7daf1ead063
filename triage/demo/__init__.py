"""The bundled demo address book: about 60 fictional people in three exports.

``google.csv`` (Google Contacts, 2024 layout), ``outlook.csv`` (desktop
Outlook, UTF-8 with a BOM) and ``contacts.vcf`` (iPhone vCard 3.0) carry the
flaws real books have: people present in two files, role addresses, an
invalid address, phone-only and nameless entries, national phone formats.
Every person, company, address and number is invented (example domains and
fictional phone ranges).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from importlib.resources import as_file, files
from pathlib import Path

__all__ = ["DEMO_FILES", "demo_files"]

DEMO_FILES = ("google.csv", "outlook.csv", "contacts.vcf")


@contextlib.contextmanager
def demo_files() -> Iterator[list[Path]]:
    """Real filesystem paths of the demo files, valid inside the ``with``.

    Installed on disk (a wheel or a checkout) they are the package files
    themselves.  From a zip import ``as_file`` would extract each one under a
    random name, and the cards' provenance ("google.csv, line 12") shows file
    names, so they are copied into a temporary folder under their own names.
    """
    root = files("triage.demo")
    if isinstance(root, Path):
        with contextlib.ExitStack() as stack:
            yield [stack.enter_context(as_file(root / name)) for name in DEMO_FILES]
        return
    with tempfile.TemporaryDirectory(prefix="triage-demo-") as tmp:
        paths = []
        for name in DEMO_FILES:
            path = Path(tmp) / name
            path.write_bytes((root / name).read_bytes())
            paths.append(path)
        yield paths
