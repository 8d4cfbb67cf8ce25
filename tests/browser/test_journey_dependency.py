"""The dependency tracker in a real browser, on a phone: a manager logs a routine escalation,
the callback scanner reminds them, they open the reminder and record "solved alone" with one
button; the report shows it; the rep sees their own numbers.

Every page must load without a console error, a server error or a Content-Security-Policy
violation (the `page` fixture fails the test otherwise); each step leaves a screenshot in
test-artifacts/screenshots/.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.dependency.models import Escalation, Topic
from apps.dependency.services import callbacks_remind
from apps.tenancy.context import tenant_context
from tests.browser.conftest import assert_clean, snap
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, OrganizationFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def log_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("[name=username]").fill(email)
    page.locator("[name=password]").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(heading(page)).to_contain_text("Hello,")


def step(page: Page, name: str) -> None:
    page.wait_for_load_state("load")
    snap(page, name)
    assert_clean(page)


@pytest.fixture
def team(live_app):
    organization = OrganizationFactory(name="Phone Supply", slug="phone-supply")
    with tenant_context(organization):
        sales = TeamFactory(name="Sales", kind="sales")
        service = TeamFactory(name="Inside Sales", kind="inside_sales")
        sam = MembershipFactory(role="manager", team=sales, user__full_name="Sam Manager")
        riley = MembershipFactory(role="rep", team=sales, reports_to=sam,
                                  user__full_name="Riley Rep")  # fmt: skip
        Topic.objects.create(name="Pricing", handled_by_team=service,
                             how_to="Send the part numbers and quantities.")  # fmt: skip
    return organization, sam, riley


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_manager_lets_it_ring_and_records_solved_alone_on_a_phone(page: Page, team):
    organization, sam, riley = team
    slug = organization.slug

    # 1. The manager logs a routine escalation from their home page.
    log_in(page, sam.user.email)
    step(page, "01-manager-home")
    page.get_by_role("button", name="Log an escalation").click()  # a link styled as a button
    expect(heading(page)).to_have_text("Log an escalation")
    page.locator("[name=rep]").select_option(label="Riley Rep")
    page.locator("[name=topic]").select_option(label="Pricing")
    expect(page.locator("#topic-hint")).to_contain_text("Inside Sales")  # next time, call …
    expect(page.locator("input[name=urgency][value=routine]")).to_be_checked()
    step(page, "02-log-form")
    page.get_by_role("button", name="Log it").click()
    expect(page.locator(".flash-list")).to_contain_text("Let it ring")
    step(page, "03-logged")
    with tenant_context(organization):
        escalation = Escalation.objects.get()
        assert (escalation.rep_id, escalation.urgency) == (riley.pk, "routine")
        assert escalation.callback_due_at is not None

        # 2. The scanner runs (Celery beat does every minute), its clock past the callback.
        assert callbacks_remind(now=timezone.now() + dt.timedelta(days=8)) == 1

    # 3. The reminder waits in the notifications; opening it leads to the pre-filled page.
    page.reload()
    notifications = main_nav(page).get_by_role("link", name=re.compile(r"^Notifications"))
    expect(notifications.locator(".badge-count")).to_contain_text("1")
    notifications.click()
    reminder = page.locator(".notification-list li", has_text="Call Riley Rep back")
    expect(reminder).to_be_visible()
    step(page, "04-reminder")
    reminder.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**/{slug}/escalations/{escalation.pk}/callback/")
    expect(heading(page)).to_have_text("Call Riley Rep back")
    expect(page.locator("input[name=outcome][value=solved_alone]")).to_be_checked()
    step(page, "05-callback-page")

    # 4. One button records "solved alone".
    page.get_by_role("button", name="Record the outcome").click()
    page.wait_for_url(f"**/{slug}/escalations/{escalation.pk}/")
    expect(page.locator("dl.facts")).to_contain_text("Rep solved it alone")
    step(page, "06-recorded")
    with tenant_context(organization):
        escalation.refresh_from_db()
        assert escalation.outcome == "solved_alone"

    # 5. The team report shows it.
    main_nav(page).get_by_role("link", name="Reports", exact=True).click()
    page.wait_for_url(f"**/{slug}/reports/dependency/")
    row = page.locator("tr", has_text="Riley Rep").first
    expect(row.locator("td").nth(3)).to_contain_text("100% (1/1)")  # solved alone
    step(page, "07-report")

    # 6. The rep logs in (on the same phone) and sees their own numbers first.
    page.get_by_role("button", name="Log out").click()
    log_in(page, riley.user.email)
    main_nav(page).get_by_role("link", name="Reports", exact=True).click()
    page.wait_for_url(f"**/{slug}/reports/dependency/")
    expect(heading(page)).to_have_text("Your numbers")
    expect(page.locator(".lead")).to_contain_text("This month you solved 1 of 1 on your own.")
    expect(page.get_by_role("link", name="The team's report")).to_have_count(0)
    step(page, "08-rep-numbers")
