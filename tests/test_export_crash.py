"""A killed export leaves no file behind for long: the next export of the same
name removes the temporary file the killed one could not clean up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from triage.export.plan import plan_export, write_export

CHILD = """
import sys, time
from pathlib import Path
from triage.export.plan import write_temp
def writer(people, fh):
    fh.write("First Name,Last Name,Email Address\\n"); fh.flush(); time.sleep(60)
write_temp(Path(sys.argv[1]), "out.csv", writer, [])
"""


def test_next_export_clears_the_temp_file_of_a_killed_one(store_deck, tmp_path: Path) -> None:
    store, deck = store_deck
    store.decide(store.walk_first(deck.id, "name"), "invite")
    folder = tmp_path / "out"
    folder.mkdir()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)])
    deadline = time.monotonic() + 30
    while not any(folder.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert [p.name.startswith(".out.csv.") for p in folder.iterdir()] == [True]
    write_export(plan_export(store, deck, "linkedin"), folder / "out.csv")
    assert sorted(p.name for p in folder.iterdir()) == ["out.csv"]
