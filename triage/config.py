"""User settings from ``config.toml`` in the user config folder.

```toml
note_limit = 200        # characters allowed in an invitation note
weekly_budget = 100     # invitations per week before export warns
theme = "textual-dark"

[keymap]                # binding id = keys, e.g. remap invite to "y"
"triage.invite" = "y"
```
``TRIAGE_CONFIG`` names another file (tests use it).  A missing file means
defaults; a broken one is a usage error with the file and the reason.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    pass


@dataclass(slots=True)
class Config:
    note_limit: int = 200
    weekly_budget: int = 100
    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path | None = None


def config_path() -> Path:
    env = os.environ.get("TRIAGE_CONFIG")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("triage", appauthor=False)) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    cfg = Config(path=path)
    for name in ("note_limit", "weekly_budget"):
        if name in data:
            value = data[name]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{path}: {name} must be a positive whole number")
            setattr(cfg, name, value)
    if "theme" in data:
        if not isinstance(data["theme"], str):
            raise ConfigError(f"{path}: theme must be a string")
        cfg.theme = data["theme"]
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise ConfigError(f'{path}: [keymap] entries must look like "triage.invite" = "y"')
    cfg.keymap = dict(keymap)
    return cfg
