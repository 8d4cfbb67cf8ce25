import pytest
from celery import shared_task

from apps.core.tasks import TenantTask
from apps.tenancy.context import current_organization_id, no_tenant
from apps.tenancy.models import Team
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@shared_task(base=TenantTask, name="tests.count_teams")
def count_teams(*, organization_id: int) -> tuple[int | None, int]:
    return current_organization_id(), Team.objects.count()


def test_a_tenant_task_runs_inside_its_organisation(org, outsider):
    TeamFactory()
    with no_tenant():
        assert count_teams(organization_id=org.pk) == (org.pk, 1)
        assert count_teams.apply(kwargs={"organization_id": org.pk}).get() == (org.pk, 1)
        assert count_teams.apply(kwargs={"organization_id": outsider.organization_id}).get() == (
            outsider.organization_id,
            0,
        )
        assert current_organization_id() is None  # and leaves no organisation behind


def test_a_tenant_task_without_an_organisation_refuses_to_run(org):
    with no_tenant(), pytest.raises(TypeError, match="organization_id"):
        count_teams.apply(kwargs={}, throw=True).get()


def test_every_task_can_be_published_with_its_time_limits():
    """A soft limit above the hard one makes Celery refuse the publish: beat would fail."""
    from salesculture.celery import app

    app.loader.import_default_modules()
    for name, task in app.tasks.items():
        if name.startswith("celery."):
            continue
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert soft <= hard, name
