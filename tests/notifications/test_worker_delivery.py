"""Delivery through a real Celery worker, over Redis, against the test database.

The worker is a separate process that connects as the restricted application role, so this also
proves a task enters its organisation's context by itself (row-level security would hide the row
otherwise).
"""

from pathlib import Path

import pytest
from django.db import connection

from apps.notifications.models import OutboundEmail
from apps.notifications.services import EmailContent, email_enqueue
from apps.tenancy.context import tenant_context
from tests.conftest import wait_for
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and Redis"),
]


def test_a_real_worker_delivers_the_email_after_commit(real_worker):
    organization = OrganizationFactory()
    with tenant_context(organization):
        ann = MembershipFactory(user__email="ann@example.test")
        email = email_enqueue(
            category="membership",
            recipient=ann,
            content=EmailContent(
                subject="Your role changed",
                template="notifications/email/membership_changed",
                context={"membership": ann, "actor": ann, "organization": organization},
            ),
        )
    # The tenant context committed; the publish happened on commit; the worker sends it.

    def delivered():
        with tenant_context(organization):
            return OutboundEmail.objects.get(pk=email.pk).status == OutboundEmail.Status.SENT

    assert wait_for(delivered), "the worker did not deliver the e-mail"
    files = list(Path(real_worker).glob("*.log"))
    assert len(files) == 1
    content = files[0].read_text()
    assert "ann@example.test" in content
    assert email.message_id in content
