"""The helpers in person.py fail where a person could not use the page: a field drawn
off-screen, clipped by its container, covered, too small, disabled or unlabelled; a page
with a serious axe-core violation. Each failure has its working counterpart."""

import http.server
import threading
import time

import pytest
from playwright.sync_api import expect

from tests.browser.person import (
    SCREENSHOT_DIR,
    _test_folder,
    assert_accessible,
    assert_usable,
    check_visible,
    click_visible,
    fill_visible,
    select_visible,
    upload_visible,
)

pytestmark = pytest.mark.browser

# Test-only pages, given to the browser with set_content: inline styles are fine here.
PAGE = """<!doctype html><html lang="en"><head><title>Helper test</title></head>
<body><main><h1>Helper test</h1>{body}</main></body></html>"""
SHORT = 1000  # ms: a field that is not there will not appear later either


@pytest.fixture
def blank(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.set_default_timeout(5_000)
    page = context.new_page()
    yield page
    context.close()


def show(page, body: str):
    page.set_content(PAGE.format(body=body))
    return page


def failure_of(call) -> str:
    with pytest.raises(AssertionError) as caught:
        call()
    return str(caught.value)


def test_a_labelled_field_in_view_is_filled_chosen_ticked_attached_and_clicked(blank, tmp_path):
    show(
        blank,
        """
        <div style="height: 2000px">Tall introduction</div>
        <label for="amount">Amount</label> <input id="amount">
        <label for="currency">Currency</label>
        <select id="currency"><option value="USD">US dollar</option>
          <option value="EUR">Euro</option></select>
        <input type="checkbox" id="final"> <label for="final">Final tranche</label>
        <label for="minutes">Minutes</label> <input type="file" id="minutes">
        <button type="button" id="save">Save</button>
        <script>
          document.getElementById('save').onclick = () => { document.title = 'saved'; };
        </script>
        """,
    )
    minutes = tmp_path / "minutes.pdf"
    minutes.write_bytes(b"%PDF-1.4\n")

    fill_visible(blank, "Amount", "250000.00")
    select_visible(blank, "Currency", "Euro")
    check_visible(blank, "Final tranche")
    upload_visible(blank, "Minutes", minutes)
    click_visible(blank, "Save")

    assert blank.locator("#amount").input_value() == "250000.00"
    assert blank.locator("#currency").input_value() == "EUR"
    assert blank.locator("#final").is_checked()
    assert blank.locator("#minutes").evaluate("el => el.files[0].name") == "minutes.pdf"
    assert blank.title() == "saved"


def test_a_field_drawn_off_screen_fails(blank):
    show(
        blank,
        """<div style="position: absolute; left: -2000px; top: 100px">
             <label for="q1">Q1 target</label> <input id="q1"></div>""",
    )
    message = failure_of(lambda: fill_visible(blank, "Q1 target", "50"))
    assert "not usable by a person" in message
    assert "outside the viewport's 0..1366" in message
    assert blank.locator("#q1").input_value() == ""


def test_a_field_in_an_overflow_hidden_container_fails(blank):
    # The grid is wider than its container; the container hides the rest and a person
    # cannot scroll it, though a script can.
    show(
        blank,
        """<div style="width: 300px; overflow: hidden">
             <div style="width: 1200px; padding-left: 800px">
               <label for="att">Attendee organisation</label> <input id="att"></div></div>""",
    )
    message = failure_of(lambda: fill_visible(blank, "Attendee organisation", "NACTA"))
    assert "a person cannot scroll it" in message
    assert blank.locator("#att").input_value() == ""


def test_a_field_cut_off_by_a_container_of_zero_height_fails(blank):
    show(
        blank,
        """<div style="height: 0; overflow: hidden">
             <label for="att">Attendee</label> <input id="att"></div>
           <p>Text after the hidden grid</p>""",
    )
    message = failure_of(lambda: assert_usable(blank.locator("#att"), timeout=SHORT))
    assert "not usable by a person" in message


def test_a_field_covered_by_another_element_fails(blank):
    show(
        blank,
        """<label for="ref">Reference</label> <input id="ref">
           <div style="position: fixed; inset: 0; background: white">A cover</div>""",
    )
    message = failure_of(lambda: assert_usable(blank.get_by_label("Reference")))
    assert "a click at its centre lands on div" in message


def test_a_visually_hidden_field_fails(blank):
    show(
        blank,
        """<label for="x">Hidden</label>
           <input id="x" style="position: absolute; width: 1px; height: 1px;
                                 overflow: hidden; clip: rect(0 0 0 0)">""",
    )
    message = failure_of(lambda: assert_usable(blank.get_by_label("Hidden")))
    assert "too small to see" in message
    assert "is clipped to rect(0px, 0px, 0px, 0px)" in message


def test_an_unlabelled_field_fails_even_with_a_placeholder_or_title(blank):
    show(blank, """<input id="q2" placeholder="Q2 target" title="Q2 target">""")
    message = failure_of(lambda: assert_usable(blank.locator("#q2")))
    assert "it has no label" in message


def test_aria_label_and_aria_labelledby_are_labels(blank):
    show(
        blank,
        """<table><thead><tr><th id="h-q1">Q1</th></tr></thead>
           <tbody><tr><td><input id="a" aria-labelledby="h-q1"></td></tr>
           <tr><td><input id="b" aria-label="Q1 target for I1.1a"></td></tr></tbody></table>""",
    )
    assert_usable(blank.locator("#a"))
    fill_visible(blank, "Q1 target for I1.1a", "25")
    assert blank.locator("#b").input_value() == "25"


def test_a_disabled_field_fails(blank):
    show(blank, """<label for="d">Amount</label> <input id="d" disabled>""")
    with pytest.raises(AssertionError, match="to_be_enabled|enabled"):
        assert_usable(blank.get_by_label("Amount"), timeout=SHORT)


def test_a_tick_box_drawn_by_its_label_passes_when_the_label_is_visible(blank):
    # Bootstrap's toggle buttons hide the input and draw its label as the button.
    show(
        blank,
        """<input type="checkbox" id="t" style="position: absolute; opacity: 0.01;
                                               pointer-events: none">
           <label for="t" style="display: inline-block; padding: 1rem">In person</label>""",
    )
    check_visible(blank, "In person")
    assert blank.locator("#t").is_checked()


def test_assert_accessible_fails_naming_each_serious_violation(blank):
    show(
        blank,
        """<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">
           <input id="nolabel">""",
    )
    message = failure_of(lambda: assert_accessible(blank, "broken"))
    assert "at 1366 px: image-alt [critical] Images must have alternative text: img" in message
    assert "at 390 px: image-alt [critical]" in message
    assert "label [critical] Form elements must have labels: #nolabel" in message
    assert "2 serious or critical" not in message  # two rules at two widths: four
    assert "4 serious or critical accessibility violation(s)" in message


def test_assert_accessible_fails_on_low_contrast_text(blank):
    show(blank, """<p style="color: #aaa; background: #fff">Late tranches</p>""")
    message = failure_of(lambda: assert_accessible(blank, "grey-text"))
    assert "color-contrast [serious]" in message


def test_assert_accessible_passes_a_clean_page_and_keeps_a_screenshot_per_width(blank):
    show(blank, """<label for="n">Name</label> <input id="n"><p>Enough contrast.</p>""")
    assert_accessible(blank, "clean")
    folder = SCREENSHOT_DIR / _test_folder()
    assert sorted(p.name for p in folder.glob("*.png")) == ["01-clean-1366.png", "02-clean-390.png"]
    # The viewport is given back as it was.
    assert blank.viewport_size == {"width": 1366, "height": 900}


def test_assert_accessible_still_runs_under_a_strict_content_security_policy(blank):
    # The portal is getting a CSP without 'unsafe-inline' or 'unsafe-eval'; axe must still
    # run there, so it is evaluated through the DevTools protocol, not a <script> tag.
    blank.set_content(
        """<!doctype html><html lang="en"><head>
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'">
        <title>Strict</title></head><body><main><h1>Strict</h1>
        <input id="nolabel"></main></body></html>"""
    )
    message = failure_of(lambda: assert_accessible(blank, "strict-csp"))
    assert "label [critical] Form elements must have labels: #nolabel" in message


@pytest.fixture
def slow_page_url():
    """A page whose head arrives at once and whose body a second later, as a busy server's
    answer to a form may: the browser has started showing it before it has a body."""

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(b'<!doctype html><html lang="en"><head><title>Slow</title>')
            self.wfile.flush()
            time.sleep(1)
            self.wfile.write(b"</head><body><main><h1>Arrived</h1></main></body></html>")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_assert_accessible_right_after_a_click_waits_for_the_page_it_opens(blank, slow_page_url):
    show(blank, f'<a href="{slow_page_url}">Open the slow page</a>')
    click_visible(blank, "Open the slow page", role="link")
    assert_accessible(blank, "slow-page")
    folder = SCREENSHOT_DIR / _test_folder()
    assert sorted(p.name for p in folder.glob("*.png")) == [
        "01-slow-page-1366.png",
        "02-slow-page-390.png",
    ]
    expect(blank.get_by_role("heading", name="Arrived")).to_be_visible(timeout=SHORT)
