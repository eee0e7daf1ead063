"""Tick boxes that read the same in 16 colours as in true colour.

Textual's checkbox draws an X in both states and hides the unticked one by
giving it the box's own colour.  Reduced to 16 colours the two colours can
differ and every box looks ticked.  These draw the X only when ticked.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton

Value = TypeVar("Value")
TICK = ToggleButton.BUTTON_INNER
EMPTY = " "


class TickBox(Checkbox):
    """A checkbox whose unticked box is empty."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return TICK if self.value else EMPTY


class TickList(SelectionList[Value]):
    """A selection list whose unselected boxes are empty."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = self.scroll_offset.y + y
        if index >= self.option_count:
            return strip
        value = self.get_option_at_index(index).value
        if value in self.selected:
            return strip
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != TICK:
            return strip
        segments[1] = Segment(EMPTY, segments[1].style)
        return Strip(segments, strip.cell_length)
