"""One way to pause Python's cyclic garbage collector around bulk work.

An import, an export or the window's start-up allocates hundreds of
thousands of objects and makes no reference cycles: automatic collections
would only keep scanning everything alive (7-50 % of the time of that work).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[bool]:
    """Collect nothing until the block ends; yields whether collection was on
    before (it is switched back on only then)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield was_enabled
    finally:
        if was_enabled:
            gc.enable()
