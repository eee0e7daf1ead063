"""The two kinds of failure a command reports, and the exit codes (DESIGN §5):
0 success, 2 bad usage or bad input, 3 state problem."""

from __future__ import annotations

EXIT_OK, EXIT_USAGE, EXIT_STATE = 0, 2, 3


class UsageError(Exception):
    """Bad usage or bad input: exit code 2."""


class StateError(Exception):
    """A state problem (locked deck, damaged or newer database): exit code 3."""
