"""Browser-test helpers that look at a page as a person does (issue 10).

A script can fill a field that nobody can see: drawn off-screen, clipped by a container,
hidden behind another element, or with no label. These helpers first assert that the field
is usable by a person (`assert_usable`) and only then fill, choose, tick, attach or click.
`assert_accessible` runs axe-core (vendored under vendor/, injected by the tests only) at
1366 and 390 px and keeps a screenshot per width, one folder per test, numbered by step.

    fill_visible(page, "Amount", "250000")
    select_visible(page, "Currency", "EUR - Euro")
    click_visible(page, "Save")
    assert_accessible(page, "agreement-saved")
"""

import base64
import os
import re
import shutil
import weakref
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDE = {"width": 1366, "height": 900}
NARROW = {"width": 390, "height": 844}
FAILING_IMPACTS = ("serious", "critical")

# Every screenshot taken in this session, for the terminal summary.
taken: list[Path] = []
_steps: dict[str, int] = {}
# Browser contexts that add axe-core to every page they open.
_axe_added: weakref.WeakSet = weakref.WeakSet()

# Runs in the page on the element. Returns what a person could not do with it. Overflow
# containers a person cannot scroll (hidden, clip) are recorded before scrolling, because
# scrollIntoView scrolls them by script and would make a hidden field look reachable.
_HIDDEN_SCROLL_STATE_JS = """
(el) => {
  const state = [];
  for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
    const s = getComputedStyle(a);
    if ([s.overflowX, s.overflowY].some((v) => v === 'hidden' || v === 'clip')) {
      state.push([a.scrollLeft, a.scrollTop]);
    } else {
      state.push(null);
    }
  }
  return state;
}
"""

_GEOMETRY_JS = """
(el, before) => {
  const tol = 1;
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const fmt = (r) => `${Math.round(r.left)},${Math.round(r.top)} ` +
    `${Math.round(r.width)}x${Math.round(r.height)}`;
  const describe = (e) => {
    let text = e.tagName.toLowerCase();
    if (e.id) text += '#' + e.id;
    if (typeof e.className === 'string' && e.className.trim()) {
      text += '.' + e.className.trim().split(/\\s+/).join('.');
    }
    return text;
  };
  const problems = [];
  const r = el.getBoundingClientRect();
  if (r.width < 8 || r.height < 8) {
    problems.push(`it is ${Math.round(r.width)}x${Math.round(r.height)} px, too small to see`);
  }
  if (r.left < -tol || r.right > vw + tol) {
    problems.push(`it spans x ${Math.round(r.left)}..${Math.round(r.right)}, ` +
      `outside the viewport's 0..${vw}`);
  }
  // A field taller than the window (a long textarea) only needs its top in view.
  if (r.top < -tol || (r.bottom > vh + tol && r.height <= vh)) {
    problems.push(`it spans y ${Math.round(r.top)}..${Math.round(r.bottom)}, ` +
      `outside the viewport's 0..${vh}`);
  }
  let i = 0;
  for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.opacity === '0') problems.push(`${describe(a)} has opacity 0`);
    if (s.clip !== 'auto' && s.clip !== '' && s.position === 'absolute') {
      problems.push(`${describe(a)} is clipped to ${s.clip}`);
    }
    if (s.clipPath && s.clipPath !== 'none') {
      problems.push(`${describe(a)} has clip-path ${s.clipPath}`);
    }
    if (a !== el) {
      const saved = before[i++];
      if (saved && (saved[0] !== a.scrollLeft || saved[1] !== a.scrollTop)) {
        problems.push(`it was reached only by scrolling ${describe(a)} by script ` +
          `(overflow ${s.overflowX}/${s.overflowY}: a person cannot scroll it)`);
      }
      if ([s.overflowX, s.overflowY].some((v) => v !== 'visible')) {
        const c = a.getBoundingClientRect();
        if (r.left < c.left - tol || r.right > c.right + tol ||
            r.top < c.top - tol || r.bottom > c.bottom + tol) {
          problems.push(`it (${fmt(r)}) is clipped by ${describe(a)} ` +
            `(${fmt(c)}, overflow ${s.overflowX}/${s.overflowY})`);
        }
      }
    }
  }
  // What a click at the centre of the visible part would land on.
  const hits = (target, box) => {
    const x = (Math.max(box.left, 0) + Math.min(box.right, vw)) / 2;
    const y = (Math.max(box.top, 0) + Math.min(box.bottom, vh)) / 2;
    const hit = document.elementFromPoint(x, y);
    return [hit && (hit === target || target.contains(hit)), hit];
  };
  let [ok, hit] = hits(el, r);
  // A tick box or a file input may be drawn by its label; the label must then be hit.
  if (!ok && el.matches('input[type=checkbox], input[type=radio], input[type=file]')) {
    ok = Array.from(el.labels || []).some((label) => {
      if (hit && (hit === label || label.contains(hit))) return true;
      return hits(label, label.getBoundingClientRect())[0];
    });
  }
  if (!ok) {
    problems.push(`a click at its centre lands on ${hit ? describe(hit) : 'nothing'}`);
  }
  return problems;
}
"""

_FULL_PAGE_SIZE_JS = """
() => {
  const body = document.body, root = document.documentElement;
  if (!body || !root) return null;
  return {
    width: Math.max(body.scrollWidth, root.scrollWidth, body.offsetWidth, root.offsetWidth,
      body.clientWidth, root.clientWidth),
    height: Math.max(body.scrollHeight, root.scrollHeight, body.offsetHeight,
      root.offsetHeight, body.clientHeight, root.clientHeight),
  };
}
"""

_TAKES_CLICK_JS = """
(el) => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return Boolean(hit && (hit === el || el.contains(hit)));
}
"""

_NAME_JS = """
(el) => {
  const text = (e) => (e.textContent || '').replace(/\\s+/g, ' ').trim();
  const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
  return {
    isButton: el.matches('button, a[href], input[type=submit], input[type=button], ' +
      'input[type=reset], input[type=image], [role=button], [role=link]'),
    labels: Array.from(el.labels || []).map(text).filter(Boolean),
    labelledby: ids.map((id) => document.getElementById(id)).filter(Boolean)
      .map(text).filter(Boolean),
    ariaLabel: (el.getAttribute('aria-label') || '').trim(),
  };
}
"""


def assert_usable(locator: Locator, *, timeout: float | None = None) -> Locator:
    """Fail unless a person can see and use the one element `locator` finds: scrolled into
    view, it is visible, inside the viewport, not clipped or covered, enabled, and named by a
    <label>, aria-labelledby or aria-label (a button or link by its text). Returns it.
    `timeout` (ms) bounds the wait for it to become visible and enabled."""
    expect(locator).to_be_visible(timeout=timeout)
    before = locator.evaluate(_HIDDEN_SCROLL_STATE_JS)
    locator.scroll_into_view_if_needed(timeout=timeout)
    expect(locator).to_be_enabled(timeout=timeout)
    problems = locator.evaluate(_GEOMETRY_JS, before)
    naming = locator.evaluate(_NAME_JS)
    if not naming["isButton"] and not (
        naming["labels"] or naming["labelledby"] or naming["ariaLabel"]
    ):
        problems.append(
            "it has no label: no <label>, aria-labelledby or aria-label "
            "(a placeholder or title is not a label)"
        )
    if problems:
        raise AssertionError(f"{locator} is not usable by a person: " + "; ".join(problems))
    expect(locator).to_have_accessible_name(re.compile(r"\S"), timeout=timeout)
    return locator


def _field(scope: Page | Locator, label: str | re.Pattern | Locator, exact: bool) -> Locator:
    if isinstance(label, Locator):
        return label
    return scope.get_by_label(label, exact=exact)


def fill_visible(
    scope: Page | Locator, label: str | re.Pattern | Locator, value: str, *, exact: bool = False
) -> Locator:
    """Type `value` into the field labelled `label`, after assert_usable."""
    field = assert_usable(_field(scope, label, exact))
    field.fill(value)
    return field


def select_visible(
    scope: Page | Locator,
    label: str | re.Pattern | Locator,
    option: str | list[str],
    *,
    exact: bool = False,
) -> Locator:
    """Choose the option(s) whose visible text is `option` in the labelled <select>."""
    field = assert_usable(_field(scope, label, exact))
    field.select_option(label=option)
    return field


def check_visible(
    scope: Page | Locator,
    label: str | re.Pattern | Locator,
    *,
    checked: bool = True,
    exact: bool = False,
) -> Locator:
    """Tick (or, with checked=False, untick) the labelled checkbox or radio button."""
    field = assert_usable(_field(scope, label, exact))
    if field.is_checked() != checked:
        if field.evaluate(_TAKES_CLICK_JS):
            field.set_checked(checked)
        else:
            # Drawn by its label (a toggle button): a person clicks the label.
            field.evaluate_handle("(el) => el.labels[0]").as_element().click()
    expect(field).to_be_checked(checked=checked)
    return field


def upload_visible(
    scope: Page | Locator,
    label: str | re.Pattern | Locator,
    files,
    *,
    exact: bool = False,
) -> Locator:
    """Attach `files` (a path, a list of paths, or {"name", "mimeType", "buffer"} dicts)."""
    field = assert_usable(_field(scope, label, exact))
    field.set_input_files(files)
    return field


def click_visible(
    scope: Page | Locator,
    name: str | re.Pattern | Locator,
    *,
    role: str = "button",
    exact: bool = False,
) -> Locator:
    """Click the button (or, with role="link", the link) named `name`, after assert_usable."""
    target = name if isinstance(name, Locator) else scope.get_by_role(role, name=name, exact=exact)
    assert_usable(target)
    target.click()
    return target


# --- screenshots and axe ---------------------------------------------------------------


def _test_folder() -> str:
    """One folder per test, from pytest's PYTEST_CURRENT_TEST ("path::name[param] (call)")."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "outside-pytest")
    node = current.rsplit(" ", 1)[0]
    module, _, name = node.partition("::")
    label = f"{Path(module).stem}.{name}" if name else Path(module).stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-")


def save_screenshot(page: Page, name: str, *, viewport: dict | None = None) -> Path:
    """A full-page PNG at test-artifacts/screenshots/<test>/<NN>-<name>.png, NN counting the
    test's screenshots so the folder reads as the journey. The folder is emptied at the
    test's first screenshot, so it never mixes two runs. With `viewport`, the page is
    resized for the shot and restored after."""
    folder_name = _test_folder()
    folder = SCREENSHOT_DIR / folder_name
    if folder_name not in _steps:
        shutil.rmtree(folder, ignore_errors=True)
        _steps[folder_name] = 0
    _steps[folder_name] += 1
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    path = folder / f"{_steps[folder_name]:02d}-{slug}.png"
    original = page.viewport_size
    if viewport:
        _resize(page, viewport)
    try:
        _full_page_png(page, path)
    finally:
        if viewport and original:
            _resize(page, original)
    taken.append(path)
    return path


def _full_page_png(page: Page, path: Path) -> None:
    """The PNG `page.screenshot(full_page=True)` takes (the page measured as Playwright
    measures it, the same pixels but for a focused field's text cursor, which Playwright
    hides), asked of Chromium directly with its encoder set for speed: half the time, and
    the browser tests take hundreds. The files are about a quarter larger."""
    # After a click that navigates, the new page may still be loading: wait for it, and
    # measure only once it has a body (Playwright's screenshot waits for that too).
    page.wait_for_load_state()
    size = page.wait_for_function(_FULL_PAGE_SIZE_JS).json_value()
    session = page.context.new_cdp_session(page)
    try:
        shot = session.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "optimizeForSpeed": True,
                "clip": {"x": 0, "y": 0, "scale": 1, **size},
            },
        )
    finally:
        session.detach()
    path.write_bytes(base64.b64decode(shot["data"]))


def _resize(page: Page, viewport: dict) -> None:
    if page.viewport_size == viewport:
        return
    page.set_viewport_size(viewport)
    # Two frames: layout and ResizeObserver callbacks (charts) settle before we look.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def axe_violations(page: Page) -> list[dict]:
    """Run the vendored axe-core on the page as it is; every violation, all impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol rather than a <script> tag, so a
        # Content-Security-Policy without 'unsafe-inline' does not block the check. From
        # then on the context adds it to each page it opens, before the page's scripts:
        # that adds about 35 ms to a page load, where sending it again costs about 100.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        if page.context not in _axe_added:
            page.context.add_init_script(path=AXE_JS)
            _axe_added.add(page.context)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return result


def _describe(violation: dict) -> str:
    targets = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:8])
    more = len(violation["nodes"]) - 8
    if more > 0:
        targets += f" (+{more} more)"
    return f"{violation['id']} [{violation['impact']}] {violation['help']}: {targets}"


def assert_accessible(page: Page, name: str) -> None:
    """Fail listing every serious or critical axe-core violation on the page at 1366x900 and
    at 390x844 (rule, impact, help, target selectors). Saves a screenshot at each width
    (<NN>-<name>-1366.png, <NN>-<name>-390.png) and restores the viewport."""
    original = page.viewport_size
    failures = []
    try:
        for viewport in (WIDE, NARROW):
            _resize(page, viewport)
            save_screenshot(page, f"{name}-{viewport['width']}")
            for violation in axe_violations(page):
                if violation["impact"] in FAILING_IMPACTS:
                    failures.append(f"at {viewport['width']} px: {_describe(violation)}")
    finally:
        if original:
            _resize(page, original)
    if failures:
        raise AssertionError(
            f"{name} ({page.url}) has {len(failures)} serious or critical accessibility "
            "violation(s):\n  " + "\n  ".join(failures)
        )
