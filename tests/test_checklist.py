"""``triage checklist`` through the command line: the people marked
withdraw, in the order asked, between the two LinkedIn steps, as HTML, CSV
and Markdown."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_recover import CONNECTIONS, INVITATIONS, write
from triage.export.checklist import SAVED_CONTACTS_PAGE, SENT_PAGE, safe_url
from triage.model import WalkFilter
from triage.recover.deck import recover
from triage.recover.walk import RecoveryWalk
from triage.store import Store


def triage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def marked_deck(data_dir: Path, folder: Path) -> None:
    """Pending: John (02-03), Zoë (02-02), Alan (01-30), Grace (01-29).
    John, Alan and Grace are marked withdraw; John is stamped withdrawn."""
    files = [
        write(folder, "Invitations.csv", INVITATIONS),
        write(folder, "Connections.csv", CONNECTIONS),
    ]
    store = Store.open(data_dir)
    try:
        deck = recover(store, "recover", files, region="US").built.deck
        walk = RecoveryWalk(store, deck)
        for decision in ("skip", "invite", "skip", "skip"):
            walk.decide(decision)
        walk.apply_filter(WalkFilter("skip"))
        walk.goto(1)
        walk.stamp_withdrawn()
    finally:
        store.close()


@pytest.fixture
def marked(data_dir: Path, tmp_path: Path) -> Path:
    marked_deck(data_dir, tmp_path / "export")
    return data_dir


def test_csv_lists_the_steps_and_the_people_oldest_first(marked: Path, tmp_path: Path) -> None:
    out = tmp_path / "withdraw.csv"
    proc = triage(marked, "checklist", "-o", str(out), "--order", "oldest")
    assert proc.returncode == 0, proc.stderr
    assert "3 invitations to withdraw (1 stamped withdrawn already)" in proc.stdout
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["Step", "Done", "Name", "Sent", "Link", "Withdrawn On"]
    assert rows[1][4] == SENT_PAGE and rows[-1][4] == SAVED_CONTACTS_PAGE
    people = [(r[0], r[1], r[2], r[3], r[4]) for r in rows[2:-1]]
    assert people[0] == ("2", "", "Grace Hopper", "2026-01-29 14:39",
                         "https://www.linkedin.com/in/grace-example/")  # fmt: skip
    assert [p[2] for p in people] == ["Grace Hopper", "Alan Turing", "John Smith"]
    assert people[2][1] == "x" and rows[-2][5]  # John: stamped
    assert out.stat().st_mode & 0o777 == 0o600


def test_markdown_and_html_newest_first(marked: Path, tmp_path: Path) -> None:
    md = tmp_path / "withdraw.md"
    assert triage(marked, "checklist", "-o", str(md)).returncode == 0
    text = md.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line[:1].isdigit()]
    assert lines[0].startswith("1. [ ] Open your sent invitations") and SENT_PAGE in lines[0]
    assert lines[1].startswith("2. [x] [John Smith](https://www.linkedin.com/in/john-smith-2)")
    assert "Alan Turing" in lines[2] and "Grace Hopper" in lines[3]
    assert (
        lines[-1].startswith("5. [ ] Delete the address book") and SAVED_CONTACTS_PAGE in lines[-1]
    )
    page = tmp_path / "withdraw.html"
    proc = triage(marked, "checklist", "-o", str(page))
    assert proc.returncode == 0, proc.stderr
    html = page.read_text(encoding="utf-8")
    assert html.count('type="checkbox"') == 5 and html.count(" checked") == 1
    assert "<script" not in html and "@media print" in html and 'name="viewport"' in html
    again = triage(marked, "checklist", "-o", str(page))
    assert again.returncode == 2 and "--force" in again.stderr


def test_checklist_refuses_an_address_book_deck(
    store_deck: tuple[Store, object], data_dir: Path, tmp_path: Path
) -> None:
    proc = triage(data_dir, "checklist", "--deck", "t", "-o", str(tmp_path / "x.html"))
    assert proc.returncode == 2 and "is an address-book deck" in proc.stderr
    assert not (tmp_path / "x.html").exists()


def test_only_web_addresses_become_links() -> None:
    assert safe_url("javascript:alert(1)") == ""
    assert safe_url(" https://www.linkedin.com/in/x ") == "https://www.linkedin.com/in/x"
    assert safe_url("https://a b") == ""
