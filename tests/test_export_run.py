"""run_export: the one routine that writes an export and records it, shared by
``triage export`` and the export dialog."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from conftest import build_deck, sample_files

from triage.export.plan import plan_export
from triage.export.run import STDOUT_NAME, NotRecorded, run_export
from triage.model import INVITE
from triage.store import Store


def _invite_all(store: Store, deck_id: int) -> list[int]:
    ids = [c.id for c in store.iter_contacts(deck_id) if c.primary_email]
    for cid in ids:
        store.decide(cid, INVITE)
    return ids


def _exported(store: Store, deck_id: int) -> dict[int, str]:
    return {c.id: c.exported_at for c in store.iter_contacts(deck_id)}


def test_each_file_records_its_own_people(tmp_path: Path) -> None:
    store, deck = build_deck(tmp_path / "data", sample_files(tmp_path))
    try:
        _invite_all(store, deck.id)
        plan = plan_export(store, deck, "linkedin")
        invited = [c.id for c in plan.people]
        assert plan.count >= 3
        written = run_export(store, deck, plan, tmp_path / "picks.csv", batch_size=2)
        assert len(written.paths) == len(written.sizes) == (plan.count + 1) // 2
        assert sum(written.sizes) == plan.count
        for path, size in zip(written.paths, written.sizes, strict=True):
            with open(path, newline="", encoding="utf-8-sig") as fh:
                assert len(list(csv.reader(fh))) == size + 1  # the header
        exported = _exported(store, deck.id)
        assert all(exported[i] for i in invited)
        assert not any(at for cid, at in exported.items() if cid not in invited)
        st = store.status(deck)
        assert st.exported == plan.count
        assert st.to_export == 0  # the ones the upload leaves out cannot be uploaded
        assert st.cannot_upload == st.invite - plan.count
    finally:
        store.close()


def test_a_stream_is_recorded_as_standard_output(tmp_path: Path) -> None:
    store, deck = build_deck(tmp_path / "data", sample_files(tmp_path))
    try:
        _invite_all(store, deck.id)
        plan = plan_export(store, deck, "google")
        out = io.StringIO()
        written = run_export(store, deck, plan, out)
        assert written.paths == [STDOUT_NAME]
        assert written.sizes == [plan.count]
        assert len(list(csv.reader(io.StringIO(out.getvalue())))) == plan.count + 1
        assert store.status(deck).exported == plan.count
    finally:
        store.close()


def test_a_failed_record_keeps_the_files_and_names_them(tmp_path: Path) -> None:
    store, deck = build_deck(tmp_path / "data", sample_files(tmp_path))
    try:
        _invite_all(store, deck.id)
        plan = plan_export(store, deck, "linkedin")

        def broken(*args: object) -> None:
            raise sqlite3.OperationalError("disk I/O error")

        store.record_export = broken  # type: ignore[method-assign]
        with pytest.raises(NotRecorded) as caught:
            run_export(store, deck, plan, tmp_path / "picks.csv")
        assert "could not be recorded" in str(caught.value)
        assert caught.value.written.paths == [str((tmp_path / "picks.csv").resolve())]
        assert (tmp_path / "picks.csv").stat().st_size > 0
    finally:
        store.close()
