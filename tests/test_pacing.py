"""``export --per-week``: ISO-week files of a LinkedIn upload, this week's
remainder, the plan that ``status`` and the export dialog show, year
boundaries and usage errors."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from test_export_new import (
    ANN,
    BOB,
    CY,
    DECK,
    DI,
    ED,
    data,  # noqa: F401  (fixtures)
    env,  # noqa: F401
    firsts,
    home,  # noqa: F401
    import_people,
    invite,
    ok,
    person,
    status,
    triage,
)
from textual.widgets import Checkbox, Input, Static

from triage.config import Config
from triage.export.pacing import (
    pace,
    plan_line,
    plan_new_export,
    plan_weeks,
    run_weekly_export,
    upload_weeks,
    week_began,
    week_label,
    week_path,
)
from triage.store import Store
from triage.ui.export_screen import ConfirmExport, ExportScreen

FAY = person("Fay", "Ford", "fay@example.com")
GUS = person("Gus", "Gray", "gus@example.com")
HAL = person("Hal", "Hart", "hal@example.com")
ONE_FILE = "--per-week writes one file per week"
UPLOAD = "--per-week paces a LinkedIn upload"
EVERYONE = [ANN, BOB, CY, DI, ED, FAY, GUS]


def label(day: date, weeks_later: int = 0) -> str:
    return week_label(day + timedelta(weeks=weeks_later))


# --------------------------------------------------------------------------- weeks


def test_week_labels_are_iso_and_zero_padded() -> None:
    assert week_label(date(2026, 1, 1)) == "2026-W01"
    assert week_label(date(2026, 12, 2)) == "2026-W49"
    assert week_label(date(2027, 1, 1)) == "2026-W53"  # a Friday: the old year's last week
    assert week_label(date(2024, 12, 30)) == "2025-W01"  # a Monday: the new year's first
    assert week_path(Path("/x/picks.csv"), "2026-W49") == Path("/x/picks-2026-W49.csv")


def test_plan_crosses_the_year_boundary() -> None:
    today = date(2026, 12, 30)  # Wednesday of 2026-W53
    weeks = plan_weeks(250, 100, {"2026-W53": 37}, today)
    assert [(w.label, w.count, w.taken, w.current) for w in weeks] == [
        ("2026-W53", 63, 37, True),
        ("2027-W01", 100, 0, False),
        ("2027-W02", 87, 0, False),
    ]
    assert weeks[1].start == date(2027, 1, 4)
    assert plan_line(weeks) == (
        "this week 63 (37 already uploaded this week), 2027-W01 100, 2027-W02 87"
    )


def test_a_full_week_and_weeks_already_planned() -> None:
    today = date(2026, 12, 2)
    weeks = plan_weeks(5, 3, {"2026-W49": 3, "2026-W50": 2}, today)
    assert [(w.label, w.count) for w in weeks] == [
        ("2026-W49", 0),
        ("2026-W50", 1),
        ("2026-W51", 3),
        ("2026-W52", 1),
    ]
    assert plan_line(weeks) == (
        "this week 0 (3 already uploaded this week), 2026-W50 1 (2 already in an earlier"
        " file), 2026-W51 3, 2026-W52 1"
    )
    assert [(w.label, w.count) for w in plan_weeks(0, 3, {}, today)] == [("2026-W49", 0)]
    long = plan_line(plan_weeks(1000, 100, {}, today))
    assert long.endswith("then 500 in 5 more weeks to 2027-W05")


def test_uploads_are_counted_in_the_local_week() -> None:
    monday = date(2026, 11, 30)
    began = week_began(monday)
    local_midnight = datetime.fromisoformat(began).astimezone()
    assert local_midnight.date() == monday and local_midnight.hour == 0
    just_before = (datetime.fromisoformat(began) - timedelta(seconds=1)).isoformat()
    assert upload_weeks([began, began, just_before, "not a time"]) == {
        "2026-W49": 2,
        "2026-W48": 1,
    }


# --------------------------------------------------------------------------- CLI


def test_week_files_oldest_decision_first(
    data: Path,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    import_people(data, env, tmp_path / "in", EVERYONE)
    invite(data, "Gus", "Ann", "Fay", "Bob", "Cy", "Ed", "Di")
    today = date.today()
    proc = ok(
        triage(data, env, "export", "--deck", DECK, "--per-week", "3", "-o", tmp_path / "picks.csv")
    )
    names = [tmp_path / f"picks-{label(today, i)}.csv" for i in range(3)]
    assert sorted(p.name for p in tmp_path.glob("picks*")) == sorted(p.name for p in names)
    assert [firsts(p) for p in names] == [["Gus", "Ann", "Fay"], ["Bob", "Cy", "Ed"], ["Di"]]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in names)
    lines = proc.stdout.splitlines()
    assert lines[0] == (
        "Wrote 7 invited people in 3 weekly files (linkedin format, at most 3 a week):"
    )
    assert lines[1].split() == [label(today), str(names[0]), "3", "(this", "week)"]
    assert lines[2].split()[:3] == [label(today, 1), str(names[1]), "3"]
    assert lines[3].split()[:3] == [label(today, 2), str(names[2]), "1"]
    assert "upload one file per week" in proc.stdout.lower()
    # Only this week's people count as sent now; the others wait for their week.
    st = status(data, env)
    assert st["exported"] == 7 and st["to_export"] == 0
    assert st["sent"] == 3 and st["uploaded_this_week"] == 3 and st["plan"] == []

    # Two more picks: this week is full, next week too; the week after has room for 2.
    import_people(data, env, tmp_path / "in", [HAL, person("Ida", "Ives", "ida@example.com")])
    invite(data, "Hal", "Ida")
    (tmp_path / "config.toml").write_text("weekly_budget = 3\n", encoding="utf-8")
    st = status(data, env)  # paced by the configured budget
    assert st["plan"] == [{"week": label(today, 2), "count": 2}]
    text = ok(triage(data, env, "status", "--deck", DECK)).stdout
    assert (
        f"weekly plan: this week 0 (3 already uploaded this week), {label(today, 2)} 2"
        " (1 already in an earlier file)"
    ) in text
    proc = ok(
        triage(data, env, "export", "--deck", DECK, "--per-week", "3", "-o", tmp_path / "more.csv")
    )
    assert firsts(tmp_path / f"more-{label(today, 2)}.csv") == ["Hal", "Ida"]
    assert f"the first file is for {label(today, 2)}" in proc.stdout
    assert "7 invited people uploaded before were left out (--per-week)" in proc.stdout


def test_this_week_leaves_room_for_what_was_uploaded(
    data: Path,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    import_people(data, env, tmp_path / "in", EVERYONE)
    invite(data, "Ann", "Bob")
    ok(triage(data, env, "export", "--deck", DECK, "-o", tmp_path / "monday.csv"))
    invite(data, "Cy", "Di", "Ed", "Fay", "Gus")
    (tmp_path / "config.toml").write_text("weekly_budget = 3\n", encoding="utf-8")
    st = status(data, env)
    today = date.today()
    assert st["to_export"] == 5 and st["uploaded_this_week"] == 2
    assert st["plan"] == [
        {"week": label(today), "count": 1},
        {"week": label(today, 1), "count": 3},
        {"week": label(today, 2), "count": 1},
    ]
    # --per-week without N: the configured weekly budget.
    proc = ok(triage(data, env, "export", "--deck", DECK, "-o", tmp_path / "p.csv", "--per-week"))
    assert [firsts(tmp_path / f"p-{label(today, i)}.csv") for i in range(3)] == [
        ["Cy"],
        ["Di", "Ed", "Fay"],
        ["Gus"],
    ]
    assert "2 already uploaded" in proc.stdout
    assert "2 invited people uploaded before were left out" in proc.stdout


def test_week_files_are_not_overwritten_without_force(
    data: Path,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    import_people(data, env, tmp_path / "in", [ANN, BOB, CY])
    invite(data, "Ann", "Bob", "Cy")
    this_week = tmp_path / f"picks-{label(date.today())}.csv"
    this_week.write_text("keep me", encoding="utf-8")
    args = ("export", "--deck", DECK, "--per-week", "2", "-o", tmp_path / "picks.csv")
    proc = triage(data, env, *args)
    assert proc.returncode == 2
    assert str(this_week) in proc.stderr and "--force" in proc.stderr
    assert this_week.read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.glob("picks*")) == [this_week.name]
    assert status(data, env)["exported"] == 0
    ok(triage(data, env, *args, "--force"))
    assert firsts(this_week) == ["Ann", "Bob"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--batch-size", "2", "-o", "x.csv"), f"{ONE_FILE}; it cannot be used with --batch-size"),
        (("-o", "-"), f"{ONE_FILE}; it cannot be used with -o -"),
        (
            ("--format", "google", "-o", "x.csv"),
            f"{UPLOAD}; it cannot be used with --format google",
        ),
        (("0", "-o", "x.csv"), "expected a positive whole number, got '0'"),
    ],
)
def test_per_week_usage_errors(
    data: Path,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    extra: tuple[str, ...],
    message: str,
) -> None:
    import_people(data, env, tmp_path / "in", [ANN])
    invite(data, "Ann")
    proc = triage(data, env, "export", "--deck", DECK, "--per-week", *extra)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("x*")) and proc.stdout == ""


def test_week_files_across_the_new_year(
    data: Path,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    import_people(data, env, tmp_path / "in", [ANN, BOB, CY])
    invite(data, "Ann", "Bob", "Cy")
    store = Store.open(data)
    try:
        deck = store.deck(DECK)
        assert deck is not None
        plan = plan_new_export(store, deck, "linkedin").plan
        weekly = pace(plan, 2, {}, date(2026, 12, 31))
        written = run_weekly_export(store, deck, weekly, tmp_path / "picks.csv")
        assert [Path(p).name for p in written.paths] == [
            "picks-2026-W53.csv",
            "picks-2027-W01.csv",
        ]
        assert written.sizes == [2, 1]
        uploaded = dict(
            store.conn.execute("SELECT given, uploaded_at FROM contacts WHERE uploaded_at != ''")
        )
    finally:
        store.close()
    assert firsts(tmp_path / "picks-2027-W01.csv") == ["Cy"]
    # Cy's file is for the week from Monday 4 January 2027: recorded as uploaded then.
    assert datetime.fromisoformat(uploaded["Cy"]).astimezone().date() == date(2027, 1, 4)
    assert datetime.fromisoformat(uploaded["Ann"]) <= datetime.now(UTC)


# --------------------------------------------------------------------------- dialog


async def test_dialog_shows_the_plan_and_writes_week_files(
    data: Path,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    home: Path,  # noqa: F811
) -> None:
    from test_export_screen import Host, ready, text

    import_people(data, env, tmp_path / "in", [ANN, BOB, CY, DI, ED])
    invite(data, "Ann")
    ok(triage(data, env, "export", "--deck", DECK, "-o", tmp_path / "first.csv"))
    invite(data, "Bob", "Cy", "Di", "Ed")
    store = Store.open(data)
    deck = store.deck(DECK)
    store.close()
    assert deck is not None
    today = date.today()
    out = tmp_path / "picks.csv"
    app = Host(ExportScreen(data, deck, Config(weekly_budget=2)))
    async with app.run_test(size=(80, 30)) as pilot:
        await ready(pilot)
        assert text(app, "#export-plan") == (
            f"Weekly plan: this week 1 (1 already uploaded this week), {label(today, 1)} 2,"
            f" {label(today, 2)} 1."
        )
        weekly = app.dialog.query_one("#export-weekly", Checkbox)
        assert not weekly.value
        weekly.value = True
        await pilot.pause()
        assert app.dialog.query_one("#export-new", Checkbox).disabled
        assert app.dialog.query_one("#export-batch", Input).disabled
        summary = text(app, "#export-summary")
        assert summary.startswith("4 people will be written: Bob Baker, Cy Cole, Di Dunn, Ed")
        assert "1 uploaded before was left out. 3 weekly files: upload one a week." in summary
        assert "budget" not in text(app, "#export-warnings")
        app.dialog.query_one("#export-path", Input).value = str(out)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmExport)
        question = str(app.screen.query_one("#confirm-question", Static).content)
        assert f"in 3 weekly files beside {out} ({label(today)} to {label(today, 2)})" in question
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
    files = [tmp_path / f"picks-{label(today, i)}.csv" for i in range(3)]
    assert app.result == str(files[0].resolve())
    assert [firsts(p) for p in files] == [["Bob"], ["Cy", "Di"], ["Ed"]]
    assert status(data, env)["uploaded_this_week"] == 2


async def test_dialog_plan_is_for_uploads_only(
    data: Path,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    home: Path,  # noqa: F811
) -> None:
    from test_export_screen import Host, ready
    from textual.widgets import Select

    import_people(data, env, tmp_path / "in", [ANN, BOB])
    invite(data, "Ann", "Bob")
    store = Store.open(data)
    deck = store.deck(DECK)
    store.close()
    assert deck is not None
    app = Host(ExportScreen(data, deck, Config()))
    async with app.run_test(size=(80, 30)) as pilot:
        await ready(pilot)
        assert app.dialog.query_one("#export-plan", Static).display
        app.dialog.query_one("#export-format", Select).value = "google"
        await pilot.pause()
        assert not app.dialog.query_one("#export-plan", Static).display
        assert app.dialog.query_one("#export-weekly", Checkbox).disabled
