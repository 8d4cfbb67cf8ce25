"""Moderation of customer nominations: who moderates, the queue, approving (with the member
picked for "I don't know their name"), rejecting, spam, erasing the customer's details and
deleting, the audit trail, what approval tells people, and where the customer's e-mail shows
(only to moderators)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.notifications.models import Notification, OutboundEmail
from apps.recognition import nomination_selectors as selectors
from apps.recognition.nomination_models import Nomination
from apps.recognition.nomination_services import (
    ALREADY_MODERATED,
    APPROVE_NEEDS_NOMINEE,
    nomination_link_create,
    nomination_moderate,
)
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Organization
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

CUSTOMER_EMAIL = "pat.buyer@customer.test"


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def dana(org):
    """Manages customer service."""
    team = TeamFactory(name="Customer Service", kind="customer_service")
    return MembershipFactory(role="manager", team=team, user__full_name="Dana Support-Lead")


@pytest.fixture
def casey(dana):
    return MembershipFactory(
        role="support", team=dana.team, reports_to=dana, user__full_name="Casey Helper"
    )


@pytest.fixture
def riley(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


@pytest.fixture
def link(riley):
    return nomination_link_create(creator=riley, label="Acme rollout")


def nominate(link, nominee=None, **fields):
    """A nomination as the public form records it (pending moderation)."""
    defaults = {
        "story": "Casey found our lost pallet\nand drove it over herself.",
        "customer_role": Nomination.CustomerRole.BUYER,
        "customer_name": "Pat Buyer",
        "customer_company": "Acme Corp",
        "customer_email": CUSTOMER_EMAIL,
        "consent": True,
        "helper_description": "" if nominee else "The tall one on the phone on Tuesday",
    }
    return Nomination.objects.create(
        link=link, collected_by_id=link.created_by_id, nominee=nominee, **{**defaults, **fields}
    )


def set_managers_can_moderate(org, allowed: bool) -> None:
    Organization.objects.filter(pk=org.pk).update(managers_can_moderate=allowed)


# --- Who moderates -----------------------------------------------------------------------------


def test_admins_and_managers_moderate_unless_the_setting_is_off(org, admin, dana, casey, riley,
                                                                link, client_for):  # fmt: skip
    nomination = nominate(link, casey)
    pages = [url("nomination_moderation", org),
             url("nomination_detail", org, nomination_id=nomination.pk)]  # fmt: skip
    for member in (admin, dana):
        for page in pages:
            assert client_for(member).get(page).status_code == 200, (member.role, page)
    set_managers_can_moderate(org, False)
    for page in pages:
        assert client_for(dana).get(page).status_code == 403
        assert client_for(admin).get(page).status_code == 200


ACTIONS = [
    ("nomination_moderate", {"decision": "approved"}),
    ("nomination_moderate", {"decision": "spam"}),
    ("nomination_erase", {}),
    ("nomination_delete", {}),
]


@pytest.mark.parametrize("role", ["rep", "support", "manager-not-allowed"])
def test_everyone_else_gets_403_on_every_page_and_action_and_nothing_changes(
    org, role, casey, link, client_for
):
    nomination = nominate(link, casey)
    if role == "manager-not-allowed":
        set_managers_can_moderate(org, False)
    member = MembershipFactory(role=role.split("-")[0])
    client = client_for(member)
    assert client.get(url("nomination_moderation", org)).status_code == 403
    assert client.get(url("nomination_detail", org, nomination_id=nomination.pk)).status_code == 403
    for name, data in ACTIONS:
        response = client.post(url(name, org, nomination_id=nomination.pk), data)
        assert response.status_code == 403, name
    nomination.refresh_from_db()
    assert (nomination.status, nomination.customer_email) == ("pending", CUSTOMER_EMAIL)
    assert not AuditEvent.objects.filter(action__startswith="nomination.").exists()


def test_the_collector_of_a_nomination_cannot_moderate_it_either(org, riley, casey, link,
                                                                 client_for):  # fmt: skip
    nomination = nominate(link, casey)
    response = client_for(riley).post(
        url("nomination_moderate", org, nomination_id=nomination.pk), {"decision": "approved"}
    )
    assert response.status_code == 403


def test_the_outsider_gets_404_on_our_pages_and_our_nominations(org, admin, casey, link, outsider,
                                                                client_for):  # fmt: skip
    nomination = nominate(link, casey)
    charlie = client_for(outsider)
    # Our organisation's pages: he is no member (404, nothing confirmed).
    assert charlie.get(url("nomination_moderation", org)).status_code == 404
    assert (
        charlie.get(url("nomination_detail", org, nomination_id=nomination.pk)).status_code == 404
    )
    # Our nomination through his own organisation, where he is an admin: 404 too.
    theirs = outsider.organization
    assert charlie.get(url("nomination_moderation", theirs)).status_code == 200
    assert (
        charlie.get(url("nomination_detail", theirs, nomination_id=nomination.pk)).status_code
        == 404
    )
    for name, data in ACTIONS:
        response = charlie.post(url(name, theirs, nomination_id=nomination.pk), data)
        assert response.status_code == 404, name
    nomination.refresh_from_db()
    assert nomination.status == "pending"
    assert CUSTOMER_EMAIL not in charlie.get(url("nomination_moderation", theirs)).content.decode()


def test_actions_are_post_only(org, admin, casey, link, client_for):
    nomination = nominate(link, casey)
    for name, _data in ACTIONS:
        response = client_for(admin).get(url(name, org, nomination_id=nomination.pk))
        assert response.status_code == 405
    nomination.refresh_from_db()
    assert nomination.status == "pending"


# --- The queue ---------------------------------------------------------------------------------


def test_the_queue_lists_pending_nominations_newest_first_with_everything_a_moderator_needs(
    org, admin, casey, link, riley, client_for
):
    older = nominate(link, casey, story="The older story")
    unknown = nominate(link, None, story="The newer story", customer_role="site_contact")
    decided = nominate(link, casey, story="An approved one")
    nomination_moderate(nomination=decided, actor=admin, decision="approved")

    html = client_for(admin).get(url("nomination_moderation", org)).content.decode()
    assert html.index("The newer story") < html.index("The older story")
    assert "An approved one" not in html
    assert "The tall one on the phone on Tuesday" in html  # the description of the unknown
    assert "(site contact)" in html
    assert "Pat Buyer" in html
    assert "Acme Corp" in html
    assert CUSTOMER_EMAIL in html
    assert "Acme rollout" in html
    assert "Riley Rep" in html
    assert f"nominations/{unknown.pk}/#moderate" in html  # pick the member before approving
    assert html.count('data-confirm="') >= 4  # reject and spam on both pending ones
    assert html.index(f'id="nomination-{unknown.pk}"') < html.index(f'id="nomination-{older.pk}"')


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", ["pending"]), ("?status=approved", ["approved"]), ("?status=spam", ["spam"]),
     ("?status=all", ["pending", "approved", "spam"]), ("?status=nonsense", ["pending"])],
)  # fmt: skip
def test_the_queue_filters_by_status(org, admin, casey, link, client_for, query, expected):
    for status in ("pending", "approved", "spam"):
        nomination = nominate(link, casey, story=f"Story {status}")
        if status != "pending":
            nomination_moderate(nomination=nomination, actor=admin, decision=status)
    response = client_for(admin).get(url("nomination_moderation", org) + query)
    assert response.status_code == 200
    html = response.content.decode()
    for status in ("pending", "approved", "spam"):
        assert (f"Story {status}" in html) == (status in expected), status


def test_the_story_is_shown_as_text_with_its_line_breaks(org, admin, casey, link, client_for):
    nomination = nominate(
        link, casey, story='<script>alert("x")</script> <b>bold</b>\nSecond line',
        customer_name="<i>Pat</i>",
    )  # fmt: skip
    for page in (url("nomination_moderation", org),
                 url("nomination_detail", org, nomination_id=nomination.pk)):  # fmt: skip
        html = client_for(admin).get(page).content.decode()
        assert "<script>alert" not in html
        assert "<b>bold</b>" not in html
        assert (
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;<br>" in html
        )
        assert "&lt;i&gt;Pat&lt;/i&gt;" in html


def test_the_queue_costs_the_same_queries_with_many_nominations(org, admin, dana, casey, link,
                                                                client_for):  # fmt: skip
    client = client_for(dana)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url("nomination_moderation", org))
        assert response.status_code == 200
        return len(context.captured_queries)

    nominate(link, casey)
    nominate(link, None)
    few = queries()
    other_link = nomination_link_create(creator=dana, label="Globex")
    for i in range(60):
        nominate(other_link if i % 2 else link, casey if i % 3 else None, story=f"Story {i}")
    # Session, user, membership (middleware); can_moderate (the organisation's setting, for a
    # manager); the counts per status (one aggregate); the page's count; the page's rows with
    # their link, nominee, team, collector and moderator (one query).
    assert queries() == few


# --- Approving ---------------------------------------------------------------------------------


def test_approving_notifies_the_nominee_their_manager_and_the_collector_and_is_audited(
    org, admin, dana, casey, riley, link, client_for, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    nomination = nominate(link, casey)
    queue = url("nomination_moderation", org)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            url("nomination_moderate", org, nomination_id=nomination.pk),
            {"decision": "approved", "next": queue},
        )
    assert response.status_code == 302
    assert response["Location"] == queue
    nomination.refresh_from_db()
    assert (nomination.status, nomination.moderated_by, nomination.nominee) == (
        "approved", admin, casey,
    )  # fmt: skip
    event = AuditEvent.objects.get(action="nomination.approved")
    assert (event.actor, event.object_id, event.changes) == (
        admin, str(nomination.pk), {"nominee": casey.pk},
    )  # fmt: skip
    # The nominee, their manager (with a letter by e-mail) and the rep who shared the link.
    assert Notification.objects.filter(recipient=casey, category="nominations").exists()
    assert Notification.objects.filter(recipient=dana, category="nominations").exists()
    assert Notification.objects.filter(recipient=riley, category="nominations").exists()
    email = OutboundEmail.objects.get(recipient=dana, category="nominations")
    assert email.to_address == dana.user.email
    assert "Dear Dana Support-Lead" in email.body_text
    assert "Casey found our lost pallet" in email.body_text
    assert [m.to for m in mailoutbox] == [[dana.user.email]]
    # Credited: one nomination collected; on Casey's record: one approved nomination.
    assert selectors.nominations_collected_count(riley) == 1
    assert list(selectors.approved_nominations_for(casey)) == [nomination]
    assert list(selectors.approved_nominations_for_wall()) == [nomination]


def test_the_waiting_notices_of_every_moderator_are_settled_once_the_queue_is_empty(
    org, admin, dana, casey, link
):
    second_admin = MembershipFactory(role="admin", user__full_name="Bo Second-Admin")
    first, second = nominate(link, casey), nominate(link, casey)
    for _submitted in (first, second):  # what the public form tells each moderator
        for moderator in (admin, dana, second_admin):
            Notification.objects.create(
                recipient=moderator, category="nominations",
                title="A customer nomination is waiting for moderation",
                url=url("nomination_moderation", org),
            )  # fmt: skip
    kudos_notice = Notification.objects.create(recipient=admin, category="kudos", title="Kudos")

    def unread_waiting(member):
        return Notification.objects.filter(
            recipient=member, category="nominations", read_at__isnull=True,
            url=url("nomination_moderation", org),
        ).count()  # fmt: skip

    nomination_moderate(nomination=first, actor=admin, decision="approved")
    # One still waits: the notices stay new for everyone.
    assert [unread_waiting(m) for m in (admin, dana, second_admin)] == [2, 2, 2]
    nomination_moderate(nomination=second, actor=admin, decision="spam")
    assert [unread_waiting(m) for m in (admin, dana, second_admin)] == [0, 0, 0]
    kudos_notice.refresh_from_db()
    assert kudos_notice.read_at is None  # other news is left alone
    # Casey's own "a customer nominated you" notice stays new too.
    assert Notification.objects.filter(recipient=casey, read_at__isnull=True).exists()


def test_a_nomination_nobody_could_name_is_refused_until_a_member_is_picked(
    org, admin, casey, link, client_for
):
    nomination = nominate(link, None)
    client = client_for(admin)
    moderate = url("nomination_moderate", org, nomination_id=nomination.pk)
    response = client.post(moderate, {"decision": "approved"})
    assert response.status_code == 200
    assert APPROVE_NEEDS_NOMINEE in response.content.decode()
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee) == ("pending", None)
    assert not AuditEvent.objects.filter(action="nomination.approved").exists()
    assert not Notification.objects.filter(category="nominations", recipient=casey).exists()


def test_a_moderator_picks_the_member_from_a_select_of_active_members(
    org, admin, casey, link, client_for
):
    gone = MembershipFactory(role="support", is_active=False, user__full_name="Gone Person")
    nomination = nominate(link, None)
    client = client_for(admin)
    page = client.get(url("nomination_detail", org, nomination_id=nomination.pk)).content.decode()
    assert '<select name="nominee"' in page
    assert f'<option value="{casey.pk}">Casey Helper (Customer Service)</option>' in page
    assert "Gone Person" not in page
    response = client.post(
        url("nomination_moderate", org, nomination_id=nomination.pk),
        {"decision": "approved", "nominee": casey.pk},
    )
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee) == ("approved", casey)
    assert Notification.objects.filter(recipient=casey, category="nominations").exists()
    # A deactivated member cannot be picked.
    other = nominate(link, None)
    response = client.post(
        url("nomination_moderate", org, nomination_id=other.pk),
        {"decision": "approved", "nominee": gone.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    other.refresh_from_db()
    assert other.status == "pending"


def test_a_member_of_another_organisation_cannot_be_picked(org, admin, link, outsider,
                                                           client_for):  # fmt: skip
    nomination = nominate(link, None)
    response = client_for(admin).post(
        url("nomination_moderate", org, nomination_id=nomination.pk),
        {"decision": "approved", "nominee": outsider.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee) == ("pending", None)


def test_a_nomination_already_moderated_is_refused(org, admin, dana, casey, link, client_for):
    nomination = nominate(link, casey)
    nomination_moderate(nomination=nomination, actor=dana, decision="rejected")
    response = client_for(admin).post(
        url("nomination_moderate", org, nomination_id=nomination.pk), {"decision": "approved"}
    )
    assert response.status_code == 200
    assert ALREADY_MODERATED in response.content.decode()
    nomination.refresh_from_db()
    assert (nomination.status, nomination.moderated_by) == ("rejected", dana)
    assert not AuditEvent.objects.filter(action="nomination.approved").exists()


def test_a_bad_decision_is_a_form_error(org, admin, casey, link, client_for):
    nomination = nominate(link, casey)
    response = client_for(admin).post(
        url("nomination_moderate", org, nomination_id=nomination.pk), {"decision": "pending"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    nomination.refresh_from_db()
    assert nomination.status == "pending"


@pytest.mark.parametrize("decision", ["rejected", "spam"])
def test_rejecting_or_marking_spam_tells_nobody_and_is_audited(org, dana, casey, link, decision,
                                                               client_for):  # fmt: skip
    nomination = nominate(link, casey)
    response = client_for(dana).post(
        url("nomination_moderate", org, nomination_id=nomination.pk), {"decision": decision}
    )
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.status, nomination.moderated_by) == (decision, dana)
    assert AuditEvent.objects.get(action=f"nomination.{decision}").actor == dana
    assert not Notification.objects.filter(recipient=casey).exists()
    assert not OutboundEmail.objects.exists()
    assert list(selectors.approved_nominations_for(casey)) == []
    assert selectors.nominations_collected_count(link.created_by) == 0


def test_an_action_returns_only_to_our_own_pages(org, admin, casey, link, client_for):
    nomination = nominate(link, casey)
    response = client_for(admin).post(
        url("nomination_moderate", org, nomination_id=nomination.pk),
        {"decision": "rejected", "next": "https://evil.test/"},
    )
    assert response["Location"] == url("nomination_moderation", org)


# --- Personal data -----------------------------------------------------------------------------


def test_erasing_the_customers_details_removes_them_from_the_database(org, admin, casey, link,
                                                                      client_for):  # fmt: skip
    nomination = nominate(link, casey)
    client = client_for(admin)
    detail = url("nomination_detail", org, nomination_id=nomination.pk)
    page = client.get(detail).content.decode()
    assert f'action="{url("nomination_erase", org, nomination_id=nomination.pk)}"' in page
    assert "data-confirm=" in page
    response = client.post(url("nomination_erase", org, nomination_id=nomination.pk))
    assert response.status_code == 302
    assert response["Location"] == detail
    nomination.refresh_from_db()
    assert (nomination.customer_name, nomination.customer_company, nomination.customer_email) == (
        "", "", "",
    )  # fmt: skip
    assert nomination.customer_details_erased_at is not None
    assert nomination.story  # the story stays
    assert not Nomination.objects.filter(customer_email=CUSTOMER_EMAIL).exists()
    event = AuditEvent.objects.get(action="nomination.customer_erased")
    assert event.actor == admin
    assert CUSTOMER_EMAIL not in str(event.changes)
    html = client.get(detail).content.decode()
    assert CUSTOMER_EMAIL not in html
    assert "Pat Buyer" not in html
    assert "details erased on request" in html


def test_deleting_a_nomination_removes_everything_the_customer_wrote(org, dana, casey, link,
                                                                     client_for):  # fmt: skip
    nomination = nominate(link, casey)
    nomination_moderate(nomination=nomination, actor=dana, decision="approved")
    response = client_for(dana).post(url("nomination_delete", org, nomination_id=nomination.pk))
    assert response.status_code == 302
    assert response["Location"] == url("nomination_moderation", org)
    assert not Nomination.objects.filter(pk=nomination.pk).exists()
    assert not Nomination.objects.filter(customer_email=CUSTOMER_EMAIL).exists()
    event = AuditEvent.objects.get(action="nomination.deleted")
    assert (event.actor, event.object_id) == (dana, str(nomination.pk))
    assert CUSTOMER_EMAIL not in str(event.changes)
    assert "pallet" not in str(event.changes)
    assert list(selectors.approved_nominations_for(casey)) == []
    assert selectors.nominations_collected_count(link.created_by) == 0
    assert client_for(dana).get(
        url("nomination_detail", org, nomination_id=nomination.pk)
    ).status_code == 404  # fmt: skip


# --- The customer's e-mail: moderators only ----------------------------------------------------


def test_the_customers_email_shows_nowhere_but_to_moderators(
    org, admin, dana, casey, riley, link, client_for, api_client_for,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    nomination = nominate(link, casey)
    with django_capture_on_commit_callbacks(execute=True):
        nomination_moderate(nomination=nomination, actor=admin, decision="approved")

    # Moderators: the queue and the nomination's page.
    for page in (url("nomination_moderation", org) + "?status=approved",
                 url("nomination_detail", org, nomination_id=nomination.pk)):  # fmt: skip
        assert CUSTOMER_EMAIL in client_for(dana).get(page).content.decode()

    # Everyone else, everywhere they look: the wall, the recognition pages, home, notices.
    pages = [
        url("home", org),
        url("kudos_wall", org),
        url("notifications", org),
        url("recognition_page", org, member_id=casey.pk),
        url("recognition_page", org, member_id=riley.pk),
        url("nomination_links", org),
        url("nomination_link_detail", org, link_id=link.pk),
    ]
    for member in (casey, riley):
        for page in pages:
            response = client_for(member).get(page)
            # Only the link's creator opens its page; everything else opens for both.
            assert response.status_code == (403 if (member, page) == (casey, pages[-1]) else 200)
            assert CUSTOMER_EMAIL not in response.content.decode(), (member, page)
    for path in ("/api/v1/nomination-links/", f"/api/v1/nomination-links/{link.pk}/",
                 f"/api/v1/members/{casey.pk}/recognition/", "/api/v1/kudos/"):  # fmt: skip
        response = api_client_for(riley).get(path)
        assert CUSTOMER_EMAIL not in response.content.decode(), path
    # Nor in what approval sent: notices and the manager's e-mail.
    for notice in Notification.objects.all():
        assert CUSTOMER_EMAIL not in f"{notice.title} {notice.body}"
    for email in OutboundEmail.objects.all():
        assert CUSTOMER_EMAIL not in f"{email.subject} {email.body_text} {email.body_html}"
    # Nor in what the wall and the recognition pages read: the column is not even loaded.
    for approved in (selectors.approved_nominations_for(casey).get(),
                     selectors.approved_nominations_for_wall().get()):  # fmt: skip
        assert "customer_email" in approved.get_deferred_fields()


def test_the_wall_queries_filter_by_person_and_team(org, admin, casey, dana, link):
    taylor = MembershipFactory(role="support", team=TeamFactory(kind="technical_support"))
    for member in (casey, taylor):
        nomination_moderate(nomination=nominate(link, member), actor=admin, decision="approved")
    nominate(link, casey)  # still pending: never on the wall
    assert selectors.approved_nominations_for_wall().count() == 2
    by_person = selectors.approved_nominations_for_wall(person_id=taylor.pk)
    assert [n.nominee for n in by_person] == [taylor]
    by_team = selectors.approved_nominations_for_wall(team_id=dana.team_id)
    assert [n.nominee for n in by_team] == [casey]
    assert selectors.nominations_received_count(casey) == 1


def test_the_outsiders_organisation_sees_none_of_our_nominations(org, admin, casey, link,
                                                                 outsider):  # fmt: skip
    nomination = nominate(link, casey)
    nomination_moderate(nomination=nomination, actor=admin, decision="approved")
    with tenant_context(outsider.organization):
        assert list(selectors.approved_nominations_for_wall()) == []
        assert selectors.moderation_counts()["approved"] == 0
        assert selectors.nominations_collected_count(outsider) == 0
