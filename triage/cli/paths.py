"""Where triage keeps its data and settings, resolved once per command."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def data_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "data_dir", None):
        return Path(args.data_dir).expanduser()
    env = os.environ.get("TRIAGE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("triage", appauthor=False))
