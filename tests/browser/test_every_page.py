"""Every HTML page of the application in a real browser, at desktop and phone sizes.

The list of pages comes from the URL patterns, like tests/core/test_url_sweep.py: every route is
either a page (`PAGES`: who opens it and how to fill in its parameters) or classified as
something else (`NOT_PAGES`: an action behind a button, a CSV export, an htmx fragment, JSON).
A new route fails `test_every_route_is_classified` until someone decides which it is, and the
classification itself is checked: what `NOT_PAGES` calls "not a page" must not answer a GET with
an HTML page.

Each page is opened on the demo data (`seed_demo`: months of kudos, letters, nominations and
escalations, so tables are full, as a customer's would be), as a role that may see it, in one
logged-in browser context per role. It is loaded once at desktop size (1280 px) and then looked
at again at phone size (390 px: CSS media queries follow the width without a reload, which
halves the time of the sweep). On each page:

- no console error, uncaught exception, server error or Content-Security-Policy violation;
- a non-empty <title>, exactly one <h1>, exactly one <main> landmark;
- every form control has an accessible name (a <label>, aria-label, aria-labelledby or title);
- no serious or critical axe-core violation (tests/browser/vendor/axe-core, MPL-2.0): every
  rule at desktop size, the rules that depend on the layout again at phone size;
- on a phone, nothing wider than the screen (document.scrollingElement.scrollWidth <= innerWidth).

All failures are collected and reported together, page by page. With SCREENSHOT_EVERY_PAGE=1, a
screenshot of each page at each size is saved in test-artifacts/screenshots/pages/.
"""

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Error as PlaywrightError

from apps.accounts.services import invitation_create
from apps.accounts.tokens import api_token_create
from apps.core.management.commands.seed_demo import DEMO_PASSWORD
from apps.dependency.models import CallImport, Escalation, Topic
from apps.notifications.services import notification_create, unsubscribe_token
from apps.recognition.models import Kudos, Letter, Value
from apps.recognition.nomination_models import Nomination, NominationLink
from apps.recognition.nomination_services import link_token
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Organization, Team
from tests.browser.conftest import SCREENSHOTS, VIEWPORTS, PageProblems, open_recording_page
from tests.core.test_url_sweep import ROUTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORG = "northwind"
# The demo logins (seed_demo), by role; "anonymous" is a visitor without an account.
LOGINS = {
    "admin": "admin@demo.salesculture.test",
    "sales-manager": "sam@demo.salesculture.test",
    "rep": "riley@demo.salesculture.test",
    "support": "casey@demo.salesculture.test",
    "support-manager": "dana@demo.salesculture.test",
}
ANONYMOUS = "anonymous"

# Route name -> the roles that open it in the sweep (each must be allowed to see it). Pages that
# look different per role are opened as several roles.
EVERYONE = ("admin", "sales-manager", "rep", "support", "support-manager")
PAGES = {
    # Public pages and the pages behind a secret in an e-mail or a shared link.
    "signup": (ANONYMOUS,),
    "login": (ANONYMOUS,),
    "password_reset": (ANONYMOUS,),
    "password_reset_done": (ANONYMOUS,),
    "password_reset_confirm": (ANONYMOUS,),
    "password_reset_complete": (ANONYMOUS,),
    "invitation_accept": (ANONYMOUS,),
    "unsubscribe": (ANONYMOUS,),
    "nomination_form": (ANONYMOUS,),
    "nomination_thanks": (ANONYMOUS,),
    # A logged-in person outside any organisation page.
    "organization_create": ("rep",),
    "password_change": ("rep",),
    "password_change_done": ("rep",),
    # The organisation's pages.
    "home": EVERYONE,
    "me_profile": ("rep",),
    "me_notification_preferences": ("support",),
    "me_tokens": ("admin",),
    "notifications": ("sales-manager",),
    "settings_organization": ("admin",),
    "settings_members": ("admin",),
    "settings_member_edit": ("admin",),
    "settings_invitations": ("admin",),
    "settings_teams": ("admin",),
    "settings_team_edit": ("admin",),
    "settings_audit": ("admin",),
    "settings_values": ("admin",),
    "settings_value_edit": ("admin",),
    "settings_topics": ("admin",),
    "settings_topic_edit": ("admin",),
    "kudos_wall": ("rep",),
    "kudos_new": ("rep",),
    "kudos_detail": ("rep",),
    "letters": ("support-manager",),
    "letter_new": ("rep",),
    "letter_detail": ("support-manager",),
    "team_recognition": ("support-manager",),
    "recognition_page": ("support",),
    "recognition_print": ("support",),
    "nomination_links": ("rep",),
    "nomination_link_detail": ("admin",),
    "nomination_moderation": ("admin",),
    "nomination_detail": ("admin",),
    "escalations": ("sales-manager",),
    "escalation_new": ("sales-manager", "rep"),
    "escalations_overdue": ("sales-manager",),
    "escalation_detail": ("sales-manager",),
    "escalation_callback": ("sales-manager",),
    "dependency_report": ("sales-manager", "rep"),
    "dependency_rep_report": ("sales-manager",),
    "who_to_call": ("support",),
    "detours": ("sales-manager",),
    "detour_new": ("rep",),
    "escalation_import": ("sales-manager",),
    "escalation_import_detail": ("sales-manager",),
}

# Route name -> why it is not an HTML page a person opens.
ACTION = "an action behind a button (POST only)"
EXPORT = "a file download"
FRAGMENT = "an htmx fragment inside another page"
API = "the JSON API (tests/core, schemathesis)"
NOT_PAGES = {
    "root": "redirects to the login page or the person's organisation",
    "health": "a JSON health check",
    "logout": ACTION,
    "api_docs": "third-party Swagger UI page (checked for console errors and CSP only)",
    "me_token_revoke": ACTION,
    "notifications_read_all": ACTION,
    "notification_open": ACTION,
    "settings_member_deactivate": ACTION,
    "settings_member_reactivate": ACTION,
    "settings_invitation_revoke": ACTION,
    "kudos_react": ACTION,
    "kudos_hide": ACTION,
    "nomination_link_revoke": ACTION,
    "nomination_moderate": ACTION,
    "letter_acknowledge": ACTION,
    "nomination_erase": ACTION,
    "nomination_delete": ACTION,
    "recognition_csv": EXPORT,
    "dependency_report_csv": EXPORT,
    "kudos_people_search": FRAGMENT,
    "kudos_wall_people": FRAGMENT,
    "escalation_topic_hint": FRAGMENT,
    "escalation_import_progress": FRAGMENT,
}
# Pages we do not write: only what the browser reports is checked there.
FOREIGN_PAGES = {"api_docs": ("rep",)}

# The JSON API has its own sweeps; of its routes, only the interactive documentation is a page.
SWEPT_ROUTES = [
    (route, name) for route, name in ROUTES if not route.startswith("api/") or name == "api_docs"
]
# Screenshots of every page (test-artifacts/screenshots/pages/) cost a third of the sweep's time,
# so they are taken on request: SCREENSHOT_EVERY_PAGE=1.
SCREENSHOTS_WANTED = os.environ.get("SCREENSHOT_EVERY_PAGE", "") == "1"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# Every rule runs on desktop; on a phone, the rules whose outcome depends on the layout.
PHONE_AXE_RULES = ["scrollable-region-focusable", "target-size", "meta-viewport", "region"]
AXE_RUN = """async (rules) => {
  const options = {resultTypes: ["violations"]};
  if (rules) options.runOnly = {type: "rule", values: rules};
  const result = await axe.run(document, options);
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "));
}"""
STRUCTURE = """() => {
  const text = (value) => (value || "").trim();
  const named = (el) => {
    if (text(el.getAttribute("aria-label")) || text(el.getAttribute("title"))) return true;
    const ids = text(el.getAttribute("aria-labelledby")).split(/\\s+/).filter(Boolean);
    if (ids.some((id) => text(document.getElementById(id)?.textContent))) return true;
    return [...(el.labels || [])].some((label) => text(label.textContent));
  };
  const skipped = new Set(["hidden", "submit", "button", "reset", "image"]);
  const unnamed = [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => !skipped.has((el.getAttribute("type") || "").toLowerCase()))
    .filter((el) => !named(el))
    .map((el) => el.outerHTML.slice(0, 140));
  return {
    title: text(document.title),
    h1: document.querySelectorAll("h1").length,
    main: document.querySelectorAll("main, [role=main]").length,
    unnamed,
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
  };
}"""


def test_every_route_is_classified():
    names = [name for _route, name in SWEPT_ROUTES]
    unclassified = sorted(set(names) - set(PAGES) - set(NOT_PAGES))
    assert unclassified == [], "add each new route to PAGES or NOT_PAGES"
    assert not set(PAGES) & set(NOT_PAGES)
    stale = sorted((set(PAGES) | set(NOT_PAGES)) - set(names))
    assert stale == [], "these names are no longer routed"
    for roles in PAGES.values():
        assert set(roles) <= {*LOGINS, ANONYMOUS}


@dataclass
class Demo:
    """The seeded demo: the path of every page the sweep opens (route name -> path), and the
    value of each URL parameter (an object of the demo each role may see)."""

    paths: dict[str, str]
    params: dict[str, object]

    def fill(self, route: str, **overrides) -> str:
        values = {**self.params, **overrides}
        return "/" + PARAM.sub(lambda match: str(values[match.group(1)]), route)


PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _demo_objects(people: dict[str, Membership]) -> dict[str, object]:
    """A demo row for each URL parameter, one the role opening the page may see."""
    admin, sam, riley = people["admin"], people["sales-manager"], people["rep"]
    dana = people["support-manager"]
    kudos = Kudos.objects.filter(visibility="organization").order_by("-created_at").first()
    pending_letter = Letter.objects.filter(addressed_to=dana, acknowledged_at__isnull=True).first()
    link = NominationLink.objects.order_by("pk").first()
    pending = Nomination.objects.filter(status="pending").first()
    callback = Escalation.objects.filter(
        manager=sam, callback_due_at__isnull=False, outcome=""
    ).first()
    assert all([kudos, pending_letter, link, pending, callback]), "the demo data changed"
    call_import = CallImport.objects.create(
        public_id=uuid.uuid4(), uploaded_by=sam, file="imports/demo.csv",
        original_name="phone-system-export.csv", status=CallImport.Status.DONE,
        total_bytes=2048, processed_bytes=2048, rows_read=12, escalations_created=9,
        callbacks_matched=2, duplicates=1, rejected=1,
        rejections=[{"line": 7, "reason": "bad_number", "column": "from", "value": "12"}],
        finished_at=timezone.now(),
    )  # fmt: skip
    invitation = invitation_create(actor=admin, email="new.rep@example.test", role="rep")
    notification = notification_create(recipient=admin, category="membership", title="Hello")
    return {
        "org_slug": ORG,
        "member_id": riley.pk,
        "team_id": Team.objects.first().pk,
        "value_id": Value.objects.first().pk,
        "topic_id": Topic.objects.first().pk,
        "kudos_id": kudos.pk,
        "letter_id": pending_letter.pk,
        "link_id": link.pk,
        "nomination_id": pending.pk,
        "escalation_id": callback.pk,
        "import_id": call_import.pk,
        "invitation_id": invitation.invitation.pk,
        "notification_id": notification.pk,
        "token_id": api_token_create(membership=admin, name="Sweep").token.pk,
        "emoji": "👏",
        # Secrets of the public pages: an invitation, an unsubscribe link, a nomination link.
        "invitation_token": invitation.url.rstrip("/").rsplit("/", 1)[-1],
        "unsubscribe_token": unsubscribe_token(membership=people["support"], category="kudos"),
        "link_token": link_token(link),
    }


TOKEN_PARAMS = {  # route name -> the secret its `token` parameter takes
    "invitation_accept": "invitation_token",
    "unsubscribe": "unsubscribe_token",
    "nomination_form": "link_token",
    "nomination_thanks": "link_token",
}


@pytest.fixture
def demo(live_app) -> Demo:
    call_command("seed_demo", quiet=True)
    organization = Organization.objects.get(slug=ORG)
    with tenant_context(organization):
        people = {
            role: Membership.objects.select_related("user").get(user__email=email)
            for role, email in LOGINS.items()
        }
        params = _demo_objects(people)
    riley = people["rep"].user
    params["uidb64"] = urlsafe_base64_encode(force_bytes(riley.pk))
    params["token"] = default_token_generator.make_token(riley)  # a password reset link
    demo = Demo(paths={}, params=params)
    own_page = {"member_id": people["support"].pk}  # a support person opens their own page
    overrides = {"recognition_page": own_page, "recognition_print": own_page}
    for route, name in SWEPT_ROUTES:
        if name in PAGES or name in FOREIGN_PAGES:
            if name in TOKEN_PARAMS:
                route = route.replace("<str:token>", f"<{TOKEN_PARAMS[name]}>")
            demo.paths[name] = demo.fill(route, **overrides.get(name, {}))
    return demo


def _log_in(page, role: str) -> None:
    if role == ANONYMOUS:
        return
    page.goto("/accounts/login/")
    page.locator("[name=username]").fill(LOGINS[role])
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _check_page(page, path: str, name: str, role: str) -> dict[str, list[str]]:
    """Open `path` at desktop size, then look at it at phone size; what is wrong at each."""
    problems: PageProblems = page.problems
    problems.clear()
    page.set_viewport_size(VIEWPORTS["desktop"]["viewport"])
    try:
        response = page.goto(path, wait_until="load")
    except PlaywrightError as error:  # an error status or a failed load
        return {"desktop": [f"did not load: {error.message.splitlines()[0]}"]}
    wrong = {"desktop": [], "phone": []}
    if response is None or response.status != 200:
        wrong["desktop"].append(f"answered {response.status if response else 'nothing'}")
    ours = name not in FOREIGN_PAGES
    for viewport in ("desktop", "phone"):
        if viewport == "phone":
            # The layout follows the width: CSS media queries apply without a reload.
            page.set_viewport_size(VIEWPORTS["phone"]["viewport"])
        if ours:
            wrong[viewport] += _page_faults(page, viewport)
        if SCREENSHOTS_WANTED:
            _screenshot(page, viewport, name, role)
    wrong["desktop"] += problems.report().splitlines()
    return wrong


def _page_faults(page, viewport: str) -> list[str]:
    facts = page.evaluate(STRUCTURE)
    wrong = []
    if viewport == "desktop":
        if not facts["title"]:
            wrong.append("no <title>")
        if facts["h1"] != 1:
            wrong.append(f"{facts['h1']} <h1> elements, expected one")
        if facts["main"] != 1:
            wrong.append(f"{facts['main']} <main> landmarks, expected one")
        wrong += [f"form control without a label: {html}" for html in facts["unnamed"]]
    elif not _fits_the_screen(page):
        facts = page.evaluate(STRUCTURE)
        wrong.append(f"wider than the phone: {facts['scrollWidth']}px > {facts['innerWidth']}px")
    rules = PHONE_AXE_RULES if viewport == "phone" else None
    return wrong + [f"axe {line}" for line in page.evaluate(AXE_RUN, rules)]


# Polls inside the page (Playwright's wait_for_function would compile the predicate with
# `new Function`, which the page's Content-Security-Policy rightly refuses).
FITS_THE_SCREEN = """async () => {
  const fits = () => document.scrollingElement.scrollWidth <= window.innerWidth;
  for (let tries = 0; tries < 50 && !fits(); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return fits();
}"""


def _fits_the_screen(page) -> bool:
    """Whether nothing is wider than the window, once the page has followed the new width
    (charts redraw from a ResizeObserver, a frame or two after the resize); at most 5 s."""
    return page.evaluate(FITS_THE_SCREEN)


def _screenshot(page, viewport: str, name: str, role: str) -> None:
    folder = SCREENSHOTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{viewport}-{name}-{role}.png"), full_page=True)


def test_every_page_is_clean_at_desktop_and_phone_sizes(browser, demo, live_app):
    visits: dict[str, list[tuple[str, str]]] = {}
    for name, roles in [*PAGES.items(), *FOREIGN_PAGES.items()]:
        for role in roles:
            visits.setdefault(role, []).append((name, demo.paths[name]))

    failures = []
    for role, pages in visits.items():
        page = open_recording_page(browser, live_app.url, "desktop", PageProblems())
        page.context.add_init_script(path=str(AXE))
        try:
            _log_in(page, role)
            for name, path in pages:
                for viewport, wrong in _check_page(page, path, name, role).items():
                    failures += [f"{name} ({path}) as {role} on {viewport}: {w}" for w in wrong]
            if role == "admin":
                failures += _misclassified(page, demo)
        finally:
            page.context.close()
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)


def _misclassified(page, demo: Demo) -> list[str]:
    """What NOT_PAGES calls "not a page" must not answer a plain GET with an HTML page."""
    wrong = []
    for route, name in SWEPT_ROUTES:
        if name not in NOT_PAGES or name in FOREIGN_PAGES:
            continue
        response = page.request.get(demo.fill(route), max_redirects=0)
        kind = response.headers.get("content-type", "")
        whole_document = "<html" in response.text()[:500].lower()  # not a fragment
        if response.status == 200 and kind.startswith("text/html") and whole_document:
            wrong.append(f"{name} is classified as {NOT_PAGES[name]!r} but GET shows a page")
    return wrong
