"""User settings from ``config.toml`` in the user config folder.

```toml
note_limit = 200        # characters allowed in an invitation note
weekly_budget = 100     # invitations per week before export warns
relock_days = 21        # days LinkedIn refuses a new invitation after a withdrawal
theme = "textual-dark"

[keymap]                # binding id = keys, e.g. remap invite to "y"
"triage.invite" = "y"
```
``TRIAGE_CONFIG`` names another file (tests use it).  A missing file means
defaults; a broken one is a usage error with the file and the reason.  A
setting that is not one of these (``note_limt``) is a warning, said once
before the window opens; the keymap and the theme are checked against the
window's keys and themes (:mod:`triage.ui.settings`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    pass


@dataclass(slots=True)
class Config:
    note_limit: int = 200
    weekly_budget: int = 100
    relock_days: int = 21
    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    # What was ignored and why, one line each (said on stderr by `review`).
    warnings: list[str] = field(default_factory=list)


SETTINGS = ("note_limit", "weekly_budget", "relock_days", "theme", "keymap")


def did_you_mean(word: str, known: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'note_limit'?)`` when one known word is close."""
    import difflib  # only when something is misspelt: not on every start-up

    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


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
    import tomllib  # only when there is a file: no config is the common case

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    cfg = Config(path=path)
    for name in data:
        if name not in SETTINGS:
            cfg.warnings.append(
                f"{path}: unknown setting '{name}'{did_you_mean(name, SETTINGS)}; ignored"
            )
    for name in ("note_limit", "weekly_budget", "relock_days"):
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


def relock_days_or_none() -> int | None:
    """The configured ``relock_days``; None when the config cannot be read
    (the commands that only report then keep the one used last)."""
    try:
        return load_config().relock_days
    except ConfigError:
        return None
