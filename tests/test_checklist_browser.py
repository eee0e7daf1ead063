"""The HTML withdraw checklist in a real headless browser (Debian's chromium
through playwright, as for ``triage serve``): what it renders, a screenshot
that is not blank, printing to PDF on A4 and Letter, and not one request to
any host.  Skips locally without chromium or playwright, fails in CI."""

from __future__ import annotations

from pathlib import Path

from tests.test_browser import browser  # noqa: F401  (the module's skip rules too)
from tests.test_checklist import marked_deck, triage
from triage.export.checklist import SAVED_CONTACTS_PAGE, SENT_PAGE


def test_the_checklist_page_renders_prints_and_stays_offline(
    browser,  # noqa: F811
    data_dir: Path,
    tmp_path: Path,
) -> None:
    marked_deck(data_dir, tmp_path / "export")
    page_file = tmp_path / "withdraw.html"
    proc = triage(data_dir, "checklist", "-o", str(page_file))
    assert proc.returncode == 0, proc.stderr
    url = page_file.resolve().as_uri()

    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    requests: list[str] = []

    def route(r) -> None:
        requests.append(r.request.url)
        if r.request.url == url:
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(url)
    assert requests == [url]  # the file itself, nothing else

    names = page.locator("li.person .name").all_inner_texts()
    assert names == ["John Smith", "Alan Turing", "Grace Hopper"]
    assert page.locator("input[type=checkbox]").count() == 5
    assert page.locator("input[type=checkbox]:checked").count() == 1
    links = page.locator("a").evaluate_all("els => els.map(e => e.href)")
    assert links[0] == SENT_PAGE and links[-1] == SAVED_CONTACTS_PAGE
    assert "https://www.linkedin.com/in/alan-example" in links
    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # A tick box ticks without script.
    page.locator("#step-first").check()
    assert page.locator("input[type=checkbox]:checked").count() == 2

    shot = page.screenshot(full_page=True)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    # A blank page of this size compresses to a few hundred bytes; text does not.
    assert len(shot) > 8000

    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper, print_background=False)
        assert pdf[:5] == b"%PDF-" and len(pdf) > 1000
    assert requests == [url]
    context.close()
