"""The benchmark harness (scripts/bench, `make bench`) must not rot.

Its seeder runs here at a tiny scale on the test database, as the owner like `make bench` does,
and must write what docs/benchmarks.md promises: the sizes, the shares, a measured team, rows
that row-level security shows to their own organisation only, and `repeats_topic` by the app's
own 30-day rule. Its floor views exist only while BENCH_FLOOR_VIEWS is on.
"""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.db.models import F
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone

from apps.core import floor_views
from apps.dependency.models import Escalation
from apps.dependency.services import repeats_recent_topic
from apps.recognition.models import Kudos, KudosRecipient, Letter, Nomination, Reaction
from apps.recognition.nomination_models import NominationLink
from apps.recognition.nomination_services import link_token
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, UserOrganization
from salesculture.urls import urlpatterns as site_urlpatterns
from scripts.bench.seed import BIG_SLUG, PASSWORD, SMALL_SLUGS, TEAM_SHARE, plans_for, seed

pytestmark = pytest.mark.django_db

SCALE = 0.002  # 80 members, 2 000 escalations, 400 kudos in the large organisation

# The floor views mounted as BENCH_FLOOR_VIEWS=1 mounts them (see the test using this module).
urlpatterns = [
    path("bench-floor/django/", floor_views.django_floor, name="bench_floor_django"),
    path("api/bench-floor/drf/", floor_views.drf_floor_view, name="bench_floor_drf"),
    *site_urlpatterns,
]


@pytest.fixture
def seeded(org, outsider):
    """The data set, seeded as the owner inside the test's transaction (rolled back after)."""
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        try:
            info = seed(cursor.cursor, scale=SCALE, now=timezone.now())
            # The same-organisation foreign keys are deferred: check every one of them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        finally:
            cursor.execute("SET ROLE app_rw")
    return info


def big(info) -> dict:
    return info["organizations"][BIG_SLUG]


def it_seeds_the_planned_sizes_in_each_organisation(seeded):
    for plan in plans_for(SCALE):
        organization = seeded["organizations"][plan.slug]
        with tenant_context(organization["id"]):
            assert Membership.objects.count() == plan.members
            assert Escalation.objects.count() == plan.escalations
            assert Kudos.objects.count() == plan.kudos
            assert Nomination.objects.count() == plan.nominations
            assert 0 < Letter.objects.count() <= plan.letters
            assert Reaction.objects.exists()
    assert set(seeded["organizations"]) == {BIG_SLUG, *SMALL_SLUGS}


def escalations_spread_over_two_years_with_half_in_the_last_twelve_months(seeded):
    now = timezone.now()
    with tenant_context(big(seeded)["id"]):
        total = Escalation.objects.count()
        last_year = Escalation.objects.filter(occurred_at__gte=now - dt.timedelta(days=365))
        oldest = Escalation.objects.order_by("occurred_at").first().occurred_at
        assert not Escalation.objects.filter(occurred_at__gt=now).exists()
        assert 0.42 < last_year.count() / total < 0.58
    assert dt.timedelta(days=700) < now - oldest <= dt.timedelta(days=731)


def the_measured_team_has_its_share_of_escalations_and_reports_to_one_manager(seeded):
    team = big(seeded)
    with tenant_context(team["id"]):
        reps = Membership.objects.filter(pk__in=team["team_reps"])
        assert reps.count() == plans_for(SCALE)[0].team_reps
        assert set(reps.values_list("reports_to_id", flat=True)) == {team["team_manager"]}
        assert set(reps.values_list("team_id", flat=True)) == {team["team_id"]}
        share = Escalation.objects.filter(rep__in=reps).count() / Escalation.objects.count()
    assert abs(share - TEAM_SHARE) < 0.03


def urgency_outcomes_channels_and_topics_are_realistic(seeded):
    with tenant_context(big(seeded)["id"]):
        rows = list(Escalation.objects.values_list("urgency", "outcome", "channel", "topic_id"))
        # Every escalation goes to the rep's own manager, as the app logs it.
        wrong_manager = Escalation.objects.exclude(manager_id=F("rep__reports_to_id")).count()
    urgency = Counter(row[0] for row in rows)
    assert 0.25 < urgency["urgent"] / len(rows) < 0.35
    routine_answered = [row[1] for row in rows if row[0] == "routine" and row[1]]
    alone = routine_answered.count("solved_alone") / len(routine_answered)
    assert 0.3 < alone < 0.5  # the self-resolution rate a report shows is neither 0 nor 1
    assert {row[1] for row in rows} == {"", "solved_alone", "manager_solved", "redirected",
                                        "unresolved"}  # fmt: skip
    assert not any(row[1] == "solved_alone" for row in rows if row[0] == "urgent")
    assert Counter(row[2] for row in rows).most_common(1)[0][0] == "call"
    topics = Counter(row[3] for row in rows if row[3] is not None)
    counts = sorted(topics.values(), reverse=True)
    assert counts[0] > 3 * counts[len(counts) // 2]  # a few topics keep coming back
    assert 0.02 < sum(1 for row in rows if row[3] is None) / len(rows) < 0.09
    assert wrong_manager == 0


def repeats_topic_follows_the_apps_thirty_day_rule(seeded):
    with tenant_context(big(seeded)["id"]):
        sample = list(Escalation.objects.order_by("?")[:150])
        assert any(e.repeats_topic for e in sample)
        assert [e.repeats_topic for e in sample] == [repeats_recent_topic(e) for e in sample]


def kudos_thank_mostly_support_staff_and_never_the_sender(seeded):
    with tenant_context(big(seeded)["id"]):
        links = KudosRecipient.objects.select_related("kudos", "recipient")
        roles = Counter(link.recipient.role for link in links)
        assert roles["support"] == sum(roles.values())
        assert not any(link.kudos.sender_id == link.recipient_id for link in links)
        # The copies a person's page counts from equal their kudos.
        assert [
            (link.created_at, link.sender_id, link.visibility, link.hidden_at) for link in links
        ] == [
            (k.created_at, k.sender_id, k.visibility, k.hidden_at)
            for k in (link.kudos for link in links)
        ]
        assert links.count() > Kudos.objects.count()  # some thank two people
        star = Counter(link.recipient_id for link in links).most_common(1)[0][1]
        assert star > 2 * links.count() / Membership.objects.filter(role="support").count()


def personas_can_log_in_and_customer_links_open_the_form(seeded, client):
    team = big(seeded)
    for email in team["emails"].values():
        assert authenticate(email=email, password=PASSWORD) is not None
    with tenant_context(team["id"]):
        link = NominationLink.objects.order_by("id").first()
        token = link_token(link)
        routes = UserOrganization.objects.filter(organization_id=team["id"])
        assert routes.count() == plans_for(SCALE)[0].members
    response = client.get(f"/n/{token}/")
    assert response.status_code == 200


def an_outsider_sees_nothing_of_the_bench_organisations(seeded, outsider):
    with tenant_context(outsider.organization_id):
        assert Escalation.objects.count() == 0
        assert Kudos.objects.count() == 0
        assert Membership.objects.count() == 1
        with connection.cursor() as cursor:  # row-level security alone
            cursor.execute("SELECT count(*) FROM dependency_escalation")
            assert cursor.fetchone()[0] == 0


# Seeding costs seconds, so two tests each seed once and check several promises.


def test_the_escalations_it_seeds_are_the_ones_the_benchmarks_promise(seeded):
    it_seeds_the_planned_sizes_in_each_organisation(seeded)
    escalations_spread_over_two_years_with_half_in_the_last_twelve_months(seeded)
    the_measured_team_has_its_share_of_escalations_and_reports_to_one_manager(seeded)
    urgency_outcomes_channels_and_topics_are_realistic(seeded)
    repeats_topic_follows_the_apps_thirty_day_rule(seeded)


def test_the_recognition_it_seeds_reaches_its_people_and_no_one_else(seeded, client, outsider):
    kudos_thank_mostly_support_staff_and_never_the_sender(seeded)
    personas_can_log_in_and_customer_links_open_the_form(seeded, client)
    an_outsider_sees_nothing_of_the_bench_organisations(seeded, outsider)


def test_the_floor_views_do_not_exist_when_the_setting_is_off(client, api_client_for, admin):
    with pytest.raises(NoReverseMatch):
        reverse("bench_floor_django")
    with pytest.raises(NoReverseMatch):
        reverse("bench_floor_drf")
    assert client.get("/bench-floor/django/").status_code == 404
    api = api_client_for(admin)
    assert api.get("/api/bench-floor/drf/").status_code == 404


@pytest.mark.urls(__name__)
def test_the_floor_views_answer_when_mounted(client, api_client, api_client_for, admin):
    assert client.get("/bench-floor/django/").content == b"ok"
    response = api_client_for(admin).get("/api/bench-floor/drf/")
    assert response.status_code == 200
    assert response.json() == {"role": "admin"}
    assert api_client.get("/api/bench-floor/drf/").status_code == 401
