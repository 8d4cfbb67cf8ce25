"""The manager's page about their people: every kudos and letter about them, and who has heard
nothing for 60 days."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.recognition import selectors
from apps.recognition.models import Kudos, KudosRecipient, LetterSubject
from apps.recognition.services import kudos_hide, letters_send
from tests.factories import MembershipFactory, TeamFactory, send_kudos

pytestmark = pytest.mark.django_db


def url(org, **params):
    path = reverse("team_recognition", kwargs={"org_slug": org.slug})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.fixture
def dana(org):
    team = TeamFactory(name="Customer Service", kind="customer_service")
    return MembershipFactory(role="manager", team=team, user__full_name="Dana Support-Lead")


@pytest.fixture
def casey(dana):
    return MembershipFactory(
        role="support", reports_to=dana, team=dana.team, user__full_name="Casey Helper"
    )


@pytest.fixture
def quinn(dana):
    """Reports to Dana; nobody thanks Quinn."""
    return MembershipFactory(
        role="support", reports_to=dana, team=dana.team, user__full_name="Quinn Quiet"
    )


@pytest.fixture
def riley(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


def _rows(response):
    return {row["member"].display_name: row for row in response.context["people"]}


@pytest.mark.parametrize("role", ["rep", "support"])
def test_reps_and_support_staff_cannot_open_it(org, client_for, role):
    member = MembershipFactory(role=role)
    assert client_for(member).get(url(org)).status_code == 403
    assert client_for(member).post(url(org)).status_code == 403


def test_managers_and_admins_open_it_and_it_is_read_only(org, admin, dana, client_for):
    assert client_for(dana).get(url(org)).status_code == 200
    assert client_for(admin).get(url(org)).status_code == 200
    assert client_for(dana).post(url(org)).status_code == 405


def test_quiet_people_show_up_first_with_a_badge(org, dana, casey, quinn, riley, client_for):
    send_kudos(riley, [casey])
    long_ago = send_kudos(riley, [quinn])
    KudosRecipient.objects.filter(kudos=long_ago).update(
        created_at=timezone.now() - timedelta(days=61)
    )
    response = client_for(dana).get(url(org))
    rows = _rows(response)
    assert [row["member"] for row in response.context["people"]] == [quinn, casey]
    assert rows["Quinn Quiet"]["quiet"] is True
    assert (rows["Quinn Quiet"]["kudos_recent"], rows["Quinn Quiet"]["kudos_total"]) == (0, 1)
    assert rows["Casey Helper"]["quiet"] is False
    page = response.content.decode()
    assert page.count("Nothing received in 60 days") == 1
    recognition = reverse("recognition_page", kwargs={"org_slug": org.slug, "member_id": quinn.pk})
    assert f'href="{recognition}"' in page


def test_a_letter_counts_as_recognition(org, dana, casey, riley, client_for):
    letters_send(sender=riley, subjects=[casey], body="Thank you for Casey")
    rows = _rows(client_for(dana).get(url(org)))
    assert rows["Casey Helper"]["letters_recent"] == 1
    assert rows["Casey Helper"]["letters_total"] == 1
    assert rows["Casey Helper"]["quiet"] is False


def test_hidden_kudos_do_not_count_and_are_not_listed(org, admin, dana, casey, riley, client_for):
    kudos = send_kudos(riley, [casey], message="Something inappropriate")
    kudos_hide(kudos=kudos, actor=admin, reason="Not appropriate")
    response = client_for(dana).get(url(org))
    row = _rows(response)["Casey Helper"]
    assert (row["kudos_recent"], row["kudos_total"], row["quiet"]) == (0, 0, True)
    kudos_tab = client_for(dana).get(url(org, tab="kudos"))
    assert list(kudos_tab.context["page_obj"]) == []
    assert "Something inappropriate" not in kudos_tab.content.decode()


def test_it_lists_the_teams_kudos_and_letters_private_ones_included(
    org, dana, casey, riley, client_for
):
    outside_team = MembershipFactory(
        role="support", reports_to=MembershipFactory(role="manager"), user__full_name="Other Person"
    )
    private = send_kudos(riley, [casey], message="Private thanks", visibility="private")
    public = send_kudos(riley, [casey], message="Public thanks")
    send_kudos(riley, [outside_team], message="Not Dana's person")
    (letter,) = letters_send(sender=riley, subjects=[casey], body="Casey's letter")
    letters_send(sender=riley, subjects=[outside_team], body="Someone else's letter")

    response = client_for(dana).get(url(org))
    assert set(_rows(response)) == {"Casey Helper"}  # only Dana's own people
    kudos_tab = client_for(dana).get(url(org, tab="kudos"))
    assert list(kudos_tab.context["page_obj"]) == [public, private]
    assert "Not Dana&#x27;s person" not in kudos_tab.content.decode()
    letters_tab = client_for(dana).get(url(org, tab="letters"))
    assert list(letters_tab.context["page_obj"]) == [letter]
    assert "Casey&#x27;s letter" in letters_tab.content.decode()


def test_an_admin_can_look_at_any_managers_team(org, admin, dana, casey, client_for):
    own = client_for(admin).get(url(org))
    assert own.context["manager"] == admin
    assert own.context["people"] == []
    assert dana in own.context["leaders"]
    response = client_for(admin).get(url(org, manager=dana.pk))
    assert response.context["manager"] == dana
    assert set(_rows(response)) == {"Casey Helper"}


def test_a_manager_cannot_look_at_another_managers_team(org, dana, casey, client_for):
    other = MembershipFactory(role="manager")
    response = client_for(other).get(url(org, manager=dana.pk))
    assert response.context["manager"] == other
    assert response.context["people"] == []


def test_deactivated_people_are_left_out(org, dana, casey, quinn, client_for):
    quinn.is_active = False
    quinn.save()
    assert set(_rows(client_for(dana).get(url(org)))) == {"Casey Helper"}


def _grow(manager, sender, count):
    """`count` more people reporting to `manager`, each with a kudos and a letter."""
    for _ in range(count):
        person = MembershipFactory(role="support", reports_to=manager)
        send_kudos(sender, [person])
        letters_send(sender=sender, subjects=[person], body="Thanks")


@pytest.mark.parametrize("tab", ["people", "letters", "kudos"])
def test_it_costs_the_same_queries_with_many_people(org, dana, riley, client_for, tab):
    client = client_for(dana)

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(url(org, tab=tab))
        assert response.status_code == 200
        return len(context.captured_queries)

    _grow(dana, riley, 2)
    few = queries()
    _grow(dana, riley, 40)
    many = queries()
    # session, user, organisation, savepoint, set_config, membership; the people with their
    # counts (one query of correlated subqueries); on the letters tab their count, page,
    # people and copies; on the kudos tab their count, page, recipients, values and reactions;
    # the nav; set_config restore, release savepoint. None of it grows with the team.
    assert few == many


def test_the_selector_is_one_query(org, dana, casey, quinn, riley, django_assert_num_queries):
    send_kudos(riley, [casey])
    with django_assert_num_queries(1):  # the people, each count a correlated subquery
        rows = selectors.team_recognition(manager=dana)
    assert [row["member"] for row in rows] == [quinn, casey]


def test_the_outsider_never_sees_our_team(org, dana, casey, riley, outsider, client_for):
    send_kudos(riley, [casey], message="Ours only")
    assert client_for(outsider).get(url(org)).status_code == 404
    theirs = reverse("team_recognition", kwargs={"org_slug": outsider.organization.slug})
    response = client_for(outsider).get(theirs)
    assert response.status_code == 200
    assert response.context["people"] == []
    response = client_for(outsider).get(f"{theirs}?manager={dana.pk}&tab=kudos")
    assert response.context["manager"] == outsider
    assert "Ours only" not in response.content.decode()
    assert Kudos.objects.count() == 1
    assert LetterSubject.objects.count() == 0
