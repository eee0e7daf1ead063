"""What the card says about a person's phones, profile, website and city
(the words; the window draws them as they are)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from triage.model import Contact, Phone
from triage.store import Store
from triage.store.codec import decode_row, encode_row
from triage.ui import words


def test_phone_lines_are_readable_and_keep_what_was_typed() -> None:
    c = Contact(0, 0, "k", "Jane")
    c.phones = [
        Phone("+49612344848", True, "+49 6123 44848", "06123 44848"),
        Phone("+12025550142", True, "+1 202-555-0142"),
        Phone("+442079460958"),  # stored before numbers had a readable form
        Phone("ext 12", False),
    ]
    assert words.phone_lines(c) == [
        "+49 6123 44848  (typed 06123 44848)",
        "+1 202-555-0142",
        "+442079460958",
        "ext 12  (not recognised)",
    ]


def test_codec_keeps_new_fields_and_reads_old_rows() -> None:
    c = Contact(0, 0, "k", "Jane", labels=["Friends"], website="https://j.example", city="Mainz")
    c.phones = [Phone("+49612344848", True, "+49 6123 44848", "06123 44848"), Phone("x1", False)]
    back = decode_row(encode_row("k", c, "[]"))
    assert [(p.number, p.valid, p.display, p.original) for p in back.phones] == [
        ("+49612344848", True, "+49 6123 44848", "06123 44848"),
        ("x1", False, "", ""),
    ]
    assert (back.labels, back.website, back.city) == (
        ["Friends"],
        "https://j.example",
        "Mainz",
    )
    # A row written before: two-item phones, labels without the object.
    old = list(encode_row("k", Contact(0, 0, "k", "Jane"), "[]"))
    old[7] = json.dumps([["+49612344848", 1]])
    old[9] = json.dumps(["Friends"])
    back = decode_row(tuple(old))
    assert [(p.number, p.valid, p.display, p.original) for p in back.phones] == [
        ("+49612344848", True, "", "")
    ]
    assert (back.labels, back.website, back.city) == (["Friends"], "", "")


def test_import_stores_readable_phones_website_and_city(tmp_path: Path) -> None:
    book = tmp_path / "google.csv"
    book.write_text(
        "First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Phone 2 - Value,"
        "Website 1 - Value,Address 1 - City,Address 1 - Country\n"
        "Jane,Doe,jane@example.de,06123 44848,+1 202 555 0142,https://jane.example,"
        "Wiesbaden,Germany\n",
        encoding="utf-8",
    )
    data = tmp_path / "data"
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), "import", str(book)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    store = Store.open(data)
    try:
        deck = store.deck("default")
        assert deck is not None
        (jane,) = store.iter_contacts(deck.id)
    finally:
        store.close()
    assert [p.number for p in jane.phones] == ["+49612344848", "+12025550142"]
    assert words.phone_lines(jane) == [
        "+49 6123 44848  (typed 06123 44848)",
        "+1 202-555-0142",
    ]
    assert (jane.website, jane.city) == ("https://jane.example", "Wiesbaden")
