"""Tenant isolation as a state machine, through the API.

Three organisations, each with an admin, a manager, a rep and a support person (each holding an
API token). Hypothesis runs random sequences of what members do through the API (kudos, public or
private, reactions, letters and their acknowledgement, nomination links, customer nominations
through the public form and their moderation, topics, escalations and their outcomes, service
detours) in random organisations, and after every step checks, for every organisation:

- no list endpoint shows a member an id of another organisation's object (the rows listed and
  the people they name), the member's role taking turns from step to step;
- every object created is, from the next check on, a 404 by id to the other organisations'
  admins, for reads and for writes (react, acknowledge, approve, record an outcome, revoke).
"""

from collections import defaultdict
from urllib.parse import urlparse

import pytest
from django.test import Client
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from rest_framework.test import APIClient

from apps.accounts.tokens import api_token_create
from apps.recognition import nomination_services
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, ValueFactory
from tests.proof.hypothesis_profiles import examples

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

ROLES = ("admin", "manager", "rep", "support")
# What each list endpoint lists, and which roles may read it.
LISTS = {
    "/api/v1/kudos/": ("kudos", ROLES),
    "/api/v1/letters/": ("letter", ROLES),
    "/api/v1/nomination-links/": ("link", ROLES),
    "/api/v1/nominations/": ("nomination", ("admin", "manager")),
    "/api/v1/escalations/": ("escalation", ("admin", "manager", "rep")),
    "/api/v1/service-detours/": ("detour", ("admin", "manager", "rep")),
    "/api/v1/topics/": ("topic", ROLES),
    "/api/v1/values/": ("value", ROLES),
    "/api/v1/members/": ("member", ROLES),
}
# Keys under which an answer names a person.
PERSON_KEYS = {"sender", "recipients", "rep", "manager", "addressed_to", "subjects", "nominee",
               "created_by", "collected_by", "acknowledged_by", "moderated_by",
               "handled_by_member", "redirected_to_member", "copies"}  # fmt: skip
# Reads by id, and writes by id: each must answer 404 for another organisation's object.
READS = {
    "kudos": "/api/v1/kudos/{id}/",
    "member": "/api/v1/members/{id}/",
    "escalation": "/api/v1/escalations/{id}/",
    "link": "/api/v1/nomination-links/{id}/",
}
WRITES = {
    "kudos": ("/api/v1/kudos/{id}/reactions/", {"emoji": "👏"}),
    "letter": ("/api/v1/letters/{id}/acknowledge/", {"note": "Thanks"}),
    "nomination": ("/api/v1/nominations/{id}/approve/", {}),
    "escalation": ("/api/v1/escalations/{id}/outcome/", {"outcome": "solved_alone"}),
    "link": ("/api/v1/nomination-links/{id}/revoke/", {}),
}
EMOJIS = ("👏", "❤️", "🎉")


class Organisation:
    """One tenant of the world: its members (by role), their clients, its support team."""

    def __init__(self, index: int):
        self.org = OrganizationFactory(name=f"Tenant {index}", slug=f"tenant-{index}")
        with tenant_context(self.org):
            support_team = TeamFactory(name=f"Care {index}", kind="customer_service")
            admin = MembershipFactory(role="admin")
            manager = MembershipFactory(role="manager")
            self.members = {
                "admin": admin,
                "manager": manager,
                "rep": MembershipFactory(role="rep", reports_to=manager),
                "support": MembershipFactory(role="support", team=support_team, reports_to=manager),
            }
            self.support_team_id = support_team.pk
            self.value_id = ValueFactory().pk
            self.clients = {}
            for role, member in self.members.items():
                client = APIClient()
                secret = api_token_create(membership=member, name="Isolation").secret
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
                self.clients[role] = client
        self.ids = defaultdict(set)  # kind → ids of this organisation's objects
        self.fresh = []  # (kind, id) created since the last check
        self.ids["member"] = {m.pk for m in self.members.values()}
        self.ids["value"] = {self.value_id}
        self.link_paths = []  # public form paths of this organisation's nomination links

    def remember(self, kind: str, object_id: int) -> None:
        self.ids[kind].add(object_id)
        self.fresh.append((kind, object_id))


def _created(response, kind: str) -> list[int]:
    assert response.status_code in (200, 201), (kind, response.status_code, response.content)
    body = response.json()
    return [row["id"] for row in body] if isinstance(body, list) else [body["id"]]


def _people(value) -> set[int]:
    """The ids of the people an answer names (under the keys that name people)."""
    found = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PERSON_KEYS and item:
                for person in item if isinstance(item, list) else [item]:
                    if isinstance(person, dict) and "id" in person:
                        found.add(person["id"])
            found |= _people(item)
    elif isinstance(value, list):
        for item in value:
            found |= _people(item)
    return found


class TenantIsolation(RuleBasedStateMachine):
    """The world is built once per test (see `world`); each run adds to it."""

    world: list[Organisation] = []

    tenants = st.integers(min_value=0, max_value=2)

    def __init__(self):
        super().__init__()
        self.checks = 0

    def other_organisations(self, tenant: Organisation):
        return [t for t in self.world if t is not tenant]

    def tenant(self, index: int) -> Organisation:
        return self.world[index]

    # --- What members do ---------------------------------------------------------------------

    @rule(
        index=tenants,
        sender=st.sampled_from(ROLES),
        recipient=st.sampled_from(ROLES),
        private=st.booleans(),
    )
    def send_kudos(self, index, sender, recipient, private):
        tenant = self.tenant(index)
        if sender == recipient:
            recipient = "support" if sender != "support" else "rep"
        response = tenant.clients[sender].post(
            "/api/v1/kudos/",
            {
                "recipients": [tenant.members[recipient].pk],
                "message": "Thanks for sorting the order out",
                "values": [tenant.value_id],
                "visibility": "private" if private else "organization",
            },
            format="json",
        )
        for kudos_id in _created(response, "kudos"):
            tenant.remember("kudos", kudos_id)

    @precondition(lambda self: any(t.ids["kudos"] for t in self.world))
    @rule(data=st.data(), role=st.sampled_from(ROLES), emoji=st.sampled_from(EMOJIS))
    def react(self, data, role, emoji):
        tenant = data.draw(st.sampled_from([t for t in self.world if t.ids["kudos"]]))
        kudos_id = data.draw(st.sampled_from(sorted(tenant.ids["kudos"])))
        response = tenant.clients[role].post(
            f"/api/v1/kudos/{kudos_id}/reactions/", {"emoji": emoji}, format="json"
        )
        assert response.status_code in (200, 201, 404)  # 404: a private kudos not theirs

    @rule(index=tenants, sender=st.sampled_from(("admin", "rep", "manager")))
    def write_letter(self, index, sender):
        tenant = self.tenant(index)
        response = tenant.clients[sender].post(
            "/api/v1/letters/",
            {"subjects": [tenant.members["support"].pk], "body": "She saved the account."},
            format="json",
        )
        if sender == "manager":  # the manager can't be thanked to themself: still a letter
            assert response.status_code in (201, 400)
            if response.status_code == 400:
                return
        for letter_id in _created(response, "letter"):
            tenant.remember("letter", letter_id)

    @precondition(lambda self: any(t.ids["letter"] for t in self.world))
    @rule(data=st.data())
    def acknowledge_letter(self, data):
        tenant = data.draw(st.sampled_from([t for t in self.world if t.ids["letter"]]))
        letter_id = data.draw(st.sampled_from(sorted(tenant.ids["letter"])))
        response = tenant.clients["manager"].post(
            f"/api/v1/letters/{letter_id}/acknowledge/", {"note": "Well done"}, format="json"
        )
        assert response.status_code in (200, 400), response.content  # 400: already done

    @rule(index=tenants, role=st.sampled_from(ROLES))
    def create_nomination_link(self, index, role):
        tenant = self.tenant(index)
        response = tenant.clients[role].post(
            "/api/v1/nomination-links/", {"label": "Acme rollout"}, format="json"
        )
        (link_id,) = _created(response, "link")
        tenant.remember("link", link_id)
        tenant.link_paths.append(urlparse(response.json()["url"]).path)

    @precondition(lambda self: any(t.link_paths for t in self.world))
    @rule(data=st.data())
    def customer_nominates(self, data):
        """A customer without an account, through the public form of a link."""
        tenant = data.draw(st.sampled_from([t for t in self.world if t.link_paths]))
        path = data.draw(st.sampled_from(tenant.link_paths))
        with tenant_context(tenant.org):
            before = set(nomination_ids(tenant))
        response = Client(REMOTE_ADDR="203.0.113.9").post(
            path,
            {
                "nominee": tenant.members["support"].pk,
                "story": "Fixed our delivery in an hour.",
                "customer_role": "buyer",
                "customer_name": "Pat Customer",
                "consent": "on",
            },
        )
        assert response.status_code in (302, 200, 410), response.status_code  # 410: revoked
        with tenant_context(tenant.org):
            for nomination_id in set(nomination_ids(tenant)) - before:
                tenant.remember("nomination", nomination_id)

    @precondition(lambda self: any(t.ids["nomination"] for t in self.world))
    @rule(data=st.data())
    def approve_nomination(self, data):
        tenant = data.draw(st.sampled_from([t for t in self.world if t.ids["nomination"]]))
        nomination_id = data.draw(st.sampled_from(sorted(tenant.ids["nomination"])))
        response = tenant.clients["admin"].post(
            f"/api/v1/nominations/{nomination_id}/approve/", {}, format="json"
        )
        assert response.status_code in (200, 400), response.content  # 400: decided already

    @rule(index=tenants)
    def add_topic(self, index):
        tenant = self.tenant(index)
        response = tenant.clients["admin"].post(
            "/api/v1/topics/",
            {"name": f"Pricing {len(tenant.ids['topic'])}",
             "handled_by_team": tenant.support_team_id},
            format="json",
        )  # fmt: skip
        for topic_id in _created(response, "topic"):
            tenant.remember("topic", topic_id)

    @rule(index=tenants, urgent=st.booleans(), data=st.data())
    def log_escalation(self, index, urgent, data):
        tenant = self.tenant(index)
        topics = sorted(tenant.ids["topic"])
        topic = data.draw(st.sampled_from([None, *topics]))
        response = tenant.clients["rep"].post(
            "/api/v1/escalations/",
            {"channel": "call", "urgency": "urgent" if urgent else "routine", "topic": topic},
            format="json",
        )
        for escalation_id in _created(response, "escalation"):
            tenant.remember("escalation", escalation_id)

    @precondition(lambda self: any(t.ids["escalation"] for t in self.world))
    @rule(data=st.data(), outcome=st.sampled_from(["solved_alone", "manager_solved"]))
    def record_outcome(self, data, outcome):
        tenant = data.draw(st.sampled_from([t for t in self.world if t.ids["escalation"]]))
        escalation_id = data.draw(st.sampled_from(sorted(tenant.ids["escalation"])))
        response = tenant.clients["manager"].post(
            f"/api/v1/escalations/{escalation_id}/outcome/", {"outcome": outcome}, format="json"
        )
        assert response.status_code == 200, response.content

    @rule(index=tenants, minutes=st.integers(min_value=1, max_value=240))
    def log_service_detour(self, index, minutes):
        tenant = self.tenant(index)
        response = tenant.clients["rep"].post(
            "/api/v1/service-detours/",
            {"kind": "order_status", "team": tenant.support_team_id, "minutes": minutes},
            format="json",
        )
        for detour_id in _created(response, "detour"):
            tenant.remember("detour", detour_id)

    # --- What nobody may see --------------------------------------------------------------------

    @invariant()
    def lists_show_only_the_members_organisation(self):
        role = ROLES[self.checks % len(ROLES)]  # each role in turn
        self.checks += 1
        for tenant in self.world:
            foreign = defaultdict(set)
            for other in self.other_organisations(tenant):
                for kind, ids in other.ids.items():
                    foreign[kind] |= ids
            for path, (kind, roles) in LISTS.items():
                if role not in roles:
                    continue
                response = tenant.clients[role].get(path, {"page_size": 200})
                assert response.status_code == 200, (path, role, response.content)
                body = response.json()
                rows = body["results"] if isinstance(body, dict) else body
                shown = {row["id"] for row in rows}
                assert not shown & foreign[kind], (path, role, shown & foreign[kind])
                assert not _people(rows) & foreign["member"], (path, role)

    @invariant()
    def another_organisations_objects_are_404_by_id(self):
        for other in self.world:
            for kind, object_id in other.fresh:
                for tenant in self.other_organisations(other):
                    client = tenant.clients["admin"]  # sees the most of their own organisation
                    if kind in READS:
                        response = client.get(READS[kind].format(id=object_id))
                        assert response.status_code == 404, (kind, response.status_code)
                    if kind in WRITES:
                        path, body = WRITES[kind]
                        response = client.post(path.format(id=object_id), body, format="json")
                        assert response.status_code == 404, (kind, response.status_code)
            other.fresh.clear()


def nomination_ids(tenant: Organisation) -> list[int]:
    from apps.recognition.nomination_models import Nomination

    return list(Nomination.objects.values_list("id", flat=True))


@pytest.fixture
def world(db, monkeypatch):
    monkeypatch.setattr(nomination_services, "LINK_SUBMISSIONS_PER_HOUR", 10**6)
    monkeypatch.setattr(nomination_services, "CLIENT_SUBMISSIONS_PER_10_MINUTES", 10**6)
    return [Organisation(index) for index in range(3)]


def test_no_member_ever_sees_another_organisations_objects(world):
    TenantIsolation.world = world
    try:
        run_state_machine_as_test(
            TenantIsolation,
            settings=settings(max_examples=examples(3), stateful_step_count=8),
        )
    finally:
        TenantIsolation.world = []
