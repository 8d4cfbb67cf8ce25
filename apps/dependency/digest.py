"""The weekly digest: on Monday morning in the organisation's time zone, each manager gets last
week's figures of their team by e-mail (and in the app), from the same report as the pages.

An hourly beat entry asks every organisation whether it is Monday between 7:00 and 8:00 where it
is (`organizations_due`), and sends that organisation's digests (`digests_send`). A digest names
its week in the link it carries, and nobody gets the same week twice: a beat that runs late or
twice, or a retried task, sends nothing more.
"""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.dependency.reports import DEFINITIONS, dependency_report
from apps.dependency.selectors import overdue_callbacks
from apps.notifications.models import Notification
from apps.notifications.services import EmailContent, notify
from apps.tenancy.context import require_organization_id
from apps.tenancy.models import Membership, Organization

DIGEST_CATEGORY = "digest"
SEND_WEEKDAY = 1  # ISO: Monday
SEND_HOUR = 7  # from 7:00 to 8:00, local time
TOP_TOPICS = 3
REPS_SHOWN = 10


def _local(organization: Organization, now: dt.datetime) -> dt.datetime:
    return now.astimezone(zoneinfo.ZoneInfo(organization.time_zone))


def digest_due(organization: Organization, now: dt.datetime) -> bool:
    """Is it Monday between 7:00 and 8:00 in the organisation's time zone?"""
    local = _local(organization, now)
    return local.isoweekday() == SEND_WEEKDAY and local.hour == SEND_HOUR


def organizations_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of the organisations whose digest time it is (organisations are global rows)."""
    now = now or timezone.now()
    return [
        organization.pk
        for organization in Organization.objects.only("id", "time_zone").order_by("id")
        if digest_due(organization, now)
    ]


def previous_week(organization: Organization, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the week before the one `now` falls in (local time)."""
    today = _local(organization, now).date()
    monday = today - dt.timedelta(days=today.weekday())
    return monday - dt.timedelta(weeks=1), monday - dt.timedelta(days=1)


def digest_recipients() -> list[Membership]:
    """Active managers (and admins) with at least one active rep in their reporting tree.

    One query for the organisation's people; each rep marks their chain of managers, so the
    walk stays linear however deep the tree is.
    """
    people = {member.pk: member for member in Membership.objects.select_related("user")}
    leading: set[int] = set()
    for member in people.values():
        if not (member.is_active and member.role == Membership.Role.REP):
            continue
        boss_id, seen = member.reports_to_id, {member.pk}
        while boss_id is not None and boss_id not in seen and boss_id in people:
            seen.add(boss_id)
            if boss_id in leading:
                break  # the rest of this chain is marked already
            leading.add(boss_id)
            boss_id = people[boss_id].reports_to_id
    return sorted(
        (
            people[pk]
            for pk in leading
            if people[pk].is_active
            and people[pk].role in (Membership.Role.MANAGER, Membership.Role.ADMIN)
        ),
        key=lambda member: member.pk,
    )


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Send last week's digest to every manager of the current organisation who has not had
    it yet; returns how many were sent. Safe to run at any time and any number of times."""
    now = now or timezone.now()
    organization = Organization.objects.get(pk=require_organization_id())
    start, end = previous_week(organization, now)
    slug = organization.slug
    report_path = reverse("dependency_report", kwargs={"org_slug": slug})
    week_path = f"{report_path}?start={start.isoformat()}&end={end.isoformat()}"
    overdue_path = reverse("escalations_overdue", kwargs={"org_slug": slug})
    # The record: the digest's notice names its week, so a second run finds it.
    already = set(
        Notification.objects.filter(category=DIGEST_CATEGORY, url=week_path).values_list(
            "recipient_id", flat=True
        )
    )
    sent = 0
    for manager in digest_recipients():
        if manager.pk in already:
            continue
        report = dependency_report(viewer=manager, start=start, end=end)
        totals = report.totals
        open_callbacks = overdue_callbacks(viewer=manager, now=now).count()
        if totals.self_resolution_rate is None:
            title = _("Last week in your team: %(n)s escalations") % {"n": totals.escalations}
        else:
            title = _("Last week in your team: %(n)s escalations, %(rate)s solved alone") % {
                "n": totals.escalations,
                "rate": _percent(totals.self_resolution_rate),
            }
        context = {
            "organization": organization,
            "manager": manager,
            "start": start,
            "end": end,
            "figures": [
                (_("Escalations"), totals.escalations, DEFINITIONS["escalations"]),
                (
                    _("Solved alone during the wait"),
                    _percent(totals.self_resolution_rate),
                    DEFINITIONS["self_resolution_rate"],
                ),
                (_("Repeated topics"), totals.repeats, DEFINITIONS["repeats"]),
                (
                    _("Could have gone to support"),
                    _percent(totals.support_share),
                    DEFINITIONS["support_share"],
                ),
                (_("Service detours"), totals.detours, DEFINITIONS["detours"]),
            ],
            "reps": [
                (
                    row.member.display_name,
                    row.figures.escalations,
                    _percent(row.figures.self_resolution_rate),
                )
                for row in report.reps[:REPS_SHOWN]
            ],
            "top_topics": report.top_topics[:TOP_TOPICS],
            "open_callbacks": open_callbacks,
            "report_url": settings.SITE_URL + week_path,
            "overdue_url": settings.SITE_URL + overdue_path,
        }
        notify(
            recipient=manager,
            category=DIGEST_CATEGORY,
            title=title,
            body=_("%(n)s callbacks still open.") % {"n": open_callbacks} if open_callbacks else "",
            url=week_path,
            email=EmailContent(subject=title, template="dependency/email/digest", context=context),
        )
        sent += 1
    return sent
