"""The walk-through's window: keys become :class:`~triage.walk.Walk` calls,
and the :class:`~triage.walk.WalkView` each call returns is drawn.

The walk commits every change before it returns, so a card is drawn only
after its change is durable.  The screen holds the latest view in a reactive
(``walk_view``) whose watcher draws it: the card, the header and the side
panel when the view brings a new revision, then its message, then the
summary when the walk asks for it.

The dialogs and the summary are imported when first opened: the first card
is painted without them (``bench/bench_review.py`` measures start-up).
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen

from triage.config import Config
from triage.model import ALL, Contact, Deck, WalkFilter
from triage.store import Store
from triage.ui import words
from triage.ui.card import CardScroll, ContactCard, SidePanel
from triage.ui.footer import WalkFooter
from triage.ui.header import ProgressHeader
from triage.ui.keys import BINDING_IDS, review_bindings
from triage.ui.session import Session
from triage.ui.start import StartLookup
from triage.walk import Walk, WalkStart, WalkView

# Actions that need a card on screen.
_ON_A_CARD = frozenset({"invite", "skip", "skip_all", "tag", "note", "quick_tag", "open", "copy"})


class ReviewScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = review_bindings()
    # The binding ids the help screen lists, in its order.
    HELP_IDS: ClassVar[tuple[str, ...]] = BINDING_IDS
    # The card scroller is focused once the first card is painted
    # (first_painted): focusing restyles it and the card, work the first
    # paint need not wait for.
    AUTO_FOCUS = ""  # None would take the app's ("*"): the first focusable widget

    # The latest answer of the walk; set after every call, even when equal to
    # the one before (a message said again is shown again).
    walk_view: reactive[WalkView | None] = reactive(
        None, repaint=False, always_update=True, init=False
    )

    def __init__(
        self,
        store: Store,
        deck: Deck,
        *,
        order: str,
        config: Config,
        start: StartLookup | None = None,
        meet: int | None = None,
    ) -> None:
        """``meet``: the session ends with the summary after this many decisions."""
        super().__init__()
        self.meet = meet
        self.session: Session | None = None
        self.store = store
        self.deck = deck
        self.config = config
        self._order = order
        # Where the walk resumes, possibly still being looked up on a thread
        # (triage.ui.start): the store is not touched before on_mount.
        self._start = start
        self.walk: Walk | None = None
        # What check_action answers depends on; the footer is rebuilt only
        # when it changes (refresh_bindings recomposes the whole footer).
        self._bindings_state: bool | None = None
        self._resumed = False
        self._preset_breakpoint()

    def _preset_breakpoint(self) -> None:
        """Start with the width and height classes (``-narrow``/``-wide``,
        ``-short``/``-tall``) Textual gives the screen on its first resize:
        added then, they restyle every widget a second time before the first
        card is painted."""
        size = self.app.size
        for breakpoints, extent in (
            (self.HORIZONTAL_BREAKPOINTS or self.app.HORIZONTAL_BREAKPOINTS, size.width),
            (self.VERTICAL_BREAKPOINTS or self.app.VERTICAL_BREAKPOINTS, size.height),
        ):
            for at, name in sorted(breakpoints or [], reverse=True):
                if extent >= at:
                    self.add_class(name, update=False)  # styled when mounted
                    break

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Textual restyles every widget when a screen is first shown, right
        after mounting has styled them with the classes they start with
        (see _preset_breakpoint): that second pass only delays the first
        card.  Later resumes (a dialog closed) are left as Textual has them."""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def compose(self) -> ComposeResult:
        yield ProgressHeader(id="header")
        with Horizontal(id="body"):
            with CardScroll(id="card-scroll"):
                yield self.new_card()
            yield SidePanel(id="side")
        yield self.new_footer()

    def on_mount(self) -> None:
        # A key that quits can arrive before this handler runs (typed during
        # start-up, or piped in).  Textual then shuts down while the screen
        # is still mounting its widgets, and the widgets it would start after
        # that never compose: the card is missing and query_one raised
        # NoMatches.  An app on its way out has nothing to draw (is_attached
        # is False once App.exit was called); triage.review still waits for
        # the start-up lookup, and nothing was written yet.
        if not self.is_attached:
            return
        self._header = self.query_one(ProgressHeader)
        self._card = self.query_one(ContactCard)
        self._side = self.query_one(SidePanel)
        self._scroll = self.query_one(CardScroll)
        lookup = self._start or StartLookup(self.store, self.deck, self._order, thread=False)
        self._start = None
        self.walk = self.new_walk(lookup.result())
        self.session = Session(self.walk.view.counts)
        self.walk_view = self.walk.view

    def first_painted(self) -> None:
        """The first card is on screen (``ReviewApp.on_ready``): the card
        scroller takes the focus now, as focusing restyles it and the card."""
        if self.walk is not None and self.is_attached:
            self._scroll.focus()

    def new_footer(self) -> WalkFooter:
        return WalkFooter()

    def new_card(self) -> ContactCard:
        """The card widget (a recovery deck's screen draws invitations)."""
        return ContactCard(id="card")

    def new_walk(self, start: WalkStart) -> Walk:
        return Walk(self.store, self.deck, order=self._order, start=start)

    # -- what the walk shows (read-only) ---------------------------------------

    @property
    def contact(self) -> Contact | None:
        return self.walk_view.contact if self.walk_view is not None else None

    @property
    def current_id(self) -> int | None:
        return self.walk.current_id if self.walk is not None else None

    @property
    def flt(self) -> WalkFilter:
        return self.walk.filter if self.walk is not None else ALL

    @property
    def order(self) -> str:
        return self.walk.order if self.walk is not None else self._order

    # -- drawing -----------------------------------------------------------------

    def watch_walk_view(self, old: WalkView | None, view: WalkView | None) -> None:
        if view is None or self.walk is None:
            return
        if old is None or view.revision != old.revision:
            self._draw(view)
        state = view.contact is None
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()
        if view.message:
            # One at a time, and not again while it shows (ReviewApp.on_notify).
            self.notify(
                view.message, severity="warning" if view.warning else "information", markup=False
            )
        if view.summary:
            self._open_summary()
        elif self.meet is not None and self._met(view, self.meet):
            self._open_summary(f"You met {self.meet:,} people: this session is done.")
            self.meet = None  # said once; the walk goes on if the person goes back

    def _draw(self, view: WalkView) -> None:
        walk = self.walk
        assert walk is not None
        c = view.contact
        session = self.session
        pace = ""
        if session is not None:
            session.update(view.counts)
            pace = session.pace()
        self._header.show(
            index=view.index,
            total=view.total,
            outside=view.outside,
            counts=view.counts,
            walk=view.walk_label,
            pace=pace,
            kind=view.kind,
        )
        self._card.show(c, view.empty_text)
        self._side.show(c, list(view.tags))
        scroll = self._scroll
        if scroll.scroll_y or scroll.scroll_target_y:
            scroll.scroll_home(animate=False)
        if c is not None:
            # The next card is read while this one is read by the person.
            self.call_after_refresh(walk.prefetch, c.id)
        if walk.needs_checkpoint:
            self.call_after_refresh(walk.checkpoint)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.walk_view
        if action in _ON_A_CARD and (view is None or view.contact is None):
            return None
        return True

    # -- deciding ----------------------------------------------------------------

    def action_invite(self) -> None:
        if self.walk is not None:
            self.walk_view = self.walk.decide("invite")

    def action_skip(self) -> None:
        if self.walk is not None:
            self.walk_view = self.walk.decide("skip")

    def action_skip_all(self) -> None:
        """Skip every undecided card of the filter, once confirmed in a dialog
        that names the filter and the count (refused without a filter)."""
        walk = self.walk
        if walk is None:
            return
        refusal = walk.bulk_skip_refusal()
        if refusal:
            self.notify(refusal, severity="warning", markup=False, timeout=8)
            return
        cards = walk.bulk_skip_count()
        label = walk.view.filter_label
        if cards == 0:
            self.notify(f"No undecided card in '{label}': nothing to skip.", markup=False)
            return
        from triage.ui.bulk import ConfirmBulkSkip

        self.app.push_screen(ConfirmBulkSkip(cards, label), self._skip_all)

    def _skip_all(self, yes: bool | None) -> None:
        if yes and self.walk is not None:
            self.walk_view = self.walk.bulk_skip()

    def _met(self, view: WalkView, meet: int) -> bool:
        """``--meet N``: the Nth decision of the session was just made."""
        session = self.session
        if session is None:
            return False
        session.update(view.counts)
        return session.decided >= meet

    def _open_summary(self, headline: str = "") -> None:
        from triage.ui.summary import SummaryScreen

        assert self.walk is not None
        self.app.push_screen(
            SummaryScreen(self.walk.status(), headline=headline), self._after_summary
        )

    def _after_summary(self, result: str | None) -> None:
        from triage.ui.summary import SECOND_PASS

        if result == SECOND_PASS and self.walk is not None:
            self.walk_view = self.walk.second_pass()

    # -- moving ------------------------------------------------------------------

    def action_next(self) -> None:
        if self.walk is not None:
            self.walk_view = self.walk.step(+1)

    def action_previous(self) -> None:
        if self.walk is not None:
            self.walk_view = self.walk.step(-1)

    def jump(self, contact_id: int | None) -> None:
        """Go to a card found by search, clearing a filter it is not in."""
        if contact_id is not None and self.walk is not None:
            self.walk_view = self.walk.jump(contact_id)

    def action_goto(self) -> None:
        from triage.ui.editors import GotoDialog

        walk = self.walk
        if walk is None:
            return
        view = walk.view
        if view.total == 0:
            self.walk_view = walk.goto(1)  # refused, with the reason
            return
        self.app.push_screen(GotoDialog(view.total, view.filter_label), self._goto)

    def _goto(self, number: int | None) -> None:
        if number is not None and self.walk is not None:
            self.walk_view = self.walk.goto(number)

    def action_search(self) -> None:
        from triage.ui.search import SearchScreen

        if self.walk is not None:
            self.app.push_screen(SearchScreen(self.walk.search), self.jump)

    def action_filter(self) -> None:
        from triage.ui.filter import FilterScreen, filter_choices

        if self.walk is not None:
            choices = filter_choices(self.walk.status(), self.walk.cannot_upload())
            self.app.push_screen(FilterScreen(choices, self.walk.filter), self.apply_filter)

    def apply_filter(self, flt: WalkFilter | None) -> None:
        if flt is not None and self.walk is not None:
            self.walk_view = self.walk.apply_filter(flt)

    def set_order(self, order: str) -> None:
        if self.walk is not None:
            self.walk_view = self.walk.set_order(order)

    # -- changing ----------------------------------------------------------------

    def action_undo(self) -> None:
        if self.walk is not None:
            self.walk_view = self.walk.undo()

    def action_redo(self) -> None:
        if self.walk is not None:
            self.walk_view = self.walk.redo()

    def action_tag(self) -> None:
        c = self.contact
        if c is None:
            return
        from triage.ui.editors import TagPicker

        if self.walk is not None:
            self.app.push_screen(TagPicker(c.name or "(no name)", CardTags(self, self.walk)))

    def action_quick_tag(self, number: int) -> None:
        if self.walk is not None:
            self.walk_view = self.walk.quick_tag(number)

    def action_note(self) -> None:
        c = self.contact
        if c is None:
            return
        from triage.ui.editors import NoteEditor

        self.app.push_screen(NoteEditor(c.name, c.note, self.config.note_limit), self._save_note)

    def _save_note(self, text: str | None) -> None:
        if text is not None and self.walk is not None:
            self.walk_view = self.walk.set_note(text)

    def action_notes(self, step: int) -> None:
        """Scroll a long source note inside its field."""
        card = self._card.body
        if self.contact is None or card.scroll_notes(step):
            return
        if not card.notes_hidden:
            text = "The notes are all in view."
        else:
            text = (
                "This is the end of the notes." if step > 0 else "This is the start of the notes."
            )
        self.notify(text, markup=False)

    # -- acting on what the card shows ---------------------------------------------

    def action_open(self) -> None:
        """The profile in the browser, else a new mail to the primary address."""
        c = self.contact
        if c is None:
            return
        link = words.link(c)
        if not link:
            self.notify("This card has no profile or email to open.", severity="warning")
            return
        self.app.open_url(link)
        self.notify(f"Opening {link}", markup=False)

    def action_copy(self) -> None:
        c = self.contact
        if c is None:
            return
        email = c.primary_email
        if not email:
            self.notify("This card has no email to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(email)
        self.notify(f"Copied {email}", markup=False)

    def _tags(self) -> tuple[str, ...]:
        return self.walk_view.tags if self.walk_view is not None else ()

    def action_help(self) -> None:
        from triage.ui.help import HelpScreen, help_rows

        tags = self._tags()
        bindings = [active.binding for active in self.active_bindings.values()]
        quick = {f"triage.quicktag{n}": n for n in range(1, 10)}
        texts = {
            bid: f"Toggle quick tag {n}: {tags[n - 1]}"
            for bid, n in quick.items()
            if n <= len(tags)
        }
        ids = [i for i in self.HELP_IDS if i not in quick or i in texts]
        rows = help_rows(self.app, bindings, ids, texts)
        self.app.push_screen(HelpScreen(rows))


class CardTags:
    """The tag dialog's changes, made through the walk and drawn on the card
    behind the dialog as they are made."""

    def __init__(self, screen: ReviewScreen, walk: Walk) -> None:
        self.screen = screen
        self.walk = walk

    def card_tags(self) -> list[str]:
        c = self.walk.contact
        return list(c.tags) if c is not None else []

    def deck_tags(self) -> dict[str, int]:
        return self.walk.tag_counts()

    def quick_tags(self) -> list[str]:
        return list(self.walk.view.tags)

    def add(self, tag: str) -> None:
        self.screen.walk_view = self.walk.add_tag(tag)

    def remove(self, tag: str) -> None:
        self.screen.walk_view = self.walk.remove_tag(tag)

    def rename(self, old: str, new: str) -> None:
        self.screen.walk_view = self.walk.rename_tag(old, new)

    def delete(self, tag: str) -> None:
        self.screen.walk_view = self.walk.delete_tag(tag)
