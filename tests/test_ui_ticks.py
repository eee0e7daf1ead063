"""Tick boxes read the same in 16 colours: an unticked box shows no X."""

from __future__ import annotations

from textual.app import App, ComposeResult

from triage.ui.ticks import TickBox, TickList


class Boxes(App[None]):
    def compose(self) -> ComposeResult:
        yield TickBox("Overwrite existing files", compact=True)
        yield TickList(("navy", "navy"), ("keynote", "keynote", True), compact=True)


def line_text(widget: TickList, y: int) -> str:
    return "".join(segment.text for segment in widget.render_line(y))


async def test_an_unticked_box_is_empty_and_a_ticked_one_has_an_x() -> None:
    """The glyph, not a colour, tells them apart: Textual's own box draws an
    X in both states, hidden by colour only, which a 16-colour terminal shows."""
    app = Boxes()
    async with app.run_test() as pilot:
        box = app.query_one(TickBox)
        assert box.render().plain.startswith("▐ ▌")
        box.value = True
        await pilot.pause()
        assert box.render().plain.startswith("▐X▌")
        options = app.query_one(TickList)
        assert line_text(options, 0).startswith("▐ ▌ navy")
        assert line_text(options, 1).startswith("▐X▌ keynote")
        options.select("navy")
        await pilot.pause()
        assert line_text(options, 0).startswith("▐X▌ navy")
