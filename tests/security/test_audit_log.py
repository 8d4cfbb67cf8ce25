"""The audit log: every sensitive action is recorded, admins read and filter it, nobody changes it
(not through a page, not through the API, not as the application's database role)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import get_resolver, reverse

from apps.accounts.models import Invitation
from apps.accounts.services import invitation_accept, invitation_create, invitation_revoke
from apps.accounts.tokens import api_token_create, api_token_revoke
from apps.audit.models import AppendOnlyError, AuditEvent
from apps.dependency.imports import call_import_create
from apps.dependency.services import escalation_log, escalation_record_outcome, topic_save
from apps.recognition.models import Letter, LetterSubject
from apps.recognition.nomination_services import (
    nomination_delete,
    nomination_erase_customer,
    nomination_link_create,
    nomination_link_revoke,
    nomination_moderate,
    nomination_submit,
)
from apps.recognition.services import kudos_hide, letter_acknowledge, value_save
from apps.tenancy.models import Team
from apps.tenancy.services import (
    membership_deactivate,
    membership_reactivate,
    membership_update,
    organization_update,
    team_save,
)
from tests.factories import MembershipFactory, UserFactory, send_kudos

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = MembershipFactory(role="manager", user__full_name="Sam Manager")
    return {
        "org": org,
        "admin": admin,
        "manager": manager,
        "rep": MembershipFactory(role="rep", reports_to=manager, user__full_name="Riley Rep"),
        "support": MembershipFactory(role="support", reports_to=manager),
    }


def _nomination(p, **kwargs):
    link = nomination_link_create(creator=p["rep"], label="Acme")
    return nomination_submit(
        link=link, nominee=p["support"], helper_description="", story="Fixed it.",
        customer_role="buyer", customer_email="buyer@customer.test", consent=True,
    )  # fmt: skip


def role_change(p):
    return membership_update(membership=p["rep"], actor=p["admin"], role="manager")


def deactivation(p):
    return membership_deactivate(membership=p["rep"], actor=p["admin"])


def reactivation(p):
    membership_deactivate(membership=p["rep"], actor=p["admin"])
    return membership_reactivate(membership=p["rep"], actor=p["admin"])


def invitation_created(p):
    return invitation_create(actor=p["admin"], email="new@example.test", role="rep").invitation


def invitation_revoked(p):
    invitation = invitation_created(p)
    invitation_revoke(invitation=invitation, actor=p["admin"])
    return invitation


def invitation_accepted(p):
    invitation = invitation_created(p)
    invitation_accept(invitation=invitation, user=UserFactory(email="new@example.test"))
    return Invitation.objects.get(pk=invitation.pk)


def settings_changed(p):
    return organization_update(organization=p["org"], actor=p["admin"], callback_delay_minutes=30)


def moderation_setting_changed(p):
    return organization_update(organization=p["org"], actor=p["admin"], managers_can_moderate=False)


def team_created(p):
    return team_save(actor=p["admin"], name="Service desk", kind=Team.Kind.CUSTOMER_SERVICE)


def team_renamed(p):
    team = team_created(p)
    return team_save(actor=p["admin"], name="Help desk", kind=team.kind, team=team)


def value_created(p):
    return value_save(actor=p["admin"], name="Ownership")


def value_changed(p):
    return value_save(actor=p["admin"], name="Owning it", value=value_created(p))


def topic_created(p):
    return topic_save(actor=p["admin"], name="Returns")


def topic_changed(p):
    return topic_save(actor=p["admin"], name="Refunds", topic=topic_created(p))


def token_created(p):
    return api_token_create(membership=p["rep"], name="Script").token


def token_revoked(p):
    return api_token_revoke(token=token_created(p), actor=p["rep"])


def kudos_hidden(p):
    kudos = send_kudos(p["rep"], [p["support"]])
    return kudos_hide(kudos=kudos, actor=p["admin"], reason="Names a customer")


def link_revoked(p):
    link = nomination_link_create(creator=p["rep"], label="Acme")
    return nomination_link_revoke(link=link, actor=p["rep"])


def moderated(decision):
    def act(p):
        return nomination_moderate(nomination=_nomination(p), actor=p["admin"], decision=decision)

    act.__name__ = f"nomination_{decision}"
    return act


def customer_erased(p):
    return nomination_erase_customer(nomination=_nomination(p), actor=p["admin"])


def nomination_deleted(p):
    nomination = _nomination(p)
    pk = nomination.pk
    nomination_delete(nomination=nomination, actor=p["admin"])
    nomination.pk = pk  # deleting cleared it; the event names the row that was
    return nomination


def outcome_changed(p):
    escalation = escalation_log(actor=p["manager"], rep=p["rep"], channel="call", urgency="routine")
    escalation_record_outcome(escalation=escalation, actor=p["manager"], outcome="solved_alone")
    return escalation_record_outcome(
        escalation=escalation, actor=p["admin"], outcome="manager_solved"
    )


def call_log_imported(p):
    upload = SimpleUploadedFile(
        "calls.csv",
        b"started_at,from,to,duration_seconds,kind\n2026-11-30T10:00:00Z,1,2,60,call\n",
        content_type="text/csv",
    )
    return call_import_create(actor=p["manager"], upload=upload)


def letter_acknowledged(p):
    letter = Letter.objects.create(sender=p["rep"], addressed_to=p["manager"], body="Thanks")
    LetterSubject.objects.create(letter=letter, member=p["support"], created_at=letter.created_at)
    return letter_acknowledge(letter=letter, actor=p["manager"], note="Well done")


SENSITIVE_ACTIONS = [
    ("membership.updated", role_change, "admin"),
    ("membership.deactivated", deactivation, "admin"),
    ("membership.reactivated", reactivation, "admin"),
    ("invitation.created", invitation_created, "admin"),
    ("invitation.revoked", invitation_revoked, "admin"),
    ("invitation.accepted", invitation_accepted, None),  # the new member is the actor
    ("organization.updated", settings_changed, "admin"),
    ("organization.updated", moderation_setting_changed, "admin"),
    ("team.created", team_created, "admin"),
    ("team.updated", team_renamed, "admin"),
    ("value.created", value_created, "admin"),
    ("value.updated", value_changed, "admin"),
    ("topic.created", topic_created, "admin"),
    ("topic.updated", topic_changed, "admin"),
    ("api_token.created", token_created, "rep"),
    ("api_token.revoked", token_revoked, "rep"),
    ("kudos.hidden", kudos_hidden, "admin"),
    ("nomination_link.revoked", link_revoked, "rep"),
    ("nomination.approved", moderated("approved"), "admin"),
    ("nomination.rejected", moderated("rejected"), "admin"),
    ("nomination.spam", moderated("spam"), "admin"),
    ("nomination.customer_erased", customer_erased, "admin"),
    ("nomination.deleted", nomination_deleted, "admin"),
    ("escalation.outcome_changed", outcome_changed, "admin"),
    ("call_import.uploaded", call_log_imported, "manager"),
    ("letter.acknowledged", letter_acknowledged, "manager"),
]


@pytest.mark.parametrize(
    ("action", "perform", "actor"),
    SENSITIVE_ACTIONS,
    ids=[f"{action}-{perform.__name__}" for action, perform, _ in SENSITIVE_ACTIONS],
)
def test_every_sensitive_action_is_recorded(people, action, perform, actor):
    target = perform(people)
    event = AuditEvent.objects.filter(action=action).latest("id")
    assert event.object_id == str(target.pk)
    assert event.object_type == target._meta.label_lower
    if actor is not None:
        assert event.actor == people[actor]
        assert event.actor_label == people[actor].display_name
    else:
        assert event.actor is not None


def test_a_role_change_records_before_and_after(people):
    role_change(people)
    event = AuditEvent.objects.get(action="membership.updated")
    assert event.changes["role"] == ["rep", "manager"]


def test_recording_an_outcome_the_first_time_is_not_an_audit_event(people):
    """Managers record outcomes all day; only rewriting one (which changes the report) is."""
    escalation = escalation_log(
        actor=people["manager"], rep=people["rep"], channel="call", urgency="routine"
    )
    escalation_record_outcome(
        escalation=escalation, actor=people["manager"], outcome="manager_solved"
    )
    assert not AuditEvent.objects.filter(action__startswith="escalation.").exists()
    escalation_record_outcome(escalation=escalation, actor=people["admin"], outcome="solved_alone")
    event = AuditEvent.objects.get(action="escalation.outcome_changed")
    assert event.changes["outcome"] == ["manager_solved", "solved_alone"]


def test_a_page_action_records_who_and_from_where(people, client_for):
    org = people["org"]
    client_for(people["admin"]).post(
        reverse("settings_member_deactivate", kwargs={"org_slug": org.slug,
                                                      "member_id": people["rep"].pk}),
        REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox",
    )  # fmt: skip
    event = AuditEvent.objects.get(action="membership.deactivated")
    assert (event.actor, event.ip_address, event.user_agent) == (
        people["admin"],
        "203.0.113.9",
        "Firefox",
    )


# --- Admins read and filter it ------------------------------------------------------------------


def test_admins_read_and_filter_the_log(people, client_for):
    org = people["org"]
    token_created(people)
    kudos_hidden(people)
    page = reverse("settings_audit", kwargs={"org_slug": org.slug})
    client = client_for(people["admin"])
    everything = client.get(page).content.decode()
    assert "api_token.created" in everything
    assert "kudos.hidden" in everything
    filtered = client.get(page, {"action": "kudos.hidden"})
    rows = list(filtered.context["page_obj"])
    assert [event.action for event in rows] == ["kudos.hidden"]
    assert rows[0].changes == {"reason": "Names a customer"}


def test_the_log_shows_only_the_organisations_events(people, outsider, client_for):
    token_created(people)
    with_outsider = client_for(outsider).get(
        reverse("settings_audit", kwargs={"org_slug": "outsider"})
    )
    assert with_outsider.status_code == 200
    assert list(with_outsider.context["page_obj"]) == []


# --- Nobody edits or deletes it -----------------------------------------------------------------


def test_no_route_but_the_read_only_log_page_touches_audit_events():
    names = [name for name in get_resolver().reverse_dict if isinstance(name, str)]
    assert [name for name in names if "audit" in name] == ["settings_audit"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_log_page_refuses_writes_even_from_admins(people, client_for, method):
    token_created(people)
    page = reverse("settings_audit", kwargs={"org_slug": people["org"].slug})
    response = getattr(client_for(people["admin"]), method)(page, {"action": "x"})
    assert response.status_code == 405
    assert AuditEvent.objects.filter(action="api_token.created").count() == 1


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_the_api_has_no_audit_endpoint(people, api_client_for, method):
    event = AuditEvent.objects.create(actor=people["admin"], action="test.made")
    client = api_client_for(people["admin"])
    for path in (
        "/api/v1/audit/",
        f"/api/v1/audit/{event.pk}/",
        f"/api/v1/audit-events/{event.pk}/",
    ):
        assert getattr(client, method)(path, {}, format="json").status_code == 404
    assert AuditEvent.objects.filter(pk=event.pk, action="test.made").exists()


def test_the_model_refuses_changes_and_deletes(people):
    event = AuditEvent.objects.create(actor=people["admin"], action="test.made")
    event.action = "test.changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles need PostgreSQL")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'test.changed'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_the_database_role_cannot_update_or_delete_audit_events(people, statement):
    """Bulk `QuerySet.update()`/`delete()` and raw SQL skip the model: the role is the wall."""
    AuditEvent.objects.create(actor=people["admin"], action="test.made")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "app_rw"
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.filter(action="test.made").count() == 1
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        AuditEvent.objects.filter(action="test.made").update(action="test.changed")
