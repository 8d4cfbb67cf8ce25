"""Write use-cases of the dependency tracker: logging escalations, the let-it-ring callback,
recording outcomes."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.core.errors import ApplicationError
from apps.dependency.models import (
    NOTE_MAX_LENGTH,
    Escalation,
    EscalationChange,
    ServiceDetour,
    Topic,
)
from apps.notifications.services import EmailContent, notify
from apps.tenancy.models import Membership, Organization, Team
from apps.tenancy.selectors import reporting_tree_ids

SUPPORT_CANNOT_LOG = "Support staff don't log escalations."
REP_ONLY_FOR_SELF = "Reps log their own escalations only."
MANAGER_OUTSIDE_TREE = "You can log escalations only for people in your reporting line."
NO_MANAGER = "Choose the manager: this rep has no manager set."
MANAGER_IS_REP = "The rep and the manager must be two people."
INACTIVE_MEMBER = "%(name)s is no longer an active member."
IN_THE_FUTURE = "An escalation can't be in the future."
REDIRECT_NEEDS_TARGET = "Say who it was redirected to: a person or a team."
MINUTES_RANGE = "Minutes must be between 0 and 1440."
NOT_YOURS = "You can't change this escalation."


# --- Let it ring -------------------------------------------------------------------------------


def next_working_moment(organization: Organization, moment: dt.datetime) -> dt.datetime:
    """`moment` if it falls in working hours on a working day (organisation's time zone), else
    the start of the next working period."""
    tz = zoneinfo.ZoneInfo(organization.time_zone)
    local = moment.astimezone(tz)
    days = {int(day) for day in organization.work_days} or {1, 2, 3, 4, 5}
    start, end = organization.work_day_start, organization.work_day_end
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        if day.isoweekday() not in days:
            continue
        opens = dt.datetime.combine(day, start, tzinfo=tz)
        closes = dt.datetime.combine(day, end, tzinfo=tz)
        if offset == 0:
            if local < opens:
                return opens
            if local < closes:
                return moment
            continue
        return opens
    return moment  # unreachable with at least one working day


def callback_due_at(organization: Organization, occurred_at: dt.datetime) -> dt.datetime:
    """Occurred + the organisation's delay, moved into working hours."""
    due = occurred_at + dt.timedelta(minutes=organization.callback_delay_minutes)
    return next_working_moment(organization, due)


# --- Logging -----------------------------------------------------------------------------------


def check_can_log_for(*, actor: Membership, rep: Membership) -> None:
    """design.md: admins for anyone; managers for anyone in their reporting tree; reps for
    themselves; support staff not at all."""
    if actor.role == Membership.Role.SUPPORT:
        raise ApplicationError(_(SUPPORT_CANNOT_LOG), code="forbidden")
    if actor.role == Membership.Role.REP and rep.pk != actor.pk:
        raise ApplicationError(_(REP_ONLY_FOR_SELF), code="forbidden")
    manager_outside_tree = (
        actor.role == Membership.Role.MANAGER
        and rep.pk != actor.pk
        and rep.pk not in reporting_tree_ids(actor)
    )
    if manager_outside_tree:
        raise ApplicationError(_(MANAGER_OUTSIDE_TREE), code="forbidden")


def _check_minutes(value: int | None, field: str) -> None:
    if value is not None and not 0 <= value <= 1440:
        raise ApplicationError(_(MINUTES_RANGE), field=field)


@transaction.atomic
def escalation_log(
    *,
    actor: Membership,
    rep: Membership,
    channel: str,
    urgency: str,
    topic: Topic | None = None,
    manager: Membership | None = None,
    occurred_at: dt.datetime | None = None,
    note: str = "",
    source: str = Escalation.Source.MANUAL,
) -> Escalation:
    """Record an escalation in seconds. A routine one gets its let-it-ring callback time."""
    check_can_log_for(actor=actor, rep=rep)
    if manager is None and rep.reports_to_id is not None:
        reports_to = Membership._meta.get_field("reports_to")
        # With the user the answer names, in one query (the API's token holder comes without).
        manager = (
            rep.reports_to
            if reports_to.is_cached(rep)
            else Membership.objects.select_related("user").get(pk=rep.reports_to_id)
        )
    if manager is None:
        raise ApplicationError(_(NO_MANAGER), field="manager")
    if manager.pk == rep.pk:
        raise ApplicationError(_(MANAGER_IS_REP), field="manager")
    for member, field in ((rep, "rep"), (manager, "manager")):
        if not member.is_active:
            raise ApplicationError(_(INACTIVE_MEMBER) % {"name": member.display_name}, field=field)
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + dt.timedelta(minutes=5):
        raise ApplicationError(_(IN_THE_FUTURE), field="occurred_at")
    if channel not in Escalation.Channel.values:
        raise ApplicationError(_("Choose a channel."), field="channel")
    if urgency not in Escalation.Urgency.values:
        raise ApplicationError(_("Choose urgent or routine."), field="urgency")
    escalation = Escalation(
        rep=rep,
        manager=manager,
        occurred_at=occurred_at,
        channel=channel,
        topic=topic,
        urgency=urgency,
        note=note.replace("\x00", "").strip()[:NOTE_MAX_LENGTH],
        callback_due_at=(
            # The delay and working hours as they are now (read afresh: a changed setting
            # applies from the next escalation on); urgent ones need neither.
            callback_due_at(Organization.objects.get(pk=rep.organization_id), occurred_at)
            if urgency == Escalation.Urgency.ROUTINE
            else None
        ),
        source=source,
        created_by=actor,
    )
    escalation.repeats_topic = repeats_recent_topic(escalation)
    escalation.save()
    return escalation


REPEAT_WINDOW = dt.timedelta(days=30)


def repeats_recent_topic(escalation: Escalation) -> bool:
    """Did the same rep escalate the same topic in the 30 days before this one?"""
    if escalation.topic_id is None:
        return False
    return (
        Escalation.objects.filter(
            rep_id=escalation.rep_id,
            topic_id=escalation.topic_id,
            occurred_at__gte=escalation.occurred_at - REPEAT_WINDOW,
            occurred_at__lt=escalation.occurred_at,
        )
        .exclude(pk=escalation.pk)
        .exists()
    )


def check_can_change(*, actor: Membership, escalation: Escalation) -> None:
    if actor.role == Membership.Role.ADMIN:
        return
    if actor.pk in (escalation.manager_id, escalation.rep_id):
        return
    if actor.role == Membership.Role.MANAGER and escalation.rep_id in reporting_tree_ids(actor):
        return
    raise ApplicationError(_(NOT_YOURS), code="forbidden")


@transaction.atomic
def escalation_record_outcome(
    *,
    escalation: Escalation,
    actor: Membership,
    outcome: str,
    redirected_to_member: Membership | None = None,
    redirected_to_team: Team | None = None,
    manager_minutes: int | None = None,
    rep_minutes: int | None = None,
) -> Escalation:
    """Record what happened, keeping the history of who changed what."""
    check_can_change(actor=actor, escalation=escalation)
    if outcome not in Escalation.Outcome.values or outcome == Escalation.Outcome.PENDING:
        raise ApplicationError(_("Choose what happened."), field="outcome")
    if outcome == Escalation.Outcome.REDIRECTED and not (
        redirected_to_member or redirected_to_team
    ):
        raise ApplicationError(_(REDIRECT_NEEDS_TARGET), field="redirected_to_member")
    if outcome != Escalation.Outcome.REDIRECTED:
        redirected_to_member = redirected_to_team = None
    _check_minutes(manager_minutes, "manager_minutes")
    _check_minutes(rep_minutes, "rep_minutes")
    fields = {
        "outcome": outcome,
        "redirected_to_member_id": redirected_to_member.pk if redirected_to_member else None,
        "redirected_to_team_id": redirected_to_team.pk if redirected_to_team else None,
        "manager_minutes": manager_minutes,
        "rep_minutes": rep_minutes,
    }
    before = {name: getattr(escalation, name) for name in fields}
    diff = {name: [before[name], value] for name, value in fields.items() if before[name] != value}
    # Changing an outcome already recorded rewrites the report's numbers: that is audited.
    # Recording it the first time is everyday work, kept in the escalation's own history.
    rewrites_outcome = bool(diff) and escalation.outcome_recorded_at is not None
    for name, value in fields.items():
        setattr(escalation, name, value)
    escalation.outcome_recorded_at = timezone.now()
    if escalation.called_back_at is None and escalation.urgency == Escalation.Urgency.ROUTINE:
        escalation.called_back_at = escalation.outcome_recorded_at
    escalation.save()
    if diff:
        EscalationChange.objects.create(escalation=escalation, changed_by=actor, changes=diff)
    if rewrites_outcome:
        audit_record(
            actor=actor, action="escalation.outcome_changed", target=escalation,
            changes=diff,
        )  # fmt: skip
    return escalation


class _Unset:
    """Marks an argument left out, where None is a value ("no topic")."""


UNSET = _Unset()


@transaction.atomic
def escalation_update(
    *,
    escalation: Escalation,
    actor: Membership,
    topic: Topic | _Unset | None = UNSET,
    note: str | None = None,
    channel: str | None = None,
    urgency: str | None = None,
) -> Escalation:
    """Correct what was logged (topic, note, channel, urgency); only the arguments given change.

    The history records who changed what. A new topic recomputes the repeat flag of this
    escalation and of the same rep's later ones it may have made (or unmade) repeats. Turning a
    routine escalation urgent drops its callback; turning an urgent one routine schedules one
    from when it occurred, unless its outcome is known or it came from a phone-system import.
    """
    check_can_change(actor=actor, escalation=escalation)
    if channel is not None and channel not in Escalation.Channel.values:
        raise ApplicationError(_("Choose a channel."), field="channel")
    if urgency is not None and urgency not in Escalation.Urgency.values:
        raise ApplicationError(_("Choose urgent or routine."), field="urgency")
    old_topic = escalation.topic
    diff: dict[str, list] = {}
    if not isinstance(topic, _Unset) and getattr(topic, "pk", None) != escalation.topic_id:
        diff["topic"] = [getattr(old_topic, "name", None), getattr(topic, "name", None)]
        escalation.topic = topic
    if note is not None:
        note = note.replace("\x00", "").strip()[:NOTE_MAX_LENGTH]
        if note != escalation.note:
            diff["note"] = [escalation.note, note]
            escalation.note = note
    if channel is not None and channel != escalation.channel:
        diff["channel"] = [escalation.channel, channel]
        escalation.channel = channel
    if urgency is not None and urgency != escalation.urgency:
        diff["urgency"] = [escalation.urgency, urgency]
        escalation.urgency = urgency
        if urgency == Escalation.Urgency.URGENT:
            escalation.callback_due_at = None
        elif escalation.is_open and escalation.source != Escalation.Source.IMPORT:
            organization = Organization.objects.get(pk=escalation.organization_id)
            escalation.callback_due_at = callback_due_at(organization, escalation.occurred_at)
    if not diff:
        return escalation
    if "topic" in diff:
        escalation.repeats_topic = repeats_recent_topic(escalation)
    escalation.save()
    if "topic" in diff:
        _recompute_later_repeats(escalation, topic_ids={old_topic and old_topic.pk})
    EscalationChange.objects.create(escalation=escalation, changed_by=actor, changes=diff)
    return escalation


def _recompute_later_repeats(escalation: Escalation, *, topic_ids: set) -> None:
    """The same rep's escalations in the 30 days after `escalation`, on its old or new topic:
    whether they repeat a topic may have changed with it."""
    topic_ids = {pk for pk in {*topic_ids, escalation.topic_id} if pk is not None}
    if not topic_ids:
        return
    later = Escalation.objects.filter(
        rep_id=escalation.rep_id,
        topic_id__in=topic_ids,
        occurred_at__gt=escalation.occurred_at,
        occurred_at__lte=escalation.occurred_at + REPEAT_WINDOW,
    ).only("id", "rep_id", "topic_id", "occurred_at", "repeats_topic")
    changed = []
    for other in later:
        repeats = repeats_recent_topic(other)
        if repeats != other.repeats_topic:
            other.repeats_topic = repeats
            changed.append(other)
    if changed:
        Escalation.objects.bulk_update(changed, ["repeats_topic"])


# --- The callback scanner ----------------------------------------------------------------------


def callbacks_remind(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Remind managers of routine escalations whose callback is due. Run every minute with an
    injectable clock; safe to run twice (a reminded escalation is never reminded again) and by
    several workers at once (rows are claimed with SKIP LOCKED)."""
    now = now or timezone.now()
    reminded = 0
    with transaction.atomic():
        due = list(
            Escalation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                callback_due_at__lte=now,
                callback_reminded_at__isnull=True,
                outcome=Escalation.Outcome.PENDING,
            )
            .select_related("rep__user", "manager__user", "topic")
            .order_by("callback_due_at", "id")[:limit]
        )
        if not due:
            return 0
        organization = Organization.objects.get(pk=due[0].organization_id)
        for escalation in due:
            _remind(escalation, organization)
            reminded += 1
        Escalation.objects.filter(pk__in=[e.pk for e in due]).update(callback_reminded_at=now)
    return reminded


def _remind(escalation: Escalation, organization: Organization) -> None:
    path = reverse(
        "escalation_callback",
        kwargs={"org_slug": organization.slug, "escalation_id": escalation.pk},
    )
    title = _("Call %(rep)s back: ask whether it is solved") % {"rep": escalation.rep.display_name}
    notify(
        recipient=escalation.manager,
        category="callbacks",
        title=title,
        body=escalation.topic.name if escalation.topic else escalation.note,
        url=path,
        email=EmailContent(
            subject=title,
            template="dependency/email/callback_reminder",
            context={
                "escalation": escalation,
                "organization": organization,
                "callback_url": settings.SITE_URL + path,
            },
        ),
    )


def callbacks_hand_over(*, leaving: Membership, successor: Membership | None) -> int:
    """Open escalations waiting on a leaving manager go to their successor."""
    if successor is None:
        return 0
    return Escalation.objects.filter(manager=leaving, outcome=Escalation.Outcome.PENDING).update(
        manager=successor
    )


TOPIC_NAME_TAKEN = "A topic with that name already exists."
DETOUR_MINUTES = "Minutes must be between 1 and 1440."


@transaction.atomic
def topic_save(
    *, actor: Membership, name: str, handled_by_team: Team | None = None,
    handled_by_member: Membership | None = None, how_to: str = "", is_active: bool = True,
    topic: Topic | None = None,
) -> Topic:  # fmt: skip
    """Admins name what escalations are about and who really handles each topic."""
    name = name.replace("\x00", "").strip()
    clash = Topic.objects.filter(name__iexact=name)
    if topic is not None:
        clash = clash.exclude(pk=topic.pk)
    if not name or clash.exists():
        raise ApplicationError(_(TOPIC_NAME_TAKEN), field="name")
    created = topic is None
    topic = topic or Topic()
    topic.name = name[:80]
    topic.handled_by_team = handled_by_team
    topic.handled_by_member = handled_by_member
    topic.how_to = how_to.replace("\x00", "").strip()[:1000]
    topic.is_active = is_active
    topic.save()
    audit_record(
        actor=actor, action="topic.created" if created else "topic.updated", target=topic,
        changes={"name": topic.name, "team": getattr(handled_by_team, "pk", None),
                 "member": getattr(handled_by_member, "pk", None)},
    )  # fmt: skip
    return topic


DEFAULT_TOPICS = [
    ("Pricing and quotes", "inside_sales", "Send part numbers, quantities and the customer."),
    ("Wrong item shipped", "customer_service", "Have the order number and what arrived."),
    ("Repair", "technical_support", "Model, serial number, and what the customer sees."),
    ("Credit and billing", "admin", "Invoice number and the amount in question."),
    ("Order status", "customer_service", "The order number is enough."),
    ("Deal strategy", "", "This one is for your manager."),
]


def topics_seed_defaults() -> None:
    """Starting topics, each routed to the first team of the right kind if there is one."""
    teams = {team.kind: team for team in Team.objects.order_by("-id")}
    existing = set(Topic.objects.values_list("name", flat=True))
    Topic.objects.bulk_create(
        Topic(name=name, handled_by_team=teams.get(kind), how_to=how_to)
        for name, kind, how_to in DEFAULT_TOPICS
        if name not in existing
    )


@transaction.atomic
def detour_log(
    *, actor: Membership, rep: Membership, kind: str, team: Team, minutes: int,
    occurred_at: dt.datetime | None = None, note: str = "",
) -> ServiceDetour:  # fmt: skip
    """A customer request that reached the rep but belongs to a support team: two taps."""
    check_can_log_for(actor=actor, rep=rep)
    if kind not in ServiceDetour.Kind.values:
        raise ApplicationError(_("Choose what it was."), field="kind")
    if not 1 <= minutes <= 1440:
        raise ApplicationError(_(DETOUR_MINUTES), field="minutes")
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ApplicationError(_(IN_THE_FUTURE), field="occurred_at")
    return ServiceDetour.objects.create(
        rep=rep, kind=kind, team=team, minutes=minutes, occurred_at=occurred_at,
        note=note.replace("\x00", "").strip()[:NOTE_MAX_LENGTH], created_by=actor,
    )  # fmt: skip
