"""The Celery application: Redis broker, late acknowledgement, beat schedule kept in code."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesculture.settings")

app = Celery("salesculture")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Safety net of the outbox: anything whose first dispatch was lost is delivered here.
    "outbox-sweep": {"task": "notifications.outbox_sweep", "schedule": 60.0},
    "outbox-prune": {"task": "notifications.outbox_prune", "schedule": crontab(hour=3, minute=17)},
    # Let it ring: remind managers of routine escalations whose callback is due.
    "dependency-callbacks": {"task": "dependency.callbacks_sweep", "schedule": 60.0},
    # Every hour: organisations where it is Monday, 7:00 to 8:00, send their weekly digests.
    "dependency-digests": {"task": "dependency.digests_sweep", "schedule": crontab(minute=2)},
    # Daily: delete escalations and detours older than each organisation's retention.
    "dependency-retention": {
        "task": "dependency.retention_sweep",
        "schedule": crontab(hour=2, minute=41),
    },
    # Monday morning: remind members who have thanked nobody for a while.
    "recognition-nudges": {
        "task": "recognition.nudges_sweep",
        "schedule": crontab(day_of_week="mon", hour=8, minute=5),
    },
}
