"""Factories. Tenant-owned rows take their organisation from the current tenant context, so
everything a test creates inside `tenant_context(org)` belongs to that one organisation."""

import uuid

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.tenancy.context import require_organization_id
from apps.tenancy.models import Membership, Organization, Team, UserOrganization

DEFAULT_PASSWORD = "correct horse battery staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Acme {n}")
    slug = factory.Sequence(lambda n: f"acme-{n}")
    time_zone = "Europe/London"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save(update_fields=["password"])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    kind = Team.Kind.SALES


class MembershipFactory(factory.django.DjangoModelFactory):
    """A member of the current organisation (and its global routing row)."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Membership.Role.REP
    title = ""
    joined_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def route(obj, create, extracted, **kwargs):
        if create:
            UserOrganization.objects.update_or_create(
                user=obj.user,
                organization_id=require_organization_id(),
                defaults={"membership_id": obj.pk, "role": obj.role, "is_active": obj.is_active},
            )


def make_tenant_rows() -> dict:
    """One row of every tenant-owned model in the current organisation, keyed by model label.

    The isolation tests run over this; a new tenant model without an entry here fails them.
    """
    from datetime import timedelta

    from apps.accounts.models import ApiToken, Invitation
    from apps.audit.models import AuditEvent
    from apps.core.models import IdempotencyRecord
    from apps.notifications.models import EmailPreference, Notification, OutboundEmail

    member = MembershipFactory()
    team = TeamFactory()
    now = timezone.now()
    return {
        "tenancy.team": team,
        "tenancy.membership": member,
        "accounts.invitation": Invitation.objects.create(
            email=f"invitee-{member.pk}@example.test", expires_at=now + timedelta(days=1)
        ),
        "accounts.apitoken": ApiToken.objects.create(membership=member, name="t", prefix="sc_x"),
        "audit.auditevent": AuditEvent.objects.create(actor=member, action="test.made"),
        "notifications.outboundemail": OutboundEmail.objects.create(
            to_address="x@example.test",
            category="membership",
            subject="s",
            body_text="b",
            message_id=f"<{member.pk}@test>",
            next_attempt_at=now,
        ),
        "notifications.notification": Notification.objects.create(
            recipient=member, category="membership", title="t"
        ),
        "notifications.emailpreference": EmailPreference.objects.create(
            membership=member, category="membership", enabled=False
        ),
        **_recognition_rows(member),
        **_dependency_rows(member, team),
        "core.idempotencyrecord": IdempotencyRecord.objects.create(
            membership=member,
            key=f"k{member.pk}",
            method="POST",
            path="/x",
            request_fingerprint="f",
        ),
    }


def _recognition_rows(member) -> dict:
    from apps.recognition.models import (
        KudosRecipient,
        KudosValue,
        Letter,
        LetterCopy,
        LetterSubject,
        Reaction,
    )

    helper = MembershipFactory(role="support")
    value = ValueFactory()
    kudos = KudosFactory(sender=member)
    letter = Letter.objects.create(
        sender=member, addressed_to=helper, body="Thank you", kudos=kudos
    )
    return {
        "recognition.value": value,
        "recognition.kudos": kudos,
        "recognition.kudosrecipient": KudosRecipient.objects.bulk_create(
            [KudosRecipient.for_kudos(kudos, helper)]
        )[0],
        "recognition.kudosvalue": KudosValue.objects.create(kudos=kudos, value=value),
        "recognition.reaction": Reaction.objects.create(kudos=kudos, member=helper, emoji="👏"),
        "recognition.letter": letter,
        "recognition.lettersubject": LetterSubject.objects.create(
            letter=letter, member=helper, created_at=letter.created_at
        ),
        "recognition.lettercopy": LetterCopy.objects.create(letter=letter, member=member),
        **_nomination_rows(member, helper),
    }


def _nomination_rows(member, helper) -> dict:
    from apps.recognition.nomination_services import nomination_link_create, nomination_submit

    link = nomination_link_create(creator=member, label="Acme rollout")
    nomination = nomination_submit(
        link=link,
        nominee=helper,
        helper_description="",
        story="Fixed our order in an hour.",
        customer_role="buyer",
        consent=True,
    )
    return {"recognition.nominationlink": link, "recognition.nomination": nomination}


class ValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recognition.Value"

    name = factory.Sequence(lambda n: f"Value {n}")
    description = "What we admire"


class KudosFactory(factory.django.DjangoModelFactory):
    """A kudos row (no recipients): use `send_kudos` in tests for the real thing."""

    class Meta:
        model = "recognition.Kudos"

    sender = factory.SubFactory(MembershipFactory)
    message = factory.Faker("sentence", nb_words=12)


def send_kudos(sender, recipients, message="Thanks for the fast fix", **kwargs):
    """Kudos through the service, as users send it."""
    from apps.recognition.services import kudos_send

    return kudos_send(sender=sender, recipients=list(recipients), message=message, **kwargs)


def _dependency_rows(member, team) -> dict:
    from apps.dependency.models import (
        EscalationChange,
        EscalationWeek,
        ServiceDetour,
        Topic,
        TopicWeek,
    )
    from apps.dependency.services import escalation_log

    manager = MembershipFactory(role="manager")
    rep = MembershipFactory(role="rep", reports_to=manager)
    topic = Topic.objects.create(name=f"Pricing {rep.pk}", handled_by_team=team)
    escalation = escalation_log(
        actor=manager, rep=rep, channel="call", urgency="routine", topic=topic
    )
    from apps.dependency.models import CallImport

    call_import = CallImport.objects.create(
        public_id=uuid.uuid4(), uploaded_by=manager, file="imports/test.csv"
    )
    return {
        "dependency.callimport": call_import,
        "dependency.topic": topic,
        "dependency.escalation": escalation,
        "dependency.escalationchange": EscalationChange.objects.create(
            escalation=escalation, changed_by=manager, changes={"outcome": ["", "solved_alone"]}
        ),
        "dependency.servicedetour": ServiceDetour.objects.create(
            rep=rep, occurred_at=timezone.now(), kind="repair", team=team, minutes=20
        ),
        # Written by PostgreSQL's triggers when the escalation was logged.
        "dependency.escalationweek": EscalationWeek.objects.get(rep=rep),
        "dependency.topicweek": TopicWeek.objects.get(topic_key=topic.pk),
    }
