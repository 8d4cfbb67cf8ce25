"""Demo data for the dependency tracker: six months of escalations and service detours for the
demo reps (written in bulk, sending nothing), so the lists and reports start with a history.

Each rep has a story the report tells: one is learning to solve problems alone, one keeps
calling about the same topic, one is already independent. A few routine escalations from the
last hours are placed relative to the moment the demo is seeded, whatever the time of day: two
are due for their callback and one falls due a few minutes later. The seed runs the callback
scanner once, as Celery beat would every minute, so the manager has reminder notifications
(and e-mails, in the demo's console) right away, without Redis.
"""

import datetime as dt
import random
import zoneinfo

from django.utils import timezone

from apps.dependency.models import Escalation, EscalationChange, ServiceDetour, Topic
from apps.dependency.services import (
    REPEAT_WINDOW,
    callback_due_at,
    callbacks_remind,
    topics_seed_defaults,
)
from apps.tenancy.models import Membership, Team

REP_KEYS = ("rep", "rep2", "rep3", "rep4")
WEEKS = 26

# (escalations per week at the start, at the end, share solved alone at the start, at the end,
#  the topic they keep coming back to)
PROFILES = [
    (6.0, 3.0, 0.25, 0.65, "Pricing and quotes"),  # learning to let it ring
    (7.0, 7.0, 0.20, 0.25, "Pricing and quotes"),  # still calls about every quote
    (2.0, 1.5, 0.70, 0.75, "Repair"),  # already independent
    (4.0, 3.0, 0.40, 0.50, "Wrong item shipped"),
]
CHANNELS = [("call", 50), ("text", 20), ("voicemail", 10), ("chat", 10), ("email", 5),
            ("in_person", 5)]  # fmt: skip
NOTES = [
    "Customer wants a volume discount on the next order.",
    "Parts arrived but the wrong size.",
    "Unit stopped working after the firmware update.",
    "Invoice shows last year's prices.",
    "Where is the order promised for Friday?",
    "Competitor quoted lower; do we match?",
    "",
    "",
]
DETOUR_TEAMS = {
    "wrong_item": "customer_service",
    "order_status": "customer_service",
    "repair": "technical_support",
    "price_quote": "inside_sales",
    "billing": "admin",
}


def seed(organization, people: dict, rng: random.Random) -> None:
    topics_seed_defaults()
    if Escalation.objects.exists():
        return  # seeded before: never duplicate the history
    reps = [people[key] for key in REP_KEYS if key in people and people[key].reports_to_id]
    topics = list(Topic.objects.filter(is_active=True).select_related("handled_by_team"))
    if not reps or not topics:
        return
    now = timezone.now()
    helpers: dict[int, list[Membership]] = {}
    for member in Membership.objects.filter(role=Membership.Role.SUPPORT, is_active=True):
        helpers.setdefault(member.team_id, []).append(member)
    history = _history(organization, reps, topics, helpers, now, rng)
    recent = _recent(reps, topics, now)
    escalations = sorted(history + recent, key=lambda escalation: escalation.occurred_at)
    _mark_repeats(escalations)
    Escalation.objects.bulk_create(escalations, batch_size=500)
    _changes(history)
    _detours(reps, now, rng)
    callbacks_remind(now=now)


def _history(organization, reps, topics, helpers, now, rng):
    """Escalations on working days over the past WEEKS weeks, up to yesterday (local time)."""
    tz = zoneinfo.ZoneInfo(organization.time_zone)
    by_name = {topic.name: topic for topic in topics}
    today = now.astimezone(tz).date()
    first_day = today - dt.timedelta(weeks=WEEKS)
    work_days = {int(day) for day in organization.work_days} or {1, 2, 3, 4, 5}
    rows = []
    days = (today - first_day).days
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        if day.isoweekday() not in work_days:
            continue
        progress = offset / days
        for index, rep in enumerate(reps):
            start_rate, end_rate, start_alone, end_alone, habit = PROFILES[index % len(PROFILES)]
            per_day = (start_rate + (end_rate - start_rate) * progress) / len(work_days)
            for _ in range(sum(rng.random() < per_day / 3 for _ in range(3))):
                occurred = dt.datetime.combine(
                    day, dt.time(rng.randint(8, 16), rng.randint(0, 59)), tzinfo=tz
                )
                topic = by_name.get(habit) if rng.random() < 0.35 else rng.choice(topics)
                alone = start_alone + (end_alone - start_alone) * progress
                rows.append(
                    _escalation(organization, rep, topic or rng.choice(topics), occurred, alone,
                                helpers, rng)
                )  # fmt: skip
    # The last two routine ones of the past week wait for their outcome: the overdue list.
    last_week = now - dt.timedelta(days=7)
    waiting = [
        row
        for row in rows
        if row.callback_due_at and row.occurred_at >= last_week and row.callback_due_at < now
    ]
    for escalation in waiting[-2:]:
        escalation.outcome = ""
        escalation.redirected_to_member = escalation.redirected_to_team = None
        escalation.manager_minutes = escalation.rep_minutes = None
        escalation.called_back_at = escalation.outcome_recorded_at = None
    return rows


def _escalation(organization, rep, topic, occurred, alone, helpers, rng):
    urgent = rng.random() < 0.2
    escalation = Escalation(
        rep=rep,
        manager_id=rep.reports_to_id,
        occurred_at=occurred,
        channel=rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0],
        topic=topic,
        urgency="urgent" if urgent else "routine",
        note=rng.choice(NOTES),
        created_by=rep if rng.random() < 0.4 else rep.reports_to,
    )
    team = topic.handled_by_team
    roll = rng.random()
    if not urgent and roll < alone:
        outcome = Escalation.Outcome.SOLVED_ALONE
    elif team is not None and roll < (0.75 if urgent else alone + (1 - alone) * 0.45):
        outcome = Escalation.Outcome.REDIRECTED
        escalation.redirected_to_team = team
        if helpers.get(team.pk):
            escalation.redirected_to_member = rng.choice(helpers[team.pk])
    elif rng.random() < 0.1:
        outcome = Escalation.Outcome.UNRESOLVED
    else:
        outcome = Escalation.Outcome.MANAGER_SOLVED
    escalation.outcome = outcome
    manager_minutes, rep_minutes = {
        Escalation.Outcome.SOLVED_ALONE: ((2, 5), (5, 25)),
        Escalation.Outcome.REDIRECTED: ((3, 8), (5, 15)),
        Escalation.Outcome.MANAGER_SOLVED: ((10, 30), (5, 15)),
        Escalation.Outcome.UNRESOLVED: ((10, 40), (10, 30)),
    }[outcome]
    if rng.random() < 0.9:  # sometimes nobody noted the minutes
        escalation.manager_minutes = rng.randint(*manager_minutes)
        escalation.rep_minutes = rng.randint(*rep_minutes)
    if urgent:
        escalation.outcome_recorded_at = occurred + dt.timedelta(minutes=rng.randint(5, 30))
    else:
        due = callback_due_at(organization, occurred)
        escalation.callback_due_at = escalation.callback_reminded_at = due
        escalation.called_back_at = due + dt.timedelta(minutes=rng.randint(0, 20))
        escalation.outcome_recorded_at = escalation.called_back_at
    return escalation


def _recent(reps, topics, now) -> list[Escalation]:
    """Today's: two routine escalations due for their callback, one due in a few minutes, and
    an urgent one handled at once. Due times are set from now so the demo always shows them."""
    by_name = {topic.name: topic for topic in topics}

    def rep(index):
        return reps[index % len(reps)]

    def routine(index, topic, channel, note, minutes_ago, due_in):
        return Escalation(
            rep=rep(index), manager_id=rep(index).reports_to_id, channel=channel,
            topic=by_name.get(topic), urgency="routine", note=note, created_by=rep(index),
            occurred_at=now - dt.timedelta(minutes=minutes_ago),
            callback_due_at=now + dt.timedelta(minutes=due_in),
        )  # fmt: skip

    return [
        routine(0, "Pricing and quotes", "call",
                "Customer wants a volume discount on the Q3 order.", 75, -15),
        routine(1, "Wrong item shipped", "voicemail", "Got the blue model instead of grey.",
                100, -40),
        routine(2, "Order status", "text", "", 40, 20),
        Escalation(
            rep=rep(3), manager_id=rep(3).reports_to_id, channel="call",
            topic=by_name.get("Deal strategy"), urgency="urgent",
            note="Customer about to sign with a competitor.", created_by=rep(3).reports_to,
            occurred_at=now - dt.timedelta(minutes=130), outcome="manager_solved",
            manager_minutes=25, rep_minutes=20,
            outcome_recorded_at=now - dt.timedelta(minutes=100),
        ),
    ]  # fmt: skip


def _mark_repeats(escalations: list[Escalation]) -> None:
    """Same rep, same topic within the 30 days before (escalations sorted by time)."""
    last: dict[tuple[int, int], dt.datetime] = {}
    for escalation in escalations:
        if escalation.topic_id is None:
            continue
        key = (escalation.rep_id, escalation.topic_id)
        previous = last.get(key)
        escalation.repeats_topic = (
            previous is not None and escalation.occurred_at - previous <= REPEAT_WINDOW
        )
        last[key] = escalation.occurred_at


def _changes(escalations: list[Escalation]) -> None:
    """Recording an outcome leaves a line of history, dated when it was recorded."""
    answered = [escalation for escalation in escalations if escalation.outcome]
    changes = EscalationChange.objects.bulk_create(
        EscalationChange(
            escalation=escalation,
            changed_by_id=escalation.manager_id,
            changes={"outcome": ["", escalation.outcome]},
        )
        for escalation in answered
    )
    for change, escalation in zip(changes, answered, strict=True):
        change.created_at = escalation.outcome_recorded_at
    EscalationChange.objects.bulk_update(changes, ["created_at"], batch_size=500)


def _detours(reps, now, rng) -> None:
    """A few customer requests a month per rep that belonged to a support team."""
    teams: dict[str, Team] = {}
    for team in Team.objects.filter(kind__in=Team.SUPPORT_KINDS).order_by("id"):
        teams.setdefault(team.kind, team)
    if not teams:
        return
    fallback = next(iter(teams.values()))
    ServiceDetour.objects.bulk_create(
        ServiceDetour(
            rep=rep,
            occurred_at=now - dt.timedelta(days=rng.randint(1, WEEKS * 7), hours=rng.randint(0, 8)),
            kind=kind,
            team=teams.get(DETOUR_TEAMS[kind], fallback),
            minutes=rng.choice([5, 10, 15, 20, 30, 45]),
            created_by=rep,
        )
        for rep in reps
        for kind in rng.choices(list(DETOUR_TEAMS), k=WEEKS // 3)
    )
