"""Members' nomination links: "My links", creating a link, its share page and revoking it.

Permission rows (design.md): any member creates links; a link's page and its revocation are its
creator's and the admins'; other members get a 403, another organisation's link is a 404.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.recognition.nomination_models import NominationLink
from apps.recognition.nomination_services import (
    LINK_EXPIRY_IN_PAST,
    LINK_LABEL_REQUIRED,
    NOMINEE_NOT_ELIGIBLE,
    link_token,
    link_url,
    nomination_link_create,
    nomination_submit,
)
from apps.tenancy.context import tenant_context
from apps.tenancy.models import GlobalRoute
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


@pytest.fixture
def helper(org):
    team = TeamFactory(name="Customer care", kind="customer_service")
    return MembershipFactory(role="support", team=team, user__full_name="Casey Helper")


@pytest.fixture
def link(org, rep):
    return nomination_link_create(creator=rep, label="Acme rollout")


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def nominate(link, helper, story="Saved our launch."):
    return nomination_submit(
        link=link,
        nominee=helper,
        helper_description="",
        story=story,
        customer_role="buyer",
        consent=True,
    )


# --- Creating links -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "rep", "support"])
def test_any_member_creates_a_link(org, client_for, role):
    member = MembershipFactory(role=role)
    response = client_for(member).post(
        url("nomination_links", org), {"label": "Acme — spring rollout"}
    )
    link = NominationLink.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("nomination_link_detail", org, link_id=link.pk)
    assert (link.created_by, link.label, link.single_use, link.expires_at) == (
        member,
        "Acme — spring rollout",
        False,
        None,
    )
    assert GlobalRoute.objects.filter(
        kind=GlobalRoute.Kind.NOMINATION_LINK, object_id=link.pk, organization=org
    ).exists()


def test_a_link_with_a_helper_an_expiry_and_single_use(org, rep, helper, client_for):
    team = helper.team
    day = timezone.localdate() + timedelta(days=10)
    response = client_for(rep).post(
        url("nomination_links", org),
        {
            "label": "Bakery",
            "preselected_member": helper.pk,
            "preselected_team": team.pk,
            "expires_on": day.isoformat(),
            "single_use": "on",
        },
    )
    assert response.status_code == 302
    link = NominationLink.objects.get()
    assert (link.preselected_member, link.preselected_team, link.single_use) == (helper, team, True)
    # The link works for the whole chosen day, in the organisation's time zone.
    local = link.expires_at.astimezone(ZoneInfo(org.time_zone))
    assert (local.date(), local.hour, local.minute) == (day, 23, 59)


def test_the_form_offers_only_people_customers_may_name(org, rep, helper, client_for):
    MembershipFactory(role="manager", user__full_name="Mona Manager")
    body = client_for(rep).get(url("nomination_links", org)).content.decode()
    assert "Casey Helper (Customer care)" in body
    assert "Mona Manager" not in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"label": ""}, LINK_LABEL_REQUIRED),
        ({"label": "x" * 121}, "at most 120 characters"),
        ({"label": "ok", "expires_on": "2001-01-01"}, LINK_EXPIRY_IN_PAST),
        ({"label": "ok", "expires_on": "9999-12-31"}, "within the next three years"),
        ({"label": "ok", "expires_on": "31/31/2031"}, "Enter a valid date"),
        ({"label": "ok", "preselected_member": "99999999999999999999999"}, NOMINEE_NOT_ELIGIBLE),
        ({"label": "ok", "preselected_member": "abc"}, NOMINEE_NOT_ELIGIBLE),
        ({"label": "ok", "preselected_team": "-1"}, "Pick a team from the list."),
        ({"label": "a\x00b"}, "Null characters are not allowed."),
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(org, rep, client_for, data, message):
    response = client_for(rep).post(url("nomination_links", org), data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert NominationLink.objects.count() == 0
    assert GlobalRoute.objects.filter(kind=GlobalRoute.Kind.NOMINATION_LINK).count() == 0


def test_a_member_who_may_not_be_named_cannot_be_preselected(org, rep, client_for):
    other_rep = MembershipFactory(role="rep")
    response = client_for(rep).post(
        url("nomination_links", org), {"label": "ok", "preselected_member": other_rep.pk}
    )
    assert response.status_code == 200
    assert NOMINEE_NOT_ELIGIBLE in response.content.decode()
    assert NominationLink.objects.count() == 0


def test_another_organisations_helper_or_team_cannot_be_preselected(org, rep, outsider, client_for):
    with tenant_context(outsider.organization_id):
        their_team = TeamFactory(kind="customer_service")
        their_helper = MembershipFactory(role="support", team=their_team)
    for data in ({"preselected_member": their_helper.pk}, {"preselected_team": their_team.pk}):
        response = client_for(rep).post(url("nomination_links", org), {"label": "ok", **data})
        assert response.status_code == 200
    assert NominationLink.objects.count() == 0


# --- My links -----------------------------------------------------------------------------------


def test_my_links_lists_mine_with_their_nomination_counts(org, rep, helper, client_for):
    mine = nomination_link_create(creator=rep, label="Mine with two")
    nominate(mine, helper)
    nominate(mine, helper)
    nomination_link_create(creator=rep, label="Mine with none")
    nomination_link_create(creator=MembershipFactory(), label="Someone else's")
    response = client_for(rep).get(url("nomination_links", org))
    assert response.status_code == 200
    rows = {link.label: link.nomination_count for link in response.context["page_obj"]}
    assert rows == {"Mine with two": 2, "Mine with none": 0}
    body = response.content.decode()
    assert "Someone else&#x27;s" not in body
    assert "Someone else's" not in body


def test_my_links_shows_each_links_status(org, rep, helper, client_for):
    used = nomination_link_create(creator=rep, label="Used", single_use=True)
    nominate(used, helper)
    expired = nomination_link_create(
        creator=rep, label="Expired", expires_at=timezone.now() + timedelta(hours=1)
    )
    NominationLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    revoked = nomination_link_create(creator=rep, label="Revoked")
    client = client_for(rep)
    client.post(url("nomination_link_revoke", org, link_id=revoked.pk))
    nomination_link_create(creator=rep, label="Active")
    statuses = {
        link.label: link.status
        for link in client.get(url("nomination_links", org)).context["page_obj"]
    }
    assert statuses == {
        "Used": "used",
        "Expired": "expired",
        "Revoked": "revoked",
        "Active": "active",
    }


def test_my_links_issues_a_constant_number_of_queries(org, rep, helper, client_for):
    client = client_for(rep)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("nomination_links", org)).status_code == 200
        return len(queries)

    first = nomination_link_create(creator=rep, label="First", preselected_member=helper)
    nominate(first, helper)
    few = count()
    for number in range(40):  # more than a page
        link = nomination_link_create(
            creator=rep, label=f"Link {number}", preselected_member=helper
        )
        nominate(link, helper)
    # Session, user, membership routing and tenant setting, the page's count and its links
    # (with their counts, helper and team in one query), the nav's unread count, the form's
    # helpers and teams: the number of links and nominations does not matter.
    assert count() == few


def test_an_empty_list_invites_to_create_one(org, rep, client_for):
    body = client_for(rep).get(url("nomination_links", org)).content.decode()
    assert "No links yet" in body
    assert 'id="new-link"' in body


# --- A link's page ------------------------------------------------------------------------------


def test_the_link_page_shows_the_url_a_qr_code_and_a_message(org, link, rep, client_for):
    response = client_for(rep).get(url("nomination_link_detail", org, link_id=link.pk))
    assert response.status_code == 200
    body = response.content.decode()
    full_url = link_url(link)
    assert full_url.endswith(f"/n/{link_token(link)}/")
    assert f'value="{full_url}"' in body
    assert 'data-copy-target="#link-url"' in body
    assert 'data-copy-target="#share-message"' in body
    message = re.search(r'<textarea id="share-message"[^>]*>(.*?)</textarea>', body, re.S)
    assert full_url in message.group(1)
    assert "Riley Rep" in message.group(1)
    svg = re.search(r"<svg .*?</svg>", body, re.S).group(0)
    assert 'class="qr-code"' in svg
    assert "<path" in svg
    assert "style" not in svg
    assert "<script" not in svg
    assert "style=" not in body


def test_a_link_for_one_helper_names_them_in_the_message(org, rep, helper, client_for):
    link = nomination_link_create(creator=rep, label="Casey", preselected_member=helper)
    response = client_for(rep).get(url("nomination_link_detail", org, link_id=link.pk))
    assert "If Casey Helper went the extra mile for you" in response.context["share_message"]


def test_a_revoked_link_page_offers_no_way_to_share_it(org, link, rep, client_for):
    client = client_for(rep)
    client.post(url("nomination_link_revoke", org, link_id=link.pk))
    body = client.get(url("nomination_link_detail", org, link_id=link.pk)).content.decode()
    assert "no longer opens the form" in body
    assert link_url(link) not in body
    assert "<svg" not in body
    assert "Revoke link" not in body


def test_an_admin_sees_any_link_page(org, link, admin, client_for):
    assert (
        client_for(admin).get(url("nomination_link_detail", org, link_id=link.pk)).status_code
        == 200
    )


@pytest.mark.parametrize("role", ["manager", "rep", "support"])
def test_other_members_may_not_open_someone_elses_link(org, link, client_for, role):
    member = MembershipFactory(role=role)
    response = client_for(member).get(url("nomination_link_detail", org, link_id=link.pk))
    assert response.status_code == 403
    assert link_token(link) not in response.content.decode()


def test_another_organisations_link_is_not_found(org, rep, outsider, client_for):
    with tenant_context(outsider.organization_id):
        theirs = nomination_link_create(creator=outsider, label="Theirs")
    client = client_for(rep)
    assert client.get(url("nomination_link_detail", org, link_id=theirs.pk)).status_code == 404
    assert client.post(url("nomination_link_revoke", org, link_id=theirs.pk)).status_code == 404
    with tenant_context(outsider.organization_id):
        assert NominationLink.objects.get(pk=theirs.pk).revoked_at is None


def test_charlie_cannot_reach_the_organisations_links(org, link, outsider, client_for):
    charlie = client_for(outsider)
    assert charlie.get(url("nomination_links", org)).status_code == 404
    assert charlie.get(url("nomination_link_detail", org, link_id=link.pk)).status_code == 404
    assert charlie.post(url("nomination_link_revoke", org, link_id=link.pk)).status_code == 404
    assert NominationLink.objects.get(pk=link.pk).revoked_at is None
    # His own list does not show ours.
    response = charlie.get(reverse("nomination_links", kwargs={"org_slug": "outsider"}))
    assert response.status_code == 200
    assert "Acme rollout" not in response.content.decode()


def test_strangers_are_sent_to_log_in(org, link):
    response = Client().get(url("nomination_links", org))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- Revoking -----------------------------------------------------------------------------------


def test_the_owner_revokes_a_link_at_once_and_it_is_audited(org, link, rep, client_for):
    response = client_for(rep).post(url("nomination_link_revoke", org, link_id=link.pk))
    assert response.status_code == 302
    assert response["Location"] == url("nomination_link_detail", org, link_id=link.pk)
    assert NominationLink.objects.get(pk=link.pk).revoked_at is not None
    event = AuditEvent.objects.get(action="nomination_link.revoked")
    assert (event.actor, event.object_id) == (rep, str(link.pk))
    # Customers are told at once.
    public = Client().get(reverse("nomination_form", kwargs={"token": link_token(link)}))
    assert public.status_code == 410


def test_an_admin_revokes_anyones_link(org, link, admin, client_for):
    response = client_for(admin).post(url("nomination_link_revoke", org, link_id=link.pk))
    assert response.status_code == 302
    assert NominationLink.objects.get(pk=link.pk).revoked_at is not None


@pytest.mark.parametrize("role", ["manager", "rep", "support"])
def test_other_members_may_not_revoke_someone_elses_link(org, link, client_for, role):
    member = MembershipFactory(role=role)
    response = client_for(member).post(url("nomination_link_revoke", org, link_id=link.pk))
    assert response.status_code == 403
    assert NominationLink.objects.get(pk=link.pk).revoked_at is None
    assert not AuditEvent.objects.filter(action="nomination_link.revoked").exists()


def test_revoking_twice_says_so_and_revoking_needs_a_post(org, link, rep, client_for):
    client = client_for(rep)
    client.post(url("nomination_link_revoke", org, link_id=link.pk))
    response = client.post(url("nomination_link_revoke", org, link_id=link.pk), follow=True)
    assert response.status_code == 200
    assert "already revoked" in response.content.decode()
    assert AuditEvent.objects.filter(action="nomination_link.revoked").count() == 1
    assert client.get(url("nomination_link_revoke", org, link_id=link.pk)).status_code == 405


def test_an_unknown_link_id_is_not_found(org, rep, client_for):
    client = client_for(rep)
    assert client.get(url("nomination_link_detail", org, link_id=987654)).status_code == 404
    assert client.get(f"/{org.slug}/nominations/links/99999999999999999999/").status_code == 404


def test_dates_are_shown_in_the_organisations_time_zone(org, rep, client_for):
    link = nomination_link_create(
        creator=rep,
        label="Late",
        expires_at=datetime(2099, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC")),
    )
    body = client_for(rep).get(url("nomination_link_detail", org, link_id=link.pk)).content
    # 23:30 UTC is half past midnight the next day in London (summer time).
    assert b"July 1, 2099" in body
