"""End-to-end fixtures: headless Debian Chromium driven by Playwright against `live_server`.

- `browser` (package): the system Chromium at /usr/bin/chromium; Playwright never downloads one.
- `page`: a fresh browser context at the `viewport` (desktop by default; parametrize
  `viewport` indirectly with "phone"). It records console errors, uncaught exceptions, server
  errors (5xx) and Content-Security-Policy violations, and fails the test at teardown if there
  were any.
  `assert_clean(page)` checks the same thing in the middle of a journey, step by step.
- `snap(page, name)`: a full-page screenshot in test-artifacts/screenshots/<test>-<name>.png.

Tests that use the live server need `@pytest.mark.django_db(transaction=True)`: the server
answers from another thread on its own database connection, so it sees committed rows only.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Assertions wait as long as actions do (15 s, below): on a loaded CI machine a page can take
# several seconds, and Playwright's default of 5 s for `expect` made journeys flaky there.
expect.set_options(timeout=15_000)

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here
ALLOW_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Collects `securitypolicyviolation` events of every document the page opens. Init scripts are
# added through the DevTools protocol, so the page's own CSP does not apply to them.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation({
    directive: event.effectiveDirective || event.violatedDirective,
    blockedURI: event.blockedURI,
    sourceFile: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    documentURI: event.documentURI,
  });
}, true);
"""


@dataclass
class PageProblems:
    """What went wrong in the browser while a test ran, with the page it happened on."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.console_errors or self.csp_violations)

    def report(self) -> str:
        lines = [f"console error: {line}" for line in self.console_errors]
        lines += [f"CSP violation: {line}" for line in self.csp_violations]
        return "\n".join(lines)

    def clear(self) -> None:
        self.console_errors.clear()
        self.csp_violations.clear()


@pytest.fixture(scope="package")
def browser():
    """Chromium, for the tests of this package (closed when the run leaves the package).

    While Playwright's sync API is started, its asyncio loop counts as running in the main
    thread, and Django refuses ORM calls there ("you cannot call this from an async context")
    unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The test bodies are synchronous, so the variable is
    set, but only while the browser is open: set for the whole session, it would leak into
    other tests (and into the subprocesses they start, where `check --deploy` rejects it).
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium with "
            "`apt-get update && apt-get install -y chromium` (or run scripts/ensure-services.sh "
            "as root)."
        )
    from playwright.sync_api import sync_playwright

    previous = os.environ.get(ALLOW_ASYNC_UNSAFE)
    os.environ[ALLOW_ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop(ALLOW_ASYNC_UNSAFE, None)
        else:
            os.environ[ALLOW_ASYNC_UNSAFE] = previous


@pytest.fixture
def viewport(request) -> str:
    """The viewport name: "desktop" unless a test parametrizes it (indirect=True)."""
    name = getattr(request, "param", "desktop")
    assert name in VIEWPORTS, f"unknown viewport {name!r}"
    return name


@pytest.fixture
def desktop() -> dict:
    return VIEWPORTS["desktop"]["viewport"]


@pytest.fixture
def phone() -> dict:
    return VIEWPORTS["phone"]["viewport"]


@pytest.fixture
def live_app(transactional_db, live_server):
    """The live server, for a test whose rows are committed (transaction=True).

    On PostgreSQL the server's connections run as the restricted application role, like the
    test's own (tests/conftest.py sets `assume_role` and flushes as the owner between tests).
    """
    return live_server


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


def open_recording_page(browser, base_url: str, viewport: str, problems: PageProblems):
    """A new page in its own browser context (cookies included) at `viewport`, recording
    console errors, uncaught exceptions, server errors and CSP violations into `problems`.
    Close it with `page.context.close()`."""
    context = browser.new_context(base_url=base_url, **VIEWPORTS[viewport])
    context.set_default_timeout(15_000)

    def on_csp_violation(source, violation):
        problems.csp_violations.append(
            f"{violation.get('directive')} blocked {violation.get('blockedURI') or 'inline'} "
            f"on {violation.get('documentURI')} "
            f"({violation.get('sourceFile') or ''}:{violation.get('line') or ''}) "
            f"{violation.get('sample') or ''}".strip()
        )

    context.expose_binding("__reportCspViolation", on_csp_violation)
    context.add_init_script(CSP_LISTENER)
    new_page = context.new_page()

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text:
            problems.csp_violations.append(f"{text} (on {new_page.url})")
        elif message.type == "error":
            location = message.location or {}
            problems.console_errors.append(
                f"{text} (on {new_page.url}, {location.get('url', '')}:"
                f"{location.get('lineNumber', '')})"
            )

    def on_response(response):
        if response.status >= 500 and response.request.resource_type in {
            "document",
            "fetch",
            "xhr",
        }:
            problems.console_errors.append(f"HTTP {response.status} from {response.url}")

    new_page.on("console", on_console)
    new_page.on("response", on_response)
    new_page.on("pageerror", lambda error: problems.console_errors.append(f"uncaught {error}"))
    new_page.problems = problems
    return new_page


@pytest.fixture
def page(browser, viewport, live_app, page_problems):
    """A new page in its own context (cookies included), recording problems as it goes."""
    new_page = open_recording_page(browser, live_app.url, viewport, page_problems)
    yield new_page
    new_page.context.close()
    assert not page_problems, f"The browser reported problems:\n{page_problems.report()}"


def assert_clean(page) -> None:
    """No console error and no CSP violation so far (checked after each step of a journey)."""
    problems: PageProblems = page.problems
    assert not problems, f"The browser reported problems at {page.url}:\n{problems.report()}"


def snap(page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<test name>-<name>.png."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "test").split(" ")[0]
    test_name = current.rsplit("::", 1)[-1].replace("[", "-").replace("]", "")
    filename = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{test_name}-{name}").strip("_") + ".png"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / filename
    page.screenshot(path=str(path), full_page=True)
    return path
