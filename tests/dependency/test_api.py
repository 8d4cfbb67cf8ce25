"""The dependency API: escalations (list with filters, log, retrieve, correct, record the
outcome), topics and service detours. The same rules as the pages: another organisation's ids
are 404s in a path and 400s in a body and never show up in a list; support staff get a 403 on
escalations; bad input is a 400 problem that writes nothing; creates honour Idempotency-Key."""

import datetime as dt
import zoneinfo

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.api.problems import PROBLEM_CONTENT_TYPE
from apps.core.models import IdempotencyRecord
from apps.dependency.apis import (
    ADMINS_ONLY,
    NOT_A_SUPPORT_TEAM,
    SUPPORT_HAS_NO_ESCALATIONS,
    UNKNOWN_MEMBER,
    UNKNOWN_TOPIC,
)
from apps.dependency.models import Escalation, EscalationChange, ServiceDetour, Topic
from apps.dependency.services import (
    MANAGER_OUTSIDE_TREE,
    REDIRECT_NEEDS_TARGET,
    REP_ONLY_FOR_SELF,
    escalation_log,
    escalation_record_outcome,
)
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

ESCALATIONS = "/api/v1/escalations/"
TOPICS = "/api/v1/topics/"
DETOURS = "/api/v1/service-detours/"
LONDON = zoneinfo.ZoneInfo("Europe/London")


def escalation_url(escalation_id, suffix=""):
    return f"{ESCALATIONS}{escalation_id}/{suffix}"


@pytest.fixture
def service(org):
    return TeamFactory(name="Customer Service", kind="customer_service")


@pytest.fixture
def sam(org):
    return MembershipFactory(role="manager", user__full_name="Sam Sales")


@pytest.fixture
def riley(sam):
    return MembershipFactory(role="rep", reports_to=sam, user__full_name="Riley Rep")


@pytest.fixture
def jordan(sam):
    return MembershipFactory(role="rep", reports_to=sam, user__full_name="Jordan Rep")


@pytest.fixture
def other_manager(org):
    return MembershipFactory(role="manager", user__full_name="Olga Other")


@pytest.fixture
def tess(other_manager):
    """A rep in another manager's team."""
    return MembershipFactory(role="rep", reports_to=other_manager, user__full_name="Tess Rep")


@pytest.fixture
def casey(service):
    return MembershipFactory(role="support", team=service, user__full_name="Casey Helper")


@pytest.fixture
def pricing(service):
    return Topic.objects.create(name="Pricing", handled_by_team=service, how_to="Part numbers.")


@pytest.fixture
def repair(org):
    return Topic.objects.create(name="Repair")


@pytest.fixture
def theirs(outsider):
    """Charlie's organisation's rows: a manager, a rep, a topic, a team and an escalation."""
    with tenant_context(outsider.organization_id):
        manager = MembershipFactory(role="manager")
        rep = MembershipFactory(role="rep", reports_to=manager)
        team = TeamFactory(kind="customer_service")
        topic = Topic.objects.create(name="Their topic", handled_by_team=team)
        escalation = escalation_log(
            actor=manager, rep=rep, channel="call", urgency="routine", topic=topic
        )
        detour = ServiceDetour.objects.create(
            rep=rep, occurred_at=timezone.now(), kind="repair", team=team, minutes=5
        )
    return {"manager": manager, "rep": rep, "team": team, "topic": topic,
            "escalation": escalation, "detour": detour}  # fmt: skip


def log(rep, *, actor=None, urgency="routine", **kwargs):
    kwargs.setdefault("channel", "call")
    return escalation_log(actor=actor or rep.reports_to, rep=rep, urgency=urgency, **kwargs)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def _problem(response, status=400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return response.json()


# --- Escalations: list ---------------------------------------------------------------------------


def test_it_lists_the_escalations_each_role_may_see(org, admin, sam, riley, jordan, tess,
                                                    other_manager, theirs,
                                                    api_client_for):  # fmt: skip
    mine = log(riley)
    colleague = log(jordan)
    elsewhere = log(tess)
    to_sam = log(tess, actor=other_manager, manager=sam)  # made to Sam, from outside his tree

    assert set(_ids(api_client_for(admin).get(ESCALATIONS))) == {
        mine.pk, colleague.pk, elsewhere.pk, to_sam.pk,
    }  # fmt: skip
    assert set(_ids(api_client_for(sam).get(ESCALATIONS))) == {mine.pk, colleague.pk, to_sam.pk}
    assert _ids(api_client_for(riley).get(ESCALATIONS)) == [mine.pk]
    assert theirs["escalation"].pk not in _ids(api_client_for(admin).get(ESCALATIONS))


def test_it_shows_an_escalation_as_the_detail_page_does(org, sam, riley, pricing, api_client_for):
    escalation = log(riley, topic=pricing, note="Quote for Acme")
    item = api_client_for(riley).get(ESCALATIONS).json()["results"][0]
    assert item == {
        "id": escalation.pk,
        "rep": {"id": riley.pk, "name": "Riley Rep"},
        "manager": {"id": sam.pk, "name": "Sam Sales"},
        "occurred_at": item["occurred_at"],
        "channel": "call",
        "topic": {"id": pricing.pk, "name": "Pricing"},
        "urgency": "routine",
        "note": "Quote for Acme",
        "repeats_topic": False,
        "outcome": None,
        "redirected_to_member": None,
        "redirected_to_team": None,
        "manager_minutes": None,
        "rep_minutes": None,
        "callback_due_at": item["callback_due_at"],
        "callback_reminded_at": None,
        "called_back_at": None,
        "outcome_recorded_at": None,
        "source": "manual",
        "created_at": item["created_at"],
    }
    assert item["callback_due_at"] is not None


def test_support_staff_have_no_escalations(org, casey, riley, api_client_for):
    escalation = log(riley)
    client = api_client_for(casey)
    for response in (
        client.get(ESCALATIONS),
        client.post(ESCALATIONS, {"channel": "call", "urgency": "routine"}, format="json"),
        client.get(escalation_url(escalation.pk)),
        client.patch(escalation_url(escalation.pk), {"note": "x"}, format="json"),
        client.post(escalation_url(escalation.pk, "outcome/"), {"outcome": "solved_alone"},
                    format="json"),
    ):  # fmt: skip
        assert _problem(response, 403)["detail"] == SUPPORT_HAS_NO_ESCALATIONS
    assert Escalation.objects.count() == 1
    assert not EscalationChange.objects.exists()


def test_it_filters_like_the_list_page(org, admin, sam, riley, jordan, tess, other_manager,
                                       pricing, repair, api_client_for):  # fmt: skip
    first_day = dt.datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)
    old = log(riley, topic=pricing, occurred_at=first_day)
    urgent = log(jordan, topic=repair, urgency="urgent", occurred_at=first_day + dt.timedelta(1))
    solved = log(tess, actor=other_manager, occurred_at=first_day + dt.timedelta(2))
    escalation_record_outcome(escalation=solved, actor=other_manager, outcome="solved_alone")
    client = api_client_for(admin)

    def ids(**params):
        return set(_ids(client.get(ESCALATIONS, params)))

    assert ids(rep=riley.pk) == {old.pk}
    assert ids(manager=other_manager.pk) == {solved.pk}
    assert ids(topic=repair.pk) == {urgent.pk}
    assert ids(urgency="urgent") == {urgent.pk}
    assert ids(outcome="solved_alone") == {solved.pk}
    assert ids(outcome="open") == {old.pk, urgent.pk}
    assert ids(start="2026-03-03") == {urgent.pk, solved.pk}
    assert ids(end="2026-03-03") == {old.pk, urgent.pk}
    assert ids(start="2026-03-03", end="2026-03-03") == {urgent.pk}
    assert ids(rep=riley.pk, outcome="open", topic=pricing.pk) == {old.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"rep": "riley"}, "rep"),
        ({"rep": "0"}, "rep"),
        ({"manager": str(10**30)}, "manager"),
        ({"topic": "-1"}, "topic"),
        ({"urgency": "whenever"}, "urgency"),
        ({"outcome": "pending"}, "outcome"),
        ({"start": "2026-02-30"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"start": "2026-03-04", "end": "2026-03-03"}, "start"),
    ],
)
def test_a_bad_filter_is_a_400_problem(org, riley, api_client_for, params, field):
    assert field in _problem(api_client_for(riley).get(ESCALATIONS, params))["errors"]


def test_the_list_pages_with_a_cursor(org, sam, riley, api_client_for):
    logged = [log(riley) for _ in range(5)]
    client = api_client_for(sam)
    first = client.get(ESCALATIONS, {"page_size": 2})
    assert _ids(first) == [logged[4].pk, logged[3].pk]
    second = client.get(first.json()["next"])
    assert _ids(second) == [logged[2].pk, logged[1].pk]


# --- Escalations: log ----------------------------------------------------------------------------


def test_a_manager_logs_an_escalation_for_a_rep_of_their_team(org, sam, riley, pricing,
                                                              api_client_for):  # fmt: skip
    response = api_client_for(sam).post(
        ESCALATIONS,
        {"rep": riley.pk, "channel": "text", "topic": pricing.pk, "urgency": "routine",
         "note": " Quote for Acme "},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    escalation = Escalation.objects.get()
    body = response.json()
    assert body["id"] == escalation.pk
    assert (escalation.rep, escalation.manager, escalation.created_by) == (riley, sam, sam)
    assert escalation.source == Escalation.Source.API == body["source"]
    assert escalation.note == "Quote for Acme"
    assert escalation.callback_due_at is not None
    assert body["rep"] == {"id": riley.pk, "name": "Riley Rep"}
    assert body["manager"] == {"id": sam.pk, "name": "Sam Sales"}
    assert body["topic"] == {"id": pricing.pk, "name": "Pricing"}
    assert body["outcome"] is None


def test_a_rep_logs_their_own_without_naming_themselves(org, sam, riley, api_client_for):
    occurred = "2026-03-02T10:15:00"  # no offset: the organisation's time zone (London)
    response = api_client_for(riley).post(
        ESCALATIONS, {"channel": "call", "urgency": "urgent", "occurred_at": occurred},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    escalation = Escalation.objects.get()
    assert (escalation.rep, escalation.manager, escalation.callback_due_at) == (riley, sam, None)
    assert escalation.occurred_at == dt.datetime(2026, 3, 2, 10, 15, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("actor", "rep", "message"),
    [
        ("riley", "jordan", REP_ONLY_FOR_SELF),
        ("other_manager", "riley", MANAGER_OUTSIDE_TREE),
    ],
)
def test_logging_for_someone_you_may_not_is_a_403(request, org, riley, jordan, other_manager,
                                                  api_client_for, actor, rep,
                                                  message):  # fmt: skip
    people = {"riley": riley, "jordan": jordan, "other_manager": other_manager}
    response = api_client_for(people[actor]).post(
        ESCALATIONS, {"rep": people[rep].pk, "channel": "call", "urgency": "routine"},
        format="json", headers={"Idempotency-Key": "k"},
    )  # fmt: skip
    assert _problem(response, 403)["detail"] == message
    assert not Escalation.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_an_admin_logs_for_anyone(org, admin, tess, api_client_for):
    response = api_client_for(admin).post(
        ESCALATIONS, {"rep": tess.pk, "channel": "chat", "urgency": "routine"}, format="json"
    )
    assert response.status_code == 201, response.content


def _bad_escalation_bodies(riley, sam, theirs, retired, loner):
    ok = {"rep": riley.pk, "channel": "call", "urgency": "routine"}
    return [
        ({}, "channel"),
        ({**ok, "channel": "pigeon"}, "channel"),
        ({**ok, "urgency": "soon"}, "urgency"),
        ({**ok, "urgency": None}, "urgency"),
        ({**ok, "rep": "riley"}, "rep"),
        ({**ok, "rep": 10**30}, "rep"),
        ({**ok, "rep": theirs["rep"].pk}, "rep"),
        ({**ok, "manager": theirs["manager"].pk}, "manager"),
        ({**ok, "manager": riley.pk}, "manager"),  # the rep can't be their own manager
        ({**ok, "rep": loner.pk}, "manager"),  # no manager to default to
        ({**ok, "topic": theirs["topic"].pk}, "topic"),
        ({**ok, "topic": retired.pk}, "topic"),
        ({**ok, "note": "x" * 501}, "note"),
        ({**ok, "note": "Nul\x00byte"}, "note"),
        ({**ok, "note": ["a"]}, "note"),
        ({**ok, "occurred_at": "yesterday"}, "occurred_at"),
        ({**ok, "occurred_at": "1999-12-31T23:00:00Z"}, "occurred_at"),
        ({**ok, "occurred_at": "0001-01-01T00:00:00Z"}, "occurred_at"),
        ({**ok, "occurred_at": "9999-12-31T23:59:59Z"}, "occurred_at"),  # in the future
    ]


def test_bad_escalations_are_400_problems_and_write_nothing(org, admin, sam, riley, theirs,
                                                            api_client_for):  # fmt: skip
    retired = Topic.objects.create(name="Retired", is_active=False)
    loner = MembershipFactory(role="rep")
    client = api_client_for(admin)
    for index, (body, field) in enumerate(_bad_escalation_bodies(riley, sam, theirs, retired,
                                                                 loner)):  # fmt: skip
        response = client.post(ESCALATIONS, body, format="json",
                               headers={"Idempotency-Key": f"k{index}"})  # fmt: skip
        problem = _problem(response)
        assert field in problem["errors"], (body, problem)
    assert not Escalation.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_an_unknown_id_reads_the_same_whether_it_exists_elsewhere_or_not(
    org, riley, theirs, api_client_for
):
    client = api_client_for(riley)
    body = {"channel": "call", "urgency": "routine"}
    elsewhere = client.post(ESCALATIONS, {**body, "topic": theirs["topic"].pk}, format="json")
    nowhere = client.post(ESCALATIONS, {**body, "topic": 10**9}, format="json")
    assert _problem(elsewhere)["errors"]["topic"] == [UNKNOWN_TOPIC % {"id": theirs["topic"].pk}]
    assert _problem(nowhere)["errors"]["topic"] == [UNKNOWN_TOPIC % {"id": 10**9}]
    manager = client.post(ESCALATIONS, {**body, "manager": theirs["manager"].pk}, format="json")
    assert _problem(manager)["errors"]["manager"] == [UNKNOWN_MEMBER % {"id": theirs["manager"].pk}]


def test_a_retried_log_with_the_same_key_creates_one_escalation(org, riley, api_client_for):
    client = api_client_for(riley)
    body = {"channel": "call", "urgency": "routine"}
    first = client.post(ESCALATIONS, body, format="json", headers={"Idempotency-Key": "e-1"})
    retry = client.post(ESCALATIONS, body, format="json", headers={"Idempotency-Key": "e-1"})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Escalation.objects.count() == 1
    changed = client.post(ESCALATIONS, {**body, "channel": "text"}, format="json",
                          headers={"Idempotency-Key": "e-1"})  # fmt: skip
    assert _problem(changed, 422)
    assert Escalation.objects.count() == 1


# --- Escalations: retrieve, correct, record the outcome -------------------------------------------


def test_it_retrieves_an_escalation_with_its_history(org, sam, riley, api_client_for):
    escalation = log(riley)
    escalation_record_outcome(escalation=escalation, actor=sam, outcome="solved_alone",
                              manager_minutes=3)  # fmt: skip
    body = api_client_for(riley).get(escalation_url(escalation.pk)).json()
    assert body["outcome"] == "solved_alone"
    assert body["history"] == [
        {
            "changed_by": {"id": sam.pk, "name": "Sam Sales"},
            "changes": {"outcome": ["", "solved_alone"], "manager_minutes": [None, 3]},
            "created_at": body["history"][0]["created_at"],
        }
    ]


def test_an_escalation_i_may_not_see_is_not_found(org, sam, riley, jordan, tess, other_manager,
                                                  theirs, api_client_for):  # fmt: skip
    colleagues = log(jordan)
    other_team = log(tess, actor=other_manager)
    for member, escalation_id in [
        (riley, colleagues.pk),  # a rep reads their own only
        (sam, other_team.pk),  # a manager reads their reporting tree's
        (sam, theirs["escalation"].pk),  # another organisation's
        (sam, 10**9),
    ]:
        client = api_client_for(member)
        assert _problem(client.get(escalation_url(escalation_id)), 404)
        assert _problem(client.patch(escalation_url(escalation_id), {"note": "x"},
                                     format="json"), 404)  # fmt: skip
        assert _problem(client.post(escalation_url(escalation_id, "outcome/"),
                                    {"outcome": "solved_alone"}, format="json"), 404)  # fmt: skip
    assert not EscalationChange.objects.exists()


def test_correcting_the_topic_keeps_the_history_and_the_repeat_flags_right(
    org, sam, riley, pricing, repair, api_client_for
):
    start = timezone.now() - dt.timedelta(days=10)
    first = log(riley, topic=pricing, occurred_at=start)
    second = log(riley, topic=repair, occurred_at=start + dt.timedelta(days=1))
    third = log(riley, topic=pricing, occurred_at=start + dt.timedelta(days=2))
    assert (second.repeats_topic, third.repeats_topic) == (False, True)

    # The first one was about a repair: the second repeats it, the third no longer does.
    response = api_client_for(sam).patch(
        escalation_url(first.pk), {"topic": repair.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["topic"] == {"id": repair.pk, "name": "Repair"}
    for escalation in (first, second, third):
        escalation.refresh_from_db()
    assert (first.repeats_topic, second.repeats_topic, third.repeats_topic) == (False, True, False)
    assert response.json()["history"][0]["changes"] == {"topic": ["Pricing", "Repair"]}
    assert response.json()["history"][0]["changed_by"]["id"] == sam.pk

    # Topic needed after all: nothing repeats any more.
    api_client_for(riley).patch(escalation_url(first.pk), {"topic": None}, format="json")
    second.refresh_from_db()
    assert second.repeats_topic is False
    assert EscalationChange.objects.filter(escalation=first).count() == 2


def test_correcting_the_note_channel_and_urgency(org, sam, riley, api_client_for):
    escalation = log(riley)
    assert escalation.callback_due_at is not None
    client = api_client_for(riley)
    response = client.patch(
        escalation_url(escalation.pk),
        {"note": "Customer wants a discount", "channel": "text", "urgency": "urgent"},
        format="json",
    )
    assert response.status_code == 200, response.content
    escalation.refresh_from_db()
    assert (escalation.note, escalation.channel, escalation.urgency) == (
        "Customer wants a discount", "text", "urgent",
    )  # fmt: skip
    assert escalation.callback_due_at is None  # urgent: handled now, no callback
    assert response.json()["history"][0]["changes"] == {
        "note": ["", "Customer wants a discount"],
        "channel": ["call", "text"],
        "urgency": ["routine", "urgent"],
    }
    client.patch(escalation_url(escalation.pk), {"urgency": "routine"}, format="json")
    escalation.refresh_from_db()
    assert escalation.callback_due_at is not None  # routine again: the callback is back

    # The same values again change nothing and add no history.
    unchanged = client.patch(escalation_url(escalation.pk), {"urgency": "routine"}, format="json")
    assert unchanged.status_code == 200
    assert EscalationChange.objects.count() == 2


def test_an_urgent_escalation_with_an_outcome_made_routine_gets_no_callback(
    org, sam, riley, api_client_for
):
    escalation = log(riley, urgency="urgent")
    escalation_record_outcome(escalation=escalation, actor=sam, outcome="manager_solved")
    api_client_for(sam).patch(escalation_url(escalation.pk), {"urgency": "routine"}, format="json")
    escalation.refresh_from_db()
    assert (escalation.urgency, escalation.callback_due_at) == ("routine", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"topic": "pricing"}, "topic"),
        ({"topic": 10**9}, "topic"),
        ({"note": "x" * 501}, "note"),
        ({"channel": "pigeon"}, "channel"),
        ({"urgency": None}, "urgency"),
    ],
)
def test_a_bad_correction_is_a_400_problem(org, sam, riley, api_client_for, body, field):
    escalation = log(riley)
    assert field in _problem(api_client_for(sam).patch(escalation_url(escalation.pk), body,
                                                       format="json"))["errors"]  # fmt: skip
    assert not EscalationChange.objects.exists()


def test_another_organisations_topic_is_not_a_correction(org, sam, riley, theirs,
                                                         api_client_for):  # fmt: skip
    escalation = log(riley)
    response = api_client_for(sam).patch(
        escalation_url(escalation.pk), {"topic": theirs["topic"].pk}, format="json"
    )
    assert _problem(response)["errors"]["topic"] == [UNKNOWN_TOPIC % {"id": theirs["topic"].pk}]


def test_the_manager_records_the_outcome_once_per_key(org, sam, riley, casey, service,
                                                      api_client_for):  # fmt: skip
    escalation = log(riley)
    client = api_client_for(sam)
    body = {"outcome": "redirected", "redirected_to_member": casey.pk,
            "redirected_to_team": service.pk, "manager_minutes": 4, "rep_minutes": 10}  # fmt: skip
    first = client.post(escalation_url(escalation.pk, "outcome/"), body, format="json",
                        headers={"Idempotency-Key": "o-1"})  # fmt: skip
    retry = client.post(escalation_url(escalation.pk, "outcome/"), body, format="json",
                        headers={"Idempotency-Key": "o-1"})  # fmt: skip
    assert (first.status_code, retry.status_code) == (200, 200), first.content
    assert retry["Idempotent-Replayed"] == "true"
    data = first.json()
    assert data["outcome"] == "redirected"
    assert data["redirected_to_member"] == {"id": casey.pk, "name": "Casey Helper"}
    assert data["redirected_to_team"] == {"id": service.pk, "name": "Customer Service"}
    assert (data["manager_minutes"], data["rep_minutes"]) == (4, 10)
    assert data["called_back_at"] is not None
    assert EscalationChange.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "outcome"),
        ({"outcome": ""}, "outcome"),
        ({"outcome": "open"}, "outcome"),
        ({"outcome": "redirected"}, "redirected_to_member"),
        ({"outcome": "solved_alone", "manager_minutes": -1}, "manager_minutes"),
        ({"outcome": "solved_alone", "rep_minutes": 1441}, "rep_minutes"),
        ({"outcome": "redirected", "redirected_to_member": 10**9}, "redirected_to_member"),
        ({"outcome": "redirected", "redirected_to_team": "cs"}, "redirected_to_team"),
    ],
)
def test_a_bad_outcome_is_a_400_problem(org, sam, riley, api_client_for, body, field):
    escalation = log(riley)
    response = api_client_for(sam).post(escalation_url(escalation.pk, "outcome/"), body,
                                        format="json")  # fmt: skip
    assert field in _problem(response)["errors"]
    escalation.refresh_from_db()
    assert escalation.outcome == ""
    assert not EscalationChange.objects.exists()


def test_a_redirect_names_no_one_of_another_organisation(org, sam, riley, theirs, api_client_for):
    escalation = log(riley)
    response = api_client_for(sam).post(
        escalation_url(escalation.pk, "outcome/"),
        {"outcome": "redirected", "redirected_to_team": theirs["team"].pk},
        format="json",
    )
    assert "redirected_to_team" in _problem(response)["errors"]


def test_the_redirect_message_is_the_services(org, sam, riley, api_client_for):
    escalation = log(riley)
    response = api_client_for(sam).post(
        escalation_url(escalation.pk, "outcome/"), {"outcome": "redirected"}, format="json"
    )
    assert _problem(response)["errors"]["redirected_to_member"] == [REDIRECT_NEEDS_TARGET]


# --- Topics --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "rep", "support"])
def test_everyone_reads_the_who_to_call_directory(org, casey, pricing, repair, theirs,
                                                  api_client_for, role):  # fmt: skip
    Topic.objects.create(name="Old topic", is_active=False)
    pricing.handled_by_member = casey
    pricing.save()
    client = api_client_for(MembershipFactory(role=role))
    response = client.get(TOPICS)
    assert response.status_code == 200, response.content
    assert [t["name"] for t in response.json()] == ["Old topic", "Pricing", "Repair"]
    assert response.json()[1] == {
        "id": pricing.pk,
        "name": "Pricing",
        "handled_by_team": {"id": pricing.handled_by_team_id, "name": "Customer Service",
                            "kind": "customer_service"},
        "handled_by_member": {"id": casey.pk, "name": "Casey Helper"},
        "how_to": "Part numbers.",
        "is_active": True,
    }  # fmt: skip
    active = client.get(TOPICS, {"active": "true"}).json()
    assert [t["name"] for t in active] == ["Pricing", "Repair"]
    assert [t["name"] for t in client.get(TOPICS, {"active": "false"}).json()] == ["Old topic"]
    assert "active" in _problem(client.get(TOPICS, {"active": "yes"}))["errors"]


def test_an_admin_adds_a_topic(org, admin, service, casey, api_client_for):
    client = api_client_for(admin)
    body = {"name": " Returns ", "handled_by_team": service.pk, "handled_by_member": casey.pk,
            "how_to": "Order number and photos."}  # fmt: skip
    response = client.post(TOPICS, body, format="json", headers={"Idempotency-Key": "t-1"})
    retry = client.post(TOPICS, body, format="json", headers={"Idempotency-Key": "t-1"})
    assert (response.status_code, retry.status_code) == (201, 201), response.content
    topic = Topic.objects.get(name="Returns")
    assert (topic.handled_by_team, topic.handled_by_member) == (service, casey)
    assert response.json()["id"] == topic.pk
    duplicate = client.post(TOPICS, {"name": "returns"}, format="json")
    assert "name" in _problem(duplicate)["errors"]
    assert Topic.objects.count() == 1


@pytest.mark.parametrize("role", ["manager", "rep", "support"])
def test_only_admins_add_topics(org, api_client_for, role):
    response = api_client_for(MembershipFactory(role=role)).post(
        TOPICS, {"name": "Mine"}, format="json"
    )
    assert _problem(response, 403)["detail"] == ADMINS_ONLY
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "Ok", "how_to": "x" * 1001}, "how_to"),
        ({"name": "Ok", "handled_by_team": "cs"}, "handled_by_team"),
        ({"name": "Ok", "handled_by_team": 10**9}, "handled_by_team"),
        ({"name": "Ok", "handled_by_member": 10**30}, "handled_by_member"),
        ({"name": "Ok", "is_active": "maybe"}, "is_active"),
    ],
)
def test_a_bad_topic_is_a_400_problem(org, admin, api_client_for, body, field):
    assert field in _problem(api_client_for(admin).post(TOPICS, body, format="json"))["errors"]
    assert not Topic.objects.exists()


def test_another_organisations_team_or_person_handles_none_of_our_topics(
    org, admin, theirs, api_client_for
):
    client = api_client_for(admin)
    team = client.post(TOPICS, {"name": "A", "handled_by_team": theirs["team"].pk}, format="json")
    person = client.post(TOPICS, {"name": "B", "handled_by_member": theirs["rep"].pk},
                         format="json")  # fmt: skip
    assert "handled_by_team" in _problem(team)["errors"]
    assert "handled_by_member" in _problem(person)["errors"]
    assert "Their topic" not in {t["name"] for t in client.get(TOPICS).json()}


# --- Service detours -----------------------------------------------------------------------------


def _detour(rep, team, **kwargs):
    kwargs.setdefault("occurred_at", timezone.now())
    return ServiceDetour.objects.create(rep=rep, team=team, kind="repair", minutes=15, **kwargs)


def test_detours_are_listed_in_the_reports_scope(org, admin, sam, riley, jordan, tess, casey,
                                                 service, theirs, api_client_for):  # fmt: skip
    mine = _detour(riley, service)
    colleague = _detour(jordan, service)
    elsewhere = _detour(tess, service)
    assert set(_ids(api_client_for(admin).get(DETOURS))) == {mine.pk, colleague.pk, elsewhere.pk}
    assert set(_ids(api_client_for(sam).get(DETOURS))) == {mine.pk, colleague.pk}
    assert _ids(api_client_for(riley).get(DETOURS)) == [mine.pk]
    assert _ids(api_client_for(sam).get(DETOURS, {"rep": jordan.pk})) == [colleague.pk]
    assert _problem(api_client_for(casey).get(DETOURS), 403)
    item = api_client_for(riley).get(DETOURS).json()["results"][0]
    assert item == {
        "id": mine.pk,
        "rep": {"id": riley.pk, "name": "Riley Rep"},
        "occurred_at": item["occurred_at"],
        "kind": "repair",
        "team": {"id": service.pk, "name": "Customer Service"},
        "minutes": 15,
        "note": "",
        "created_at": item["created_at"],
    }


def test_detours_filter_by_date(org, riley, service, api_client_for):
    march = _detour(riley, service, occurred_at=dt.datetime(2026, 3, 2, 12, tzinfo=LONDON))
    april = _detour(riley, service, occurred_at=dt.datetime(2026, 4, 2, 12, tzinfo=LONDON))
    client = api_client_for(riley)
    assert _ids(client.get(DETOURS, {"start": "2026-04-01"})) == [april.pk]
    assert _ids(client.get(DETOURS, {"end": "2026-03-31"})) == [march.pk]
    backwards = client.get(DETOURS, {"start": "2026-04-02", "end": "2026-04-01"})
    assert "start" in _problem(backwards)["errors"]


def test_a_rep_logs_a_detour_and_a_retry_logs_it_once(org, riley, service, api_client_for):
    client = api_client_for(riley)
    body = {"kind": "wrong_item", "team": service.pk, "minutes": 20, "note": "Sent the blue one"}
    first = client.post(DETOURS, body, format="json", headers={"Idempotency-Key": "d-1"})
    retry = client.post(DETOURS, body, format="json", headers={"Idempotency-Key": "d-1"})
    assert (first.status_code, retry.status_code) == (201, 201), first.content
    detour = ServiceDetour.objects.get()
    assert (detour.rep, detour.team, detour.minutes, detour.created_by) == (
        riley, service, 20, riley,
    )  # fmt: skip
    assert first.json()["id"] == detour.pk


def test_a_manager_logs_a_detour_for_their_team_only(org, sam, riley, tess, service,
                                                     api_client_for):  # fmt: skip
    client = api_client_for(sam)
    body = {"kind": "repair", "team": service.pk, "minutes": 5}
    assert client.post(DETOURS, {**body, "rep": riley.pk}, format="json").status_code == 201
    assert _problem(client.post(DETOURS, {**body, "rep": tess.pk}, format="json"), 403)
    assert _problem(api_client_for(riley).post(DETOURS, {**body, "rep": tess.pk}, format="json"),
                    403)  # fmt: skip
    assert ServiceDetour.objects.count() == 1


def test_support_staff_log_no_detours(org, casey, service, api_client_for):
    response = api_client_for(casey).post(
        DETOURS, {"kind": "repair", "team": service.pk, "minutes": 5}, format="json"
    )
    assert _problem(response, 403)
    assert not ServiceDetour.objects.exists()


def test_bad_detours_are_400_problems_and_write_nothing(org, riley, service, theirs,
                                                        api_client_for):  # fmt: skip
    sales = TeamFactory(kind="sales")
    ok = {"kind": "repair", "team": service.pk, "minutes": 5}
    client = api_client_for(riley)
    for body, field in [
        ({}, "kind"),
        ({**ok, "kind": "gossip"}, "kind"),
        ({**ok, "team": None}, "team"),
        ({**ok, "team": theirs["team"].pk}, "team"),
        ({**ok, "minutes": 0}, "minutes"),
        ({**ok, "minutes": 1441}, "minutes"),
        ({**ok, "minutes": "ten"}, "minutes"),
        ({**ok, "rep": theirs["rep"].pk}, "rep"),
        ({**ok, "note": "x" * 501}, "note"),
        ({**ok, "occurred_at": "9999-01-01T00:00:00Z"}, "occurred_at"),
        ({**ok, "occurred_at": "0001-01-01T00:00:00Z"}, "occurred_at"),
    ]:
        assert field in _problem(client.post(DETOURS, body, format="json"))["errors"], body
    response = client.post(DETOURS, {**ok, "team": sales.pk}, format="json")
    assert _problem(response)["errors"]["team"] == [NOT_A_SUPPORT_TEAM]
    assert not ServiceDetour.objects.exists()


# --- Isolation -----------------------------------------------------------------------------------


def test_the_outsiders_token_finds_none_of_our_rows(org, sam, riley, service, pricing, outsider,
                                                    api_client_for):  # fmt: skip
    escalation = log(riley, topic=pricing)
    _detour(riley, service)
    client = api_client_for(outsider)
    assert _ids(client.get(ESCALATIONS)) == []
    assert _ids(client.get(DETOURS)) == []
    assert "Pricing" not in {t["name"] for t in client.get(TOPICS).json()}
    assert _problem(client.get(escalation_url(escalation.pk)), 404)
    assert _problem(client.patch(escalation_url(escalation.pk), {"note": "x"}, format="json"), 404)
    assert _problem(client.post(escalation_url(escalation.pk, "outcome/"),
                                {"outcome": "solved_alone"}, format="json"), 404)  # fmt: skip
    with tenant_context(outsider.organization_id):
        rep = MembershipFactory(role="rep", reports_to=outsider)
    logged = client.post(ESCALATIONS, {"rep": rep.pk, "channel": "call", "urgency": "routine",
                                       "topic": pricing.pk}, format="json")  # fmt: skip
    assert "topic" in _problem(logged)["errors"]
    escalation.refresh_from_db()
    assert escalation.note == ""


# --- Query counts --------------------------------------------------------------------------------


def _grow(rep, team, topic, count):
    now = timezone.now()
    Escalation.objects.bulk_create(
        Escalation(rep=rep, manager=rep.reports_to, occurred_at=now - dt.timedelta(minutes=i),
                   channel="call", urgency="urgent", topic=topic, outcome="redirected",
                   redirected_to_team=team, redirected_to_member=rep)
        for i in range(count)
    )  # fmt: skip
    ServiceDetour.objects.bulk_create(
        ServiceDetour(rep=rep, occurred_at=now, kind="repair", team=team, minutes=5)
        for _ in range(count)
    )
    Topic.objects.bulk_create(
        Topic(name=f"Topic {count}-{i}", handled_by_team=team, handled_by_member=rep)
        for i in range(count)
    )


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


# Every request after a token's first: 1 savepoint, 2 set_config(app.org_id), 3 the token
# (+membership, user, team), 4 the organisation; and at the end set_config restore and release
# savepoint (a test's context is nested). The token's route is kept per process after the first
# request; the rate limit's counter goes through the counters' own connection
# (apps/core/routers.py): neither is counted here.
@pytest.mark.parametrize(
    ("role", "path", "expected"),
    [
        # 5 page of escalations (+rep, manager, topic, redirected to, team)
        ("admin", f"{ESCALATIONS}?page_size=200", 7),
        # 5 the reporting lines (the manager's tree), 6 the page of escalations
        ("manager", f"{ESCALATIONS}?page_size=200", 8),
        # 5 the reporting lines (the report's scope), 6 the page of detours (+rep, team)
        ("manager", f"{DETOURS}?page_size=200", 8),
        # 5 the topics (+team, person)
        ("rep", TOPICS, 7),
    ],
)
def test_the_lists_cost_the_same_queries_with_hundreds_of_rows(org, admin, sam, riley, service,
                                                               pricing, api_client_for, role,
                                                               path, expected):  # fmt: skip
    member = {"admin": admin, "manager": sam, "rep": riley}[role]
    client = api_client_for(member)
    client.get(TOPICS)  # the first request of a token also records when it was last used
    _grow(riley, service, pricing, 3)
    few = _queries(client, path)
    _grow(riley, service, pricing, 300)
    many = _queries(client, path)
    assert few == many == expected


# --- The document --------------------------------------------------------------------------------


def test_every_dependency_operation_is_in_the_schema(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "s.yml"))
    paths = yaml.safe_load((tmp_path / "s.yml").read_text())["paths"]
    expected = {
        "/api/v1/escalations/": {"get", "post"},
        "/api/v1/escalations/{escalation_id}/": {"get", "patch"},
        "/api/v1/escalations/{escalation_id}/outcome/": {"post"},
        "/api/v1/topics/": {"get", "post"},
        "/api/v1/service-detours/": {"get", "post"},
        "/api/v1/reports/dependency/": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
        for method in methods:
            parameters = {p["name"] for p in paths[path][method].get("parameters", [])}
            if method == "post":
                assert "Idempotency-Key" in parameters, path
    assert {"cursor", "rep", "manager", "topic", "urgency", "outcome", "start", "end"} <= {
        p["name"] for p in paths["/api/v1/escalations/"]["get"]["parameters"]
    }
    assert reverse("api_escalation_list") == ESCALATIONS


def test_an_imported_escalation_made_routine_schedules_no_callback(org, sam, riley, api_client_for):
    imported = Escalation.objects.create(
        rep=riley, manager=sam, occurred_at=timezone.now(), channel="call", urgency="urgent",
        source="import", import_key="k-1",
    )  # fmt: skip
    response = api_client_for(sam).patch(
        escalation_url(imported.pk), {"urgency": "routine"}, format="json"
    )
    assert response.status_code == 200, response.content
    imported.refresh_from_db()
    assert (imported.urgency, imported.callback_due_at) == ("routine", None)  # history only


def test_logging_an_escalation_costs_a_fixed_number_of_queries(
    riley, pricing, api_client_for, django_assert_num_queries
):
    client = api_client_for(riley)
    client.get(TOPICS)  # the token's first request: its route is looked up and its use recorded
    body = {"channel": "call", "urgency": "routine", "topic": pricing.pk, "note": "Price?"}
    with django_assert_num_queries(13):
        # 1 savepoint, 2 set_config(app.org_id), 3 the token (+member, user, team), 4 the
        # organisation, 5 the topic, 6 savepoint of the service, 7 the rep's manager (+user):
        # the default, 8 the organisation's delay and working hours as they are now (routine
        # only), 9 the same topic in the rep's last 30 days, 10 INSERT, 11 release;
        # 12 set_config back and 13 release (a test's context is nested).
        # The rate limit's counter is on its own connection, not counted here.
        response = client.post(ESCALATIONS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["manager"]["id"] == riley.reports_to_id
