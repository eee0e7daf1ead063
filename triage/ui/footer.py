"""The walk's compact footer, and one that fits its width.

Textual's footer makes its keys again (a widget each, every one styled) each
time the screen's bindings change, and a start-up changes them several times
in a row: the keymap, the focus, what can run on the first card.
:class:`WalkFooter` makes them once for such a burst, after the screen has
been drawn.

When the keys do not fit on the line, :class:`FittingFooter` takes its steps
in turn until they do: a key leaves the footer, or its label gets shorter.
Every key still works and is still listed by help (``?``) and the command
palette; only the footer is made to fit, so no key is cut in half at the edge.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from rich.cells import cell_len
from textual import events
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

# A step: (action, shorter label), or (action, None) to leave the footer.
Step = tuple[str, str | None]


class WalkFooter(Footer):
    """The compact footer of the walk: its keys are made once for a burst of
    binding changes."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True, show_command_palette=False)
        self._pending = False  # a remake of the keys is on its way

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._remake)

    async def _remake(self) -> None:
        self._pending = False  # a change from now on asks again
        await self.recompose()


class FittingFooter(WalkFooter):
    """The compact footer of the walk, fitted to its width by ``steps``."""

    def __init__(self, steps: Sequence[Step], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.steps: tuple[Step, ...] = tuple(steps)
        self._labels: dict[str, str] = {}  # each key's own label, by action

    async def recompose(self) -> None:
        # The keys are made again (with their own labels) when the bindings change.
        await super().recompose()
        self._labels = {key.action: key.description for key in self._keys()}
        self.fit()

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    def _keys(self) -> Iterator[FooterKey]:
        for child in self.children:
            if isinstance(child, FooterKey):
                yield child

    def fit(self, width: int | None = None) -> list[Step]:
        """Show every key with its own label, then take the steps until the
        keys fit ``width`` (the footer's); returns the steps taken."""
        if width is None:
            width = self.size.width or self.app.size.width
        keys = {key.action: key for key in self._keys()}
        for action, key in keys.items():
            key.display = True
            key.description = self._labels.get(action, key.description)
        taken: list[Step] = []
        for step in self.steps:
            if self.needed() <= width:
                break
            action, label = step
            found = keys.get(action)
            if found is None or not found.display:
                continue
            if label is None:
                found.display = False
            else:
                found.description = label
            taken.append(step)
        for key in keys.values():
            key.refresh(layout=True)
        return taken

    def needed(self) -> int:
        """Cells the shown keys take on one line, as the compact footer lays
        them out (a key, a space, its label and a space before the next)."""
        total = 0
        for child in self.children:
            if not child.display:
                continue
            total += _width(child) + 1
        return max(total - 1, 0)


def _width(widget: Widget) -> int:
    if isinstance(widget, FooterKey):
        label = f" {widget.description}" if widget.description else ""
        return cell_len(widget.key_display + label)
    if isinstance(widget, KeyGroup):
        return sum(cell_len(key.key_display) for key in widget.query(FooterKey))
    if isinstance(widget, FooterLabel):
        return cell_len(str(widget.render()))
    return widget.outer_size.width
