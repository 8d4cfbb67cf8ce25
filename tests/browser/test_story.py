"""The whole story in one browser run, in order, through the pages people use (issue #7).

A founder signs up and sets up the organisation (time zone, callback delay, working hours, two
teams, a topic with its route, a value), invites a sales manager, a support manager, a rep and a
support person, who accept from the link in their e-mail. The rep thanks the support person and
turns the kudos into a letter to her manager, who acknowledges it. A customer nominates the
support person from a link on a phone; the founder approves it as moderator. The sales manager
logs a routine escalation, is reminded to call back (the callback scanner runs with its clock
past the callback time, as Celery beat would run it), records the outcome with one click and
reads the report. Finally the support person sees all of it on her recognition page.

Only what has no page is done in code: reading the e-mail outbox for the invitation links and
running the scanner. Every page must be free of console errors, server errors and CSP
violations (checked after each step); each step leaves test-artifacts/screenshots/story/NN-*.png.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from apps.dependency.models import Escalation
from apps.dependency.services import callbacks_remind
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Organization
from tests.browser.conftest import SCREENSHOTS, assert_clean, open_recording_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "lakeside"
PASSWORD = "a long and unusual passphrase 42"  # the test accounts of the story
FOUNDER = ("Avery Founder", "avery@lakeside.example.test")
SAM = ("Sam Seller", "sam@lakeside.example.test")  # sales manager
DANA = ("Dana Carer", "dana@lakeside.example.test")  # customer service manager
RILEY = ("Riley Rep", "riley@lakeside.example.test")
CASEY = ("Casey Helper", "casey@lakeside.example.test")
KUDOS = "You found the missing pallet and had it on a truck the same afternoon."
NOTE = "Thank you, Casey. I read this out at our Monday meeting."
STORY = "Our oven part was lost in transit. Casey found a spare and we baked on Monday."


class Story:
    """Numbered screenshots of one run, checked for browser problems at each step."""

    def __init__(self):
        self.number = 0
        self.folder = SCREENSHOTS / "story"
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    def step(self, page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        self.number += 1
        page.screenshot(path=str(self.folder / f"{self.number:02d}-{name}.png"), full_page=True)
        assert_clean(page)


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def settings_nav(page: Page):
    return page.get_by_role("navigation", name="Settings")


def log_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("[name=username]").fill(email)
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/{SLUG}/")


def invitation_path(email: str) -> str:
    """The link in the newest invitation e-mail to `email` (the only step without a page)."""
    message = [m for m in mail.outbox if email in m.to][-1]
    return re.search(r"/invitations/[^/\s]+/", message.body).group(0)


def invite(page: Page, story: Story, person: tuple[str, str], role: str, team: str,
           reports_to: str | None = None) -> None:  # fmt: skip
    settings_nav(page).get_by_role("link", name="Invitations", exact=True).click()
    page.get_by_label("E-mail address").fill(person[1])
    page.get_by_label("Role").select_option(label=role)
    page.get_by_label("Team").select_option(label=team)
    if reports_to:
        page.get_by_label("Reports to").select_option(label=reports_to)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("tr", has_text=person[1])).to_contain_text("Pending")


def accept(page: Page, story: Story, person: tuple[str, str], step: str) -> None:
    """The invitee opens the link from the e-mail, chooses a password and lands in the app."""
    page.context.clear_cookies()
    page.goto(invitation_path(person[1]))
    expect(heading(page)).to_have_text("Join Lakeside Supply")
    page.get_by_label("Your name").fill(person[0])
    page.get_by_label("Choose a password").fill(PASSWORD)
    story.step(page, step)
    page.get_by_role("button", name="Create my account and join").click()
    page.wait_for_url(f"**/{SLUG}/")
    expect(heading(page)).to_have_text(f"Hello, {person[0]}")


def test_the_whole_story(page: Page, browser, live_app):
    story = Story()

    # 1. Avery signs up and creates the organisation.
    page.goto("/signup/")
    page.get_by_label("Your name").fill(FOUNDER[0])
    page.get_by_label("Work e-mail").fill(FOUNDER[1])
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_label("Organisation name").fill("Lakeside Supply")
    page.locator("[name=slug]").fill(SLUG)
    story.step(page, "signup")
    page.get_by_role("button", name="Create organisation").click()
    page.wait_for_url(f"**/{SLUG}/")
    expect(heading(page)).to_have_text(f"Hello, {FOUNDER[0]}")
    story.step(page, "founder-home")

    # 2. Settings: time zone, a 45-minute callback delay, working hours.
    main_nav(page).get_by_role("link", name="Settings", exact=True).click()
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("Callback delay (minutes)").fill("45")
    page.get_by_label("Working day starts").fill("07:30")
    page.get_by_label("Working day ends").fill("18:00")
    page.get_by_label("Working days").fill("12345")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash-list")).to_be_visible()
    story.step(page, "organisation-settings")
    organization = Organization.objects.get(slug=SLUG)
    assert organization.time_zone == "America/Chicago"
    assert organization.callback_delay_minutes == 45

    # 3. Two teams, a value, and a topic routed to customer service.
    settings_nav(page).get_by_role("link", name="Teams", exact=True).click()
    for name, kind in (("Sales", "Sales"), ("Customer Service", "Customer service")):
        page.get_by_label("Name").fill(name)
        page.get_by_label("Kind").select_option(label=kind)
        page.get_by_role("button", name="Create team").click()
        expect(page.locator("table")).to_contain_text(name)
    story.step(page, "teams")
    settings_nav(page).get_by_role("link", name="Values", exact=True).click()
    page.get_by_label("Name").fill("Fast fix")
    page.get_by_role("button", name="Add value").click()
    expect(page.get_by_text("Fast fix").first).to_be_visible()
    story.step(page, "values")
    settings_nav(page).get_by_role("link", name="Topics", exact=True).click()
    page.get_by_role("textbox", name="Topic").fill("Lost shipment")
    page.locator("[name=handled_by_team]").select_option(label="Customer Service")
    page.locator("[name=how_to]").fill("Send the order number; customer service traces it.")
    page.get_by_role("button", name="Add topic").click()
    expect(page.locator("table")).to_contain_text("Lost shipment")
    story.step(page, "topics")

    # 4. Avery invites the two managers, then the people who report to them.
    invite(page, story, SAM, "Manager", "Sales")
    invite(page, story, DANA, "Manager", "Customer Service")
    story.step(page, "managers-invited")
    accept(page, story, SAM, "sam-accepts")
    accept(page, story, DANA, "dana-accepts")
    log_in(page, FOUNDER[1])
    main_nav(page).get_by_role("link", name="Settings", exact=True).click()
    invite(page, story, RILEY, "Sales rep", "Sales", reports_to=SAM[0])
    invite(page, story, CASEY, "Support staff", "Customer Service", reports_to=DANA[0])
    story.step(page, "team-invited")
    accept(page, story, RILEY, "riley-accepts")
    accept(page, story, CASEY, "casey-accepts")

    # 5. Riley thanks Casey, with a value, and turns the kudos into a letter to Dana.
    log_in(page, RILEY[1])
    main_nav(page).get_by_role("link", name="Send kudos").click()
    page.locator("#people-q").fill("Casey")
    page.locator("#people-results").get_by_text(CASEY[0]).click()
    expect(page.locator("#chosen-people")).to_contain_text(CASEY[0])
    page.get_by_label("Fast fix").check()
    page.get_by_label("Message").fill(KUDOS)
    story.step(page, "kudos-compose")
    page.get_by_role("button", name="Send kudos").last.click()
    page.wait_for_url("**/kudos/*/")
    story.step(page, "kudos-sent")
    page.get_by_role("button", name="Write the letter").click()  # a link styled as a button
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text(f"To {DANA[0]}")).to_be_visible()
    story.step(page, "letter-preview")
    page.get_by_role("button", name="Send the letter").click()
    expect(page.locator(".flash-list")).to_be_visible()
    story.step(page, "letter-sent")

    # 6. Dana acknowledges the letter with a note Casey will see.
    log_in(page, DANA[1])
    main_nav(page).get_by_role("link", name="Recognition", exact=True).click()
    page.get_by_role("link", name="Letters").first.click()
    page.locator("a", has_text="Acknowledge").first.click()
    page.get_by_label("Note").fill(NOTE)
    story.step(page, "letter-to-acknowledge")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_text(NOTE)).to_be_visible()
    story.step(page, "letter-acknowledged")

    # 7. Riley makes a nomination link for a customer…
    log_in(page, RILEY[1])
    main_nav(page).get_by_role("link", name="Recognition", exact=True).click()
    page.get_by_role("link", name="Customer links").first.click()
    page.get_by_label("Label").fill("Harbor Bakery")
    page.get_by_role("button", name="Create link").click()
    link_url = page.locator("#link-url").input_value()
    story.step(page, "nomination-link")

    # …who opens it on a phone, without an account, and nominates Casey.
    customer = open_recording_page(browser, live_app.url, "phone", page.problems)
    try:
        customer.goto(link_url.replace("http://127.0.0.1:8000", live_app.url))
        expect(heading(customer)).to_contain_text("Lakeside Supply")
        helper = customer.get_by_label("Who helped you?")
        casey = helper.locator("option", has_text="Casey").first.get_attribute("value")
        helper.select_option(value=casey)
        customer.get_by_label("What did they do for you?").fill(STORY)
        customer.get_by_label("Manager or owner").check()
        customer.get_by_label("Your name").fill("Robin Baker")
        customer.get_by_label("Your company").fill("Harbor Bakery")
        customer.locator("[name=consent]").check()
        story.step(customer, "customer-nominates-on-a-phone")
        customer.get_by_role("button", name="Send my nomination").click()
        customer.wait_for_url("**/thanks/")
        story.step(customer, "customer-thanked")
    finally:
        customer.context.close()

    # 8. Avery approves it in the moderation queue.
    log_in(page, FOUNDER[1])
    main_nav(page).get_by_role("link", name="Recognition", exact=True).click()
    page.get_by_role("link", name="Moderation").first.click()
    expect(page.get_by_text(STORY)).to_be_visible()
    story.step(page, "moderation-queue")
    page.get_by_role("button", name="Approve").first.click()
    expect(page.get_by_text("Nothing waits for moderation")).to_be_visible()
    story.step(page, "nomination-approved")

    # 9. Sam logs a routine escalation from Riley: let it ring.
    log_in(page, SAM[1])
    page.get_by_role("button", name="Log an escalation").click()  # a link styled as a button
    page.locator("[name=rep]").select_option(label=RILEY[0])
    page.locator("[name=topic]").select_option(label="Lost shipment")
    expect(page.locator("#topic-hint")).to_contain_text("Customer Service")
    expect(page.locator("input[name=urgency][value=routine]")).to_be_checked()
    story.step(page, "log-escalation")
    page.get_by_role("button", name="Log it").click()
    expect(page.locator(".flash-list")).to_contain_text("Let it ring")
    story.step(page, "escalation-logged")

    # 10. The callback scanner runs (beat does every minute) with its clock past the callback.
    with tenant_context(organization):
        escalation = Escalation.objects.get()
        # The callback falls inside the working hours set in step 2, in the organisation's zone.
        due = escalation.callback_due_at.astimezone(ZoneInfo("America/Chicago"))
        assert due.isoweekday() <= 5, due
        assert dt.time(7, 30) <= due.time() <= dt.time(18, 0), due
        assert callbacks_remind(now=escalation.callback_due_at) == 1

    # 11. Sam opens the reminder and records "solved alone" with one click.
    page.reload()
    notifications = main_nav(page).get_by_role("link", name=re.compile(r"^Notifications"))
    expect(notifications.locator(".badge-count")).to_be_visible()  # unread, the reminder too
    notifications.click()
    reminder = page.locator(".notification-list li", has_text=f"Call {RILEY[0]} back")
    expect(reminder).to_be_visible()
    story.step(page, "callback-reminder")
    reminder.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**/{SLUG}/escalations/{escalation.pk}/callback/")
    expect(page.locator("input[name=outcome][value=solved_alone]")).to_be_checked()
    story.step(page, "callback-page")
    page.get_by_role("button", name="Record the outcome").click()
    page.wait_for_url(f"**/{SLUG}/escalations/{escalation.pk}/")
    expect(page.locator("dl.facts")).to_contain_text("Rep solved it alone")
    story.step(page, "outcome-recorded")

    # 12. The report shows it.
    main_nav(page).get_by_role("link", name="Reports", exact=True).click()
    row = page.locator("tr", has_text=RILEY[0]).first
    expect(row).to_contain_text("100% (1/1)")
    story.step(page, "report")

    # 13. Casey sees the kudos, Dana's note and the customer's story on her page.
    log_in(page, CASEY[1])
    main_nav(page).get_by_role("link", name="Recognition", exact=True).click()
    page.get_by_role("link", name="My recognition").first.click()
    expect(page.get_by_text(KUDOS).first).to_be_visible()
    expect(page.get_by_text(NOTE)).to_be_visible()
    expect(page.get_by_text(STORY)).to_be_visible()
    # The customer agreed to be named with their words.
    expect(page.locator("li", has_text=STORY)).to_contain_text("Robin Baker, Harbor Bakery")
    story.step(page, "casey-recognition")
