"""The config's keymap and theme, checked against the window's keys and themes.

Each entry that cannot apply is dropped with one warning line, said before
the window opens, and its default applies: an unknown binding id, an unknown
theme, and a key given to two actions (``"triage.invite" = "s"`` while skip
is ``s``), for which both actions keep their default keys.
"""

from __future__ import annotations

from textual.binding import Binding

from triage.config import Config, did_you_mean
from triage.ui.keys import BINDING_IDS, review_bindings

DEFAULT_THEME = Config().theme
PREFIX = "triage."


def default_keys() -> dict[str, list[str]]:
    """Every binding id with its default keys, in the help screen's order."""
    keys: dict[str, list[str]] = {bid: [] for bid in BINDING_IDS}
    for b in review_bindings():
        if isinstance(b, Binding) and b.id in keys:
            for key in b.key.split(","):
                if key.strip() not in keys[b.id]:
                    keys[b.id].append(key.strip())
    return keys


def _keys(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


def effective_keys(keymap: dict[str, str]) -> dict[str, list[str]]:
    """The keys each binding id answers to once ``keymap`` applies."""
    keys = default_keys()
    for bid, text in keymap.items():
        if bid in keys:
            keys[bid] = _keys(text)
    return keys


def settle(config: Config) -> list[str]:
    """Drop from ``config`` what cannot apply; one warning line for each."""
    where = f"{config.path}: " if config.path is not None else ""
    warnings: list[str] = []
    keymap: dict[str, str] = {}
    for bid, text in config.keymap.items():
        if bid not in BINDING_IDS:
            short = did_you_mean(
                bid.removeprefix(PREFIX), [b.removeprefix(PREFIX) for b in BINDING_IDS]
            )
            hint = short.replace(" '", f" '{PREFIX}", 1)
            warnings.append(f"{where}unknown key binding id '{bid}'{hint}; ignored")
        elif not _keys(text):
            warnings.append(f"{where}no key given for '{bid}'; its default key applies")
        else:
            keymap[bid] = text
    # A key given to two actions: the remapped ones involved keep their defaults.
    while True:
        owner: dict[str, str] = {}
        clash: tuple[str, str, str] | None = None
        for bid, keys in effective_keys(keymap).items():
            for key in keys:
                other = owner.setdefault(key, bid)
                if other != bid:
                    clash = (key, other, bid)
                    break
            if clash:
                break
        if clash is None:
            break
        key, first, second = clash
        dropped = [b for b in (first, second) if b in keymap]
        if not dropped:  # two defaults: nothing of the user's to undo
            break
        for b in dropped:
            del keymap[b]
        warnings.append(
            f"{where}key '{key}' is given to both {first} and {second}; "
            f"both keep their default keys"
        )
    config.keymap = keymap
    from textual.theme import BUILTIN_THEMES

    if config.theme not in BUILTIN_THEMES:
        hint = did_you_mean(config.theme, list(BUILTIN_THEMES))
        warnings.append(f"{where}unknown theme '{config.theme}'{hint}; using {DEFAULT_THEME}")
        config.theme = DEFAULT_THEME
    return warnings
