"""Let it ring with a real Celery worker: the periodic sweep fans out per organisation, the
worker reminds the manager of a due callback, and the reminder e-mail is delivered."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.dependency.models import Escalation
from apps.dependency.services import escalation_log
from apps.dependency.tasks import callbacks_sweep
from apps.notifications.models import Notification
from apps.tenancy.context import tenant_context
from tests.conftest import wait_for
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and Redis"),
]


def test_the_worker_reminds_the_manager_when_the_callback_falls_due(real_worker):
    organization = OrganizationFactory()
    with tenant_context(organization):
        manager = MembershipFactory(role="manager", user__email="sam@example.test")
        rep = MembershipFactory(role="rep", reports_to=manager, user__full_name="Riley Rep")
        due = escalation_log(actor=rep, rep=rep, channel="call", urgency="routine")
        later = escalation_log(actor=rep, rep=rep, channel="call", urgency="routine")
        Escalation.objects.filter(pk=due.pk).update(
            callback_due_at=timezone.now() - dt.timedelta(minutes=1)
        )
        Escalation.objects.filter(pk=later.pk).update(
            callback_due_at=timezone.now() + dt.timedelta(hours=1)
        )

    callbacks_sweep.delay()  # what beat publishes every minute

    def reminded():
        with tenant_context(organization):
            return Notification.objects.filter(recipient=manager, category="callbacks").exists()

    assert wait_for(reminded), "the worker did not remind the manager"
    with tenant_context(organization):
        assert Escalation.objects.get(pk=due.pk).callback_reminded_at is not None
        assert Escalation.objects.get(pk=later.pk).callback_reminded_at is None
    assert wait_for(lambda: any(Path(real_worker).glob("*.log")))
    mail = "".join(path.read_text() for path in Path(real_worker).glob("*.log"))
    assert "Call Riley Rep back" in mail
    assert "sam@example.test" in mail
