"""Hand-drawn copies of what some Textual widgets and renderables draw.

The card, the header and the summary draw their parts with these instead
of mounting the widgets they stand for: a card of thirty widgets or a header
holding a ProgressBar cost more to mount, style and update than the work they
show (see :mod:`triage.ui.card` and :mod:`triage.ui.header`).  The price is
that each one copies a piece of Textual's own drawing.  On every Textual
upgrade, re-read the named source (paths under ``textual/`` in
site-packages; the copies were made from textual 8.2.8 and rich 15.0.0) and
compare ``screenshots/`` and the snapshot tests:

- :func:`background` -- the padding ``StylesCache.render_line`` adds to a
  widget's content lines (``textual/_styles_cache.py``: the line is
  ``adjust_cell_length``-ed with the widget's background style).
- :class:`TextVisual` -- a ``Static`` (``textual/widgets/_static.py``) of the
  stack's width showing a ``Content`` (``textual/content.py``,
  ``Content.render_strips``), or a ``Label`` (``textual/widgets/_label.py``,
  width auto) when ``fill=False``.
- :class:`RowVisual` -- a ``Horizontal`` (``textual/containers.py``, laid out
  by ``textual/layouts/horizontal.py`` ``HorizontalLayout``) of a ``Label``
  of ``label_width`` cells beside a ``Static`` of width ``1fr``.
- :class:`StackVisual` -- a ``Vertical`` of height-auto children
  (``textual/containers.py``, ``textual/layouts/vertical.py``
  ``VerticalLayout``).
- :func:`progress_strip` -- ``ProgressBar`` without its ETA
  (``textual/widgets/_progress_bar.py``): its ``Bar`` widget drawing the
  ``Bar`` renderable (``textual/renderables/bar.py``) with
  ``highlight_range=(0, width * percentage)``, then ``PercentageStatus``
  (5 cells, right-aligned, ``round(percentage * 100)%``).
- :func:`bar_filled` -- ``Bar._validate_percentage`` in
  ``textual/widgets/_progress_bar.py``: the filled share rounded down to
  whole half-cells of the bar.
- :func:`eighths_bar` -- not Textual's: the block elements of Rich's ``Bar``
  (``rich/bar.py``, ``END_BLOCK_ELEMENTS`` and ``FULL_BLOCK``), a bar
  growing by eighths of a cell.
"""

from __future__ import annotations

from rich.style import Style as RichStyle
from textual.content import Content
from textual.css.styles import RulesMap
from textual.renderables.bar import Bar
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RichVisual, Visual
from textual.widget import Widget

PERCENT_WIDTH = 5  # PercentageStatus: "100%" right-aligned in five cells
_EIGHTHS = " ▏▎▍▌▋▊▉"  # rich.bar.END_BLOCK_ELEMENTS
_FULL = "█"  # rich.bar.FULL_BLOCK


def background(style: Style) -> RichStyle:
    """What Textual pads a widget's lines with: its background."""
    return RichStyle(bgcolor=style.rich_style.bgcolor)


def first_line(content: Content, width: int, style: Style, options: RenderOptions) -> Strip:
    """The first line of ``content`` rendered at ``width`` (empty: an empty strip)."""
    strips = content.render_strips(width, 1, style, options)
    return strips[0] if strips else Strip([])


class TextVisual(Visual):
    """Text the width of the stack, padded with its own background (a Static
    of that width), or with the stack's (``fill=False``: a Label as wide as
    its text).  Empty text is one blank line: a margin."""

    def __init__(self, content: Content, style: Style, *, fill: bool = True) -> None:
        self.content = content
        self.style = style
        self.fill = fill

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return max(1, self.content.get_height(rules, width)) if self.content.plain else 1

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        pad = background(self.style if self.fill else style)
        if not self.content.plain:
            return [Strip.blank(width, pad)]
        strips = self.content.render_strips(width, height, self.style, options)
        return [strip.adjust_cell_length(width, pad) for strip in strips or [Strip([])]]


class RowVisual(Visual):
    """A row drawn the way a Label of ``label_width`` cells beside a Static
    would draw it: the label on the first line, the value wrapping in its
    own column, each padded with its own background."""

    def __init__(
        self,
        label: Content,
        value: Content,
        label_style: Style,
        value_style: Style,
        label_width: int,
    ) -> None:
        self.label = label
        self.value = value
        self.label_style = label_style
        self.value_style = value_style
        self.label_width = label_width

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.label_width + self.value.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.label_width + self.value.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return max(1, self.value.get_height(rules, max(width - self.label_width, 1)))

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        label_width = min(self.label_width, width)
        value_width = width - label_width
        label_pad = background(self.label_style)
        value_pad = background(self.value_style)
        first = first_line(self.label, label_width, self.label_style, options)
        first = first.adjust_cell_length(label_width, label_pad)
        values = self.value.render_strips(value_width, None, self.value_style, options)
        if not values:
            values = [Strip([])]
        under_label = Strip.blank(label_width, background(style))
        lines = [
            Strip.join(
                [first if y == 0 else under_label, line.adjust_cell_length(value_width, value_pad)]
            )
            for y, line in enumerate(values)
        ]
        return lines if height is None else lines[:height]


class StackVisual(Visual):
    """Visuals one under the other."""

    def __init__(self, parts: list[Visual]) -> None:
        self.parts = parts

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max((p.get_optimal_width(rules, container_width) for p in self.parts), default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return sum(p.get_height(rules, width) for p in self.parts)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        lines = [
            line for part in self.parts for line in part.render_strips(width, None, style, options)
        ]
        return lines if height is None else lines[:height]


def bar_filled(fraction: float, bar_width: int) -> float:
    """The share of a bar ``bar_width`` cells wide drawn filled: as Textual's
    Bar does, rounded down to whole half-cells (unrounded before the bar's
    width is known)."""
    half_cells = 2 * bar_width
    return int(fraction * half_cells) / half_cells if half_cells else fraction


def progress_strip(
    owner: Widget,
    width: int,
    *,
    filled: float,
    fraction: float,
    bar_style: RichStyle,
    style: Style,
    options: RenderOptions,
) -> Strip:
    """What Textual's ProgressBar draws at ``width``: its Bar ``filled``
    (in ``bar_style``'s colour on its background), then ``fraction`` as a
    percentage right-aligned in PERCENT_WIDTH cells.  ``owner``: the widget
    drawing it (Rich renderables are rendered for a widget)."""
    bar_width = max(width - PERCENT_WIDTH, 0)
    parts = []
    if bar_width:
        renderable = Bar(
            highlight_range=(0, bar_width * filled),
            highlight_style=RichStyle.from_color(bar_style.color),
            background_style=RichStyle.from_color(bar_style.bgcolor),
        )
        strips = RichVisual(owner, renderable).render_strips(bar_width, 1, style, options)
        bar = strips[0] if strips else Strip([])
        parts.append(bar.adjust_cell_length(bar_width, background(style)))
    percent_width = width - bar_width
    if percent_width:
        percent = first_line(Content(f"{round(fraction * 100)}%"), percent_width, style, options)
        fill = (style + Style(reverse=False)).rich_style
        parts.append(next(iter(Strip.align([percent], fill, percent_width, 1, "right", "top"))))
    return Strip.join(parts)


def eighths_bar(fraction: float, width: int) -> str:
    """A bar ``fraction`` of ``width`` cells long, its end drawn in eighths
    of a cell (no trailing blank)."""
    cells = max(0.0, min(1.0, fraction)) * width
    full = int(cells)
    part = _EIGHTHS[int((cells - full) * 8)] if full < width else ""
    return _FULL * full + part.strip()
