"""The walk-through's key bindings, in one table.

Every binding has an id (``triage.invite`` …) so ``[keymap]`` in config.toml
can move it, and a tooltip; aliases share their action's id and stay out of
the footer.  Nothing here invites more than one person.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

SKIP_ALL = "Skip every undecided card in this filter"


def review_bindings() -> list[BindingType]:
    """The walk-through's keys (DESIGN §6); every one has an id for the keymap."""

    def b(
        key: str,
        action: str,
        text: str,
        tip: str,
        bid: str,
        show: bool = True,
        group: Binding.Group | None = None,
    ) -> Binding:
        return Binding(key, action, text, show=show, tooltip=tip, id=f"triage.{bid}", group=group)

    move = Binding.Group("Move", compact=True)  # one footer entry for → and ←

    out: list[BindingType] = [
        b("a", "invite", "Invite", "Invite this person, then the next undecided card", "invite"),
        b("s", "skip", "Skip", "Skip this person, then the next undecided card", "skip"),
        # Bulk actions may only skip, and only a filter's cards (asks first).
        b("S", "skip_all", "Skip all", SKIP_ALL, "skip_all", show=False),
        b("left", "previous", "Prev", "Previous card", "previous", group=move),
        b("right", "next", "Next", "Next card without deciding", "next", group=move),
        b("j", "next", "Next", "Next card without deciding", "next", show=False),
        b("k", "previous", "Prev", "Previous card", "previous", show=False),
        b("u", "undo", "Undo", "Undo the last change (unlimited)", "undo"),
        b("ctrl+z", "undo", "Undo", "Undo the last change (unlimited)", "undo", show=False),
        b("U", "redo", "Redo", "Redo what undo undid", "redo", show=False),
        b("ctrl+y", "redo", "Redo", "Redo what undo undid", "redo", show=False),
        b("t", "tag", "Tag", "Add or remove a tag (autocompletes; new tags are created)", "tag"),
    ]
    out += [
        b(str(n), f"quick_tag({n})", f"Tag {n}", f"Toggle quick tag {n}", f"quicktag{n}", False)
        for n in range(1, 10)
    ]
    out += [
        b("n", "note", "Note", "Write the personal invitation note", "note"),
        b("shift+down", "notes(1)", "Notes ↓", "Scroll the source notes down", "notesdown", False),
        b("shift+up", "notes(-1)", "Notes ↑", "Scroll the source notes up", "notesup", False),
        b(
            "o",
            "open",
            "Open",
            "Open the profile in the browser (or mail the person)",
            "open",
            show=False,
        ),
        b("c", "copy", "Copy", "Copy the primary email address", "copy", show=False),
        # The footer fits 80 columns: help and quit early, search (/, as in
        # less and vim) and go-to only in help and the palette.
        b("question_mark", "help", "Help", "Show every key", "help"),
        Binding(
            "q",
            "app.quit",
            "Quit",
            tooltip="Quit (everything is already saved)",
            id="triage.quit",
            priority=True,
        ),
        b("slash", "search", "Find", "Search by name, email or organisation", "search", False),
        b(
            "f",
            "filter",
            "Filter",
            "Show only some cards: who can be invited, a decision, tags, flags, sources",
            "filter",
        ),
        b("g", "goto", "Go to", "Go to card number N of this walk", "goto", show=False),
        b("e", "app.export", "Export", "Export the people you invited", "export"),
    ]
    return out


# The help screen lists the keys in this order.
BINDING_IDS: tuple[str, ...] = (
    "triage.invite",
    "triage.skip",
    "triage.skip_all",
    "triage.next",
    "triage.previous",
    "triage.undo",
    "triage.redo",
    "triage.tag",
    *(f"triage.quicktag{n}" for n in range(1, 10)),
    "triage.note",
    "triage.notesdown",
    "triage.notesup",
    "triage.open",
    "triage.copy",
    "triage.search",
    "triage.filter",
    "triage.goto",
    "triage.export",
    "triage.help",
    "triage.quit",
)
