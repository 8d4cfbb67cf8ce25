"""Foundation journeys in a real browser: sign up, log in as every role, switch organisations.

Every page along the way must load without a console error, an uncaught exception, a server
error or a Content-Security-Policy violation (the `page` fixture fails the test otherwise), and
leaves a screenshot in test-artifacts/screenshots/.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.tenancy.context import tenant_context
from apps.tenancy.models import Team
from tests.browser.conftest import assert_clean, snap
from tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOTH_VIEWPORTS = pytest.mark.parametrize("viewport", ["desktop", "phone"], indirect=True)


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def follow(page: Page, link, url_pattern: str, step: str) -> None:
    """Click a link, wait for the page it leads to, check it is clean and screenshot it."""
    link.click()
    page.wait_for_url(url_pattern)
    page.wait_for_load_state("load")
    expect(heading(page)).to_be_visible()
    snap(page, step)
    assert_clean(page)


def log_in(page: Page, email: str, password: str = DEFAULT_PASSWORD, *, next_url: str = ""):
    page.goto("/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    expect(heading(page)).to_have_text("Log in")
    page.locator("[name=username]").fill(email)
    page.locator("[name=password]").fill(password)
    page.get_by_role("button", name="Log in").click()


@BOTH_VIEWPORTS
def test_a_visitor_signs_up_and_visits_every_foundation_page(page: Page):
    page.goto("/signup/")
    snap(page, "01-signup")
    assert_clean(page)

    page.locator("[name=full_name]").fill("Avery Founder")
    page.locator("[name=email]").fill("avery@founders.example.test")
    page.locator("[name=password]").fill("a long and unusual passphrase 42")
    page.locator("[name=organization_name]").fill("Founders Supply")
    page.locator("[name=slug]").fill("founders-supply")
    page.locator("[name=time_zone]").select_option("Europe/Paris")
    page.locator("form button[type=submit]").click()

    page.wait_for_url(re.compile(r"/founders-supply/$"))
    expect(heading(page)).to_have_text("Hello, Avery Founder")
    expect(page.locator(".badge-role-admin").first).to_be_attached()
    snap(page, "02-home-admin")
    assert_clean(page)

    nav = main_nav(page)
    follow(
        page,
        nav.get_by_role("link", name="Settings", exact=True),
        "**/founders-supply/settings/",
        "03-settings",
    )
    settings_nav = page.get_by_role("navigation", name="Settings")
    for step, (name, path) in enumerate(
        [
            ("Members", "members/"),
            ("Invitations", "invitations/"),
            ("Teams", "teams/"),
            ("Audit log", "audit/"),
            ("Organisation", ""),
        ],
        start=4,
    ):
        follow(
            page,
            settings_nav.get_by_role("link", name=name, exact=True),
            f"**/founders-supply/settings/{path}",
            f"{step:02d}-settings-{name.lower().replace(' ', '-')}",
        )

    follow(
        page,
        main_nav(page).get_by_role("link", name="Me", exact=True),
        "**/founders-supply/me/",
        "09-me",
    )
    me_nav = page.get_by_role("navigation", name="Your account")
    follow(
        page,
        me_nav.get_by_role("link", name="E-mail preferences"),
        "**/founders-supply/me/notifications/",
        "10-me-email-preferences",
    )
    follow(
        page,
        me_nav.get_by_role("link", name="API tokens"),
        "**/founders-supply/me/tokens/",
        "11-me-api-tokens",
    )
    follow(
        page,
        main_nav(page).get_by_role("link", name=re.compile(r"^Notifications")),
        "**/founders-supply/notifications/",
        "12-notifications",
    )
    follow(
        page,
        main_nav(page).get_by_role("link", name="Home", exact=True),
        "**/founders-supply/",
        "13-home",
    )


def _member(role: str, team_kind: str | None, name: str):
    team = TeamFactory(kind=team_kind) if team_kind else None
    return MembershipFactory(role=role, team=team, user__full_name=name)


ROLES = {
    "admin": ("admin", None, "Ada Admin"),
    "sales-manager": ("manager", Team.Kind.SALES, "Sam Sales-Manager"),
    "support-manager": ("manager", Team.Kind.CUSTOMER_SERVICE, "Dana Support-Manager"),
    "rep": ("rep", Team.Kind.SALES, "Riley Rep"),
    "support": ("support", Team.Kind.CUSTOMER_SERVICE, "Casey Support"),
}


@BOTH_VIEWPORTS
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_logs_in_and_lands_on_its_home(page: Page, role: str, viewport: str):
    organization = OrganizationFactory(name="Journey Outfitters", slug="journey-outfitters")
    with tenant_context(organization):
        role_name, team_kind, full_name = ROLES[role]
        member = _member(role_name, team_kind, full_name)

    log_in(page, member.user.email)

    page.wait_for_url(re.compile(r"/journey-outfitters/$"))
    expect(heading(page)).to_have_text(f"Hello, {full_name}")
    expect(page.locator(f".badge-role-{role_name}").first).to_be_attached()
    settings_link = main_nav(page).get_by_role("link", name="Settings", exact=True)
    expect(settings_link).to_have_count(1 if role_name == "admin" else 0)
    snap(page, "home")
    assert_clean(page)


def test_a_member_of_two_organisations_switches_between_them(page: Page):
    user = UserFactory(full_name="Morgan Both")
    first = OrganizationFactory(name="Alpha Distribution", slug="alpha-distribution")
    second = OrganizationFactory(name="Beta Wholesale", slug="beta-wholesale")
    with tenant_context(first):
        MembershipFactory(user=user, role="admin")
    with tenant_context(second):
        MembershipFactory(user=user, role="rep")

    log_in(page, user.email, next_url="/alpha-distribution/")
    page.wait_for_url(re.compile(r"/alpha-distribution/$"))
    expect(heading(page)).to_have_text("Hello, Morgan Both")
    snap(page, "01-alpha")
    assert_clean(page)

    switcher = page.locator("details.org-switcher")
    expect(switcher.locator("summary")).to_contain_text("Alpha Distribution")
    switcher.locator("summary").click()
    snap(page, "02-switcher-open")
    follow(
        page,
        switcher.get_by_role("link", name="Beta Wholesale"),
        "**/beta-wholesale/",
        "03-beta",
    )
    expect(heading(page)).to_have_text("Hello, Morgan Both")
    expect(page.locator(".badge-role-rep").first).to_be_attached()
    expect(main_nav(page).get_by_role("link", name="Settings", exact=True)).to_have_count(0)

    switcher = page.locator("details.org-switcher")
    expect(switcher.locator("summary")).to_contain_text("Beta Wholesale")
    switcher.locator("summary").click()
    follow(
        page,
        switcher.get_by_role("link", name="Alpha Distribution"),
        "**/alpha-distribution/",
        "04-back-to-alpha",
    )
    expect(main_nav(page).get_by_role("link", name="Settings", exact=True)).to_have_count(1)
