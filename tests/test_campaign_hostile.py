"""The hostile-input campaign in its CI profile (bench/campaign_hostile.py).

Derandomized Hypothesis inputs through every importer (random bytes, mutated
real files, encoding and structural traps): nothing but ``FormatError`` /
``ImportFailed`` may come out.  Hostile strings through every export: no cell
a spreadsheet would run as a formula, and every planned row present.  The
seeds include the public corpus when it is there (../shared/corpus/public);
without it the built-in samples, the demo book and the fixtures are used.
Address books in legacy code pages read their names back exactly where the
charset is declared or forced; ``triage import -`` takes hostile, empty and
closed standard input in its stride; a full export of hostile people imports
back as the same people.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.campaign_hostile import (
    CHARSET_TRAPS,
    FORMULA_START,
    IMPORTERS,
    LEGACY_CHARSETS,
    PHONE_ONLY,
    PROFILES,
    add_people,
    charset_campaign,
    export_campaign,
    full_campaign,
    import_campaign,
    stdin_campaign,
)
from triage.store import Store

CI = PROFILES["ci"]


def test_no_input_makes_an_importer_raise(tmp_path: Path) -> None:
    tallies = import_campaign(
        CI["examples"], import_every=CI["import_every"], work=tmp_path, save=tmp_path / "repro"
    )
    assert [t.importer for t in tallies] == list(IMPORTERS)
    for t in tallies:
        assert t.tried == CI["examples"], t.importer
        assert t.through_import >= CI["examples"] // CI["import_every"]
        assert set(t.kinds) >= {"random bytes", "mutated", "encoding", "structural"}, t.kinds
    tracebacks = [tb for t in tallies for tb in t.tracebacks]
    assert tracebacks == [], "\n".join(f"{tb.where}: {tb.error} ({tb.saved})" for tb in tracebacks)


def test_no_exported_cell_is_a_formula(tmp_path: Path) -> None:
    tally = export_campaign(CI["export"], work=tmp_path)
    assert tally.examples == CI["export"]
    assert set(tally.files) == {"linkedin", "google", "outlook", "full", "vcard"}
    assert tally.tracebacks == []
    assert tally.formula_cells == []
    assert tally.mismatches == []
    assert tally.vcard_failures == []
    assert all(v["exit"] == 0 and v["mode"] == "0o600" for v in tally.cli.values()), tally.cli


def test_names_in_a_declared_or_forced_charset_read_back_exactly(tmp_path: Path) -> None:
    tally = charset_campaign(CI["charsets"], work=tmp_path)
    assert set(tally.by_charset) == {*LEGACY_CHARSETS, "trap"}
    assert tally.by_charset["trap"] == 2 * CI["charsets"] <= len(CHARSET_TRAPS)
    assert tally.exact_expected >= len(LEGACY_CHARSETS) * CI["charsets"] // 2
    assert tally.tracebacks == []
    assert tally.mismatches == []
    assert tally.half_imports == []


def test_standard_input_imports_or_refuses_in_one_line(tmp_path: Path) -> None:
    tally = stdin_campaign(CI["stdin"], CI["stdin_rows"], work=tmp_path)
    assert tally.by_kind["hostile"] == CI["stdin"]
    for kind in ("empty", "closed", "write-only", "twice", "terminal", "cut-by-writer"):
        assert tally.by_kind[kind] == 1, kind
    assert tally.tracebacks == []
    assert tally.problems == []
    assert set(tally.exits) <= {0, 2} and tally.exits[2] >= 5


def test_a_hostile_full_export_reads_back_as_the_same_people(tmp_path: Path) -> None:
    tally = full_campaign(CI["full"], CI["truncations"], work=tmp_path)
    assert tally.exported_rows == CI["full"]
    assert sum(tally.edits.values()) >= 10
    assert tally.tracebacks == []
    assert tally.formula_cells == []
    assert tally.mismatches == []
    assert tally.problems == []


def test_the_formulas_of_the_issue_are_neutralised(tmp_path: Path) -> None:
    from triage.export.plan import plan_export, write_stream

    nasty = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1-555", "-1", "\t=1", "\r=1"]
    people = [_everywhere(text) for text in nasty]
    store = Store.open(tmp_path / "data")
    try:
        deck = add_people(store, "nasty", people)
        for fmt in ("linkedin", "google", "outlook", "full"):
            buf = io.StringIO(newline="")
            write_stream(plan_export(store, deck, fmt), buf)
            rows = list(csv.reader(io.StringIO(buf.getvalue().lstrip("\ufeff"), newline="")))
            assert len(rows) == len(nasty) + 1, fmt
            cells = [c for row in rows[1:] for c in row]
            formulas = [c for c in cells if c.startswith(FORMULA_START) and not PHONE_ONLY.match(c)]
            assert not formulas, fmt
            assert "+1-555" in cells and "-1" in cells, fmt  # phone characters only: as they are
            assert any(c.startswith("'=HYPERLINK") for c in cells), fmt
    finally:
        store.close()


def _everywhere(text: str) -> dict[str, object]:
    """A person with ``text`` in every field the export writes."""
    fields = ("name", "given", "family", "org", "title", "notes", "note", "profile_url")
    person: dict[str, object] = dict.fromkeys(fields, text)
    person.update(
        labels=[text],
        tags=[text.strip() or "t"],
        emails=[(text + "@example.com", True)],
        phones=[(text, False)],
    )
    return person


# -- found by the campaign (fixed; kept as regressions) -------------------------------


def test_a_cell_of_200_kib_is_one_cell(tmp_path: Path) -> None:
    from triage.ingest.formats import open_file

    note = ('a, "b"\nc ' * 20_000)[:200_000]  # commas, quotes, line breaks
    cell = '"' + note.replace('"', '""') + '"'
    path = tmp_path / "big.csv"
    path.write_text(f"First Name,E-mail 1 - Value,Notes\nAda,ada@example.com,{cell}\n")
    opened = open_file(path, format="google")
    items = list(opened.items)
    assert len(items) == 1
    assert items[0].notes.startswith("a, ")


def test_an_exported_vcard_with_control_characters_reads_back(tmp_path: Path) -> None:
    from triage.export.plan import plan_export, write_stream
    from triage.ingest.formats import open_file

    person = _everywhere("A\x00d\x00a\x00")
    store = Store.open(tmp_path / "data")
    try:
        deck = add_people(store, "d", [person])
        buf = io.StringIO(newline="")
        write_stream(plan_export(store, deck, "vcard"), buf)
    finally:
        store.close()
    path = tmp_path / "out.vcf"
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    assert len(list(open_file(path, format="vcard").items)) == 1
