"""The recognition story in a real browser: a rep thanks two helpers and turns the kudos into a
letter; the helpers' manager acknowledges it; a helper sees kudos, letter and note on their
page. Then a customer's nomination is approved and shows on the nominee's page."""

import pytest
from playwright.sync_api import Page, expect

from apps.recognition.nomination_services import nomination_link_create, nomination_submit
from apps.tenancy.context import tenant_context
from tests.browser.conftest import assert_clean, snap
from tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    TeamFactory,
    send_kudos,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def northwind(live_app):
    organization = OrganizationFactory(name="Northwind Supply", slug="northwind")
    with tenant_context(organization):
        service = TeamFactory(name="Customer Service", kind="customer_service")
        dana = MembershipFactory(role="manager", team=service, user__full_name="Dana Manager")
        casey = MembershipFactory(role="support", team=service, reports_to=dana,
                                  user__full_name="Casey Helper")  # fmt: skip
        luis = MembershipFactory(role="support", team=service, reports_to=dana,
                                 user__full_name="Luis Helper")  # fmt: skip
        riley = MembershipFactory(role="rep", user__full_name="Riley Rep")
        admin = MembershipFactory(role="admin", user__full_name="Ada Admin")
    return {"org": organization, "dana": dana, "casey": casey, "luis": luis, "riley": riley,
            "admin": admin}  # fmt: skip


def log_in(page: Page, member) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("[name=username]").fill(member.user.email)
    page.locator("[name=password]").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/northwind/")


def test_kudos_become_a_letter_the_manager_acknowledges(page: Page, northwind):
    riley, casey = northwind["riley"], northwind["casey"]
    log_in(page, riley)

    # Riley thanks Casey (preselected from a link) and finds Luis by typing.
    page.goto(f"/northwind/kudos/new/?to={casey.pk}")
    expect(page.locator("#chosen-people")).to_contain_text("Casey Helper")
    page.locator("#people-q").fill("Luis")
    page.locator("#people-results").get_by_text("Luis Helper").click()
    expect(page.locator("#chosen-people")).to_contain_text("Luis Helper")
    page.get_by_label("Message").fill("You found the missing order and shipped it the same day.")
    snap(page, "01-compose")
    page.get_by_role("button", name="Send kudos").last.click()
    page.wait_for_url("**/kudos/*/")
    expect(page.get_by_text("Turn this into a thank-you letter to their manager")).to_be_visible()
    snap(page, "02-kudos-sent")
    assert_clean(page)

    # …and turns it into a letter to their manager, previewing it first.
    page.locator("a", has_text="Write the letter").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("Dear Dana Manager")).to_be_visible()
    snap(page, "03-letter-preview")
    page.get_by_role("button", name="Send the letter").click()
    assert_clean(page)

    # Dana acknowledges the letter with a note.
    log_in(page, northwind["dana"])
    page.goto("/northwind/letters/")
    page.locator("a", has_text="Acknowledge").first.click()
    page.get_by_label("Note").fill("Thank you both. I shared this with the whole team.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Thank you both. I shared this with the whole team.")).to_be_visible()
    snap(page, "04-acknowledged")
    assert_clean(page)

    # Casey sees the kudos, the letter and Dana's note on her recognition page.
    log_in(page, casey)
    page.goto(f"/northwind/people/{casey.pk}/recognition/")
    expect(page.get_by_text("You found the missing order").first).to_be_visible()
    expect(page.get_by_text("Thank you both. I shared this with the whole team.")).to_be_visible()
    snap(page, "05-recognition-page")
    assert_clean(page)


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_an_approved_customer_nomination_reaches_the_nominees_page(page: Page, northwind):
    casey = northwind["casey"]
    with tenant_context(northwind["org"]):
        link = nomination_link_create(creator=northwind["riley"], label="Bakery Ltd")
        nomination_submit(
            link=link, nominee=None, helper_description="The lady who answered on Tuesday",
            story="She found a spare part and we baked on Monday.", customer_role="buyer",
            consent=True,
        )  # fmt: skip
    log_in(page, northwind["admin"])
    page.goto("/northwind/nominations/moderation/")
    expect(page.get_by_text("She found a spare part")).to_be_visible()
    snap(page, "01-moderation-queue")
    # "I don't know their name": the moderator picks the member, then approves.
    page.locator("a", has_text="Pick the member").first.click()
    page.locator("select[name=nominee]").select_option(value=str(casey.pk))
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Nothing waits for moderation")).to_be_visible()
    snap(page, "02-approved")
    assert_clean(page)

    log_in(page, casey)
    page.goto(f"/northwind/people/{casey.pk}/recognition/")
    expect(page.get_by_text("She found a spare part and we baked on Monday.")).to_be_visible()
    snap(page, "03-nominee-page")
    assert_clean(page)


@pytest.mark.parametrize("viewport", ["desktop", "phone"], indirect=True)
def test_the_wall_filters_by_a_person_found_by_typing(page: Page, northwind):
    riley, casey, luis = northwind["riley"], northwind["casey"], northwind["luis"]
    with tenant_context(northwind["org"]):
        send_kudos(riley, [casey], message="Casey found the missing order.")
        send_kudos(riley, [luis], message="Luis fixed the invoice.")
    log_in(page, riley)
    page.goto("/northwind/kudos/")
    field = page.get_by_label("Person (type a name)")
    field.press_sequentially("help", delay=30)
    suggestions = page.locator("#wall-person-results")
    expect(suggestions).to_contain_text("2 people match “help”: pick one.")
    expect(suggestions.get_by_role("link", name="Casey Helper")).to_be_visible()
    snap(page, "01-suggestions")
    assert_clean(page)

    # The keyboard reaches the suggestions from the field; Enter follows one.
    field.press("ArrowDown")
    expect(suggestions.get_by_role("link").first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(suggestions.get_by_role("link", name="Luis Helper")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/kudos/?person={luis.pk}")
    expect(page.get_by_text("Luis fixed the invoice.")).to_be_visible()
    expect(page.get_by_text("Casey found the missing order.")).to_have_count(0)
    expect(field).to_have_value("Luis Helper")
    snap(page, "02-filtered")
    assert_clean(page)


def test_the_wall_person_filter_works_without_javascript(browser, live_app, northwind):
    riley, casey = northwind["riley"], northwind["casey"]
    with tenant_context(northwind["org"]):
        send_kudos(riley, [casey], message="Casey found the missing order.")
        send_kudos(riley, [northwind["luis"]], message="Luis fixed the invoice.")
    context = browser.new_context(base_url=live_app.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, riley)
        page.goto("/northwind/kudos/")
        page.get_by_label("Person (type a name)").fill("helper")
        page.get_by_role("button", name="Filter").click()
        # Several match: they are offered as links, nothing is filtered yet.
        expect(page.get_by_text("2 people match “helper”: pick one.")).to_be_visible()
        snap(page, "01-several-match")
        page.locator("#wall-person-results").get_by_role("link", name="Casey Helper").click()
        expect(page.get_by_text("Casey found the missing order.")).to_be_visible()
        expect(page.get_by_text("Luis fixed the invoice.")).to_have_count(0)
        # A name nobody has says so.
        page.get_by_label("Person (type a name)").fill("Zebedee")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_role("alert")).to_contain_text("Nobody in your organisation matches")
        snap(page, "02-nobody-matches")
    finally:
        context.close()
