"""Delivery through a real Celery worker, over Redis, against the test database.

The worker is a separate process that connects as the restricted application role, so this also
proves a task enters its organisation's context by itself (row-level security would hide the row
otherwise).
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from apps.notifications.models import OutboundEmail
from apps.notifications.services import EmailContent, email_enqueue
from apps.tenancy.context import tenant_context
from salesculture.celery import app as celery_app
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and Redis"),
]


@pytest.fixture
def worker(tmp_path, settings):
    """A Celery worker on its own queue; e-mail lands as files in `tmp_path / "mail"`."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_APP_ROLE": "app_rw",
        "CELERY_BROKER_URL": celery_app.conf.broker_url,
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    process = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [sys.executable, "-m", "celery", "-A", "salesculture", "worker", "--pool=solo",
         "--concurrency=1", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-l", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue  # its own queue: no other run's worker takes it
    try:
        yield tmp_path / "mail"
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode(errors="replace")
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        print(output[-3000:])  # shown when the test fails


def _wait_for(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_a_real_worker_delivers_the_email_after_commit(worker):
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

    assert _wait_for(delivered), "the worker did not deliver the e-mail"
    files = list(Path(worker).glob("*.log"))
    assert len(files) == 1
    content = files[0].read_text()
    assert "ann@example.test" in content
    assert email.message_id in content
