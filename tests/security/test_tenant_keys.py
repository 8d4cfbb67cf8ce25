"""Cache keys, stored files and task payloads carry the organisation.

- every cache key written for tenant data names its organisation (the rest are keyed by who is
  knocking: an e-mail address or a client address, hashed);
- uploaded call logs live under their organisation's folder and nobody else reaches them;
- every Celery task either takes `organization_id` and runs inside that organisation, or is one
  of the few global sweeps listed here, which only fan out one tenant task per organisation.
"""

import ast
import inspect
import pathlib
import re

import pytest
from celery.app.task import Task
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.urls import reverse

from apps.core.models import Counter
from apps.dependency.imports import call_import_create
from apps.dependency.models import CallImport
from apps.recognition.nomination_services import nomination_link_create, submission_allowed
from apps.tenancy.context import current_organization_id, no_tenant, tenant_context
from apps.tenancy.models import Organization
from salesculture.celery import app as celery_app
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]

# --- Cache keys ----------------------------------------------------------------------------------

# Keys that belong to no organisation: they count who is knocking (an e-mail address or a client
# address, both hashed) before any organisation is known, and hold nothing but a number.
GLOBAL_KEYS = [
    re.compile(r"lockout:account:[0-9a-f]{32}"),  # failed logins per account (before any org)
    re.compile(r"lockout:client:[0-9a-f]{32}"),  # failed logins per client address
    re.compile(r"lockout:token:[0-9a-f]{32}"),  # unknown API tokens per client address
    re.compile(r"nominate:client:[0-9a-f]{32}"),  # public nominations per client (all links)
    # The API throttle of a request without a member (when it gets that far): by address
    re.compile(r"throttle_membership_client:[0-9a-f]{32}"),
]


def _is_global(key: str) -> bool:
    return any(pattern.fullmatch(key) for pattern in GLOBAL_KEYS)


def _cache_keys() -> list[str]:
    """The counters' keys, read on their own connection: in a test its writes are in a
    transaction of their own (see apps/core/routers.py)."""
    alias = router.db_for_read(Counter) or DEFAULT_DB_ALIAS
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT key FROM core_counter")
        return [key for (key,) in cursor.fetchall()]


def test_every_cache_key_of_tenant_data_names_the_organisation(
    org, outsider, client, api_client_for, api_client
):
    member = MembershipFactory(user__email="riley@example.test")
    api_client_for(member).get("/api/v1/me/")  # the API throttle of this member
    link = nomination_link_create(creator=member, label="Acme")
    assert submission_allowed(link=link, client_ip="198.51.100.7")  # per link and per client
    client.post(reverse("login"), {"username": "riley@example.test", "password": "wrong"})
    api_client.credentials(HTTP_AUTHORIZATION="Bearer sc_not-a-token")
    api_client.get("/api/v1/me/")  # unknown token: counted per client

    keys = _cache_keys()
    tenant_keys = [key for key in keys if not _is_global(key)]
    assert tenant_keys, keys  # the member's throttle and the link's counter at least
    for key in tenant_keys:
        assert f"org{org.pk}:" in key, key
    assert {key.split("org", 1)[0] for key in tenant_keys} == {"throttle_membership_", "nominate:"}
    counted_globally = {key.rsplit(":", 1)[0] for key in keys if _is_global(key)}
    counted_globally.discard("throttle_membership_client")  # only if the throttle ran
    assert counted_globally == {"lockout:account", "lockout:client", "lockout:token",
                                "nominate:client"}  # fmt: skip
    assert "riley@example.test" not in "".join(keys)  # addresses are hashed
    assert "198.51.100.7" not in "".join(keys)


def test_two_organisations_never_share_a_counter(org, outsider, api_client_for):
    """The same member id or link id in two organisations would otherwise share a limit."""
    with tenant_context(outsider.organization_id):
        other_link = nomination_link_create(creator=outsider, label="Theirs")
    link = nomination_link_create(creator=MembershipFactory(), label="Ours")
    submission_allowed(link=link, client_ip=None)
    with tenant_context(outsider.organization_id):
        submission_allowed(link=other_link, client_ip=None)
    link_keys = [key for key in _cache_keys() if key.startswith("nominate:org")]
    assert sorted(link_keys) == sorted(
        [f"nominate:org{org.pk}:link{link.pk}",
         f"nominate:org{outsider.organization_id}:link{other_link.pk}"]
    )  # fmt: skip


def test_only_the_counter_and_fragment_modules_use_the_cache():
    """Any other module that caches must think about the organisation in its keys first: it is
    added here only after that review (django-tenants #1052 is what happens otherwise)."""
    users = set()
    for path in (ROOT / "apps").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("django.core.cache")
            ) or (isinstance(node, ast.ImportFrom) and node.module == "rest_framework.throttling"):
                users.add(path.relative_to(ROOT).as_posix())
    assert users == {
        "apps/core/api/throttling.py",  # DRF's base class; counted by ratelimit.py
        "apps/core/fragments.py",  # keys name organisation and member: the test below
    }


def test_a_kept_fragment_is_keyed_by_organisation_and_member(org, outsider, rf):
    from apps.core import fragments
    from tests.factories import MembershipFactory

    viewer = MembershipFactory()
    request = rf.get("/x/kudos/")
    request.organization, request.membership = org, viewer
    request._content_versions = {"recognition": 7}
    key = fragments._key(request, "recognition", "wall")
    assert key is not None
    assert key.startswith(f"wall:{org.pk}:recognition@7:{viewer.pk}:")
    request.organization, request.membership = outsider.organization, outsider
    assert fragments._key(request, "recognition", "wall") != key


# --- Uploaded files ------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload(manager) -> CallImport:
    content = b"started_at,from,to,duration_seconds,kind\n2026-11-30T10:00:00Z,1,2,60,call\n"
    return call_import_create(
        actor=manager, upload=SimpleUploadedFile("../../calls.csv", content, "text/csv")
    )


def test_uploaded_call_logs_live_under_their_organisations_folder(org, outsider, media):
    ours = _upload(MembershipFactory(role="manager"))
    with tenant_context(outsider.organization_id):
        theirs = _upload(outsider)
    assert ours.file.name == f"imports/org{org.pk}/{ours.public_id}.csv"
    assert theirs.file.name == f"imports/org{outsider.organization_id}/{theirs.public_id}.csv"
    stored = pathlib.Path(ours.file.path).resolve()
    assert stored.is_relative_to((media / f"imports/org{org.pk}").resolve())
    assert ours.original_name == "calls.csv"  # the client's path is never used for storage


def test_another_organisation_cannot_reach_an_uploaded_file(org, outsider, media, client_for,
                                                            api_client_for):  # fmt: skip
    ours = _upload(MembershipFactory(role="manager"))
    page = reverse("escalation_import_detail", kwargs={"org_slug": "outsider",
                                                       "import_id": ours.pk})  # fmt: skip
    assert client_for(outsider).get(page).status_code == 404
    assert api_client_for(outsider).get(f"/api/v1/imports/calls/{ours.pk}/").status_code == 404
    # Uploaded files are never served by URL (there is no media route).
    assert client_for(outsider).get(f"/media/{ours.file.name}").status_code == 404
    assert client_for(outsider).get(f"/{ours.file.name}").status_code == 404
    with tenant_context(outsider.organization_id):
        assert not CallImport.objects.filter(pk=ours.pk).exists()
        with connection.cursor() as cursor:  # row-level security, below the ORM
            cursor.execute("SELECT count(*) FROM dependency_callimport WHERE id = %s", [ours.pk])
            assert cursor.fetchone()[0] == 0


def test_the_import_task_of_another_organisation_cannot_read_the_file(org, outsider, media):
    """A payload naming the wrong organisation finds no import: the id alone reaches nothing."""
    from apps.dependency.tasks import run_call_import

    ours = _upload(MembershipFactory(role="manager"))
    with no_tenant():
        run_call_import.apply(
            kwargs={"organization_id": outsider.organization_id, "import_id": ours.pk}
        )
    with tenant_context(org):
        ours.refresh_from_db()
        assert ours.status == CallImport.Status.QUEUED
        assert ours.rows_read == 0


# --- Celery tasks --------------------------------------------------------------------------------

# Global tasks: they hold no organisation's data themselves and, apart from the prune of sent
# mail (which enters each organisation in turn), only publish one tenant task per organisation.
GLOBAL_TASKS = {
    "notifications.outbox_sweep",
    "notifications.outbox_prune",
    "dependency.callbacks_sweep",
    "dependency.digests_sweep",
    "dependency.retention_sweep",
    "recognition.nudges_sweep",
}


def _our_tasks() -> dict[str, Task]:
    celery_app.loader.import_default_modules()
    return {
        name: task
        for name, task in celery_app.tasks.items()
        if not name.startswith(("celery.", "tests."))
    }


def _tenant_tasks() -> list[str]:
    return sorted(set(_our_tasks()) - GLOBAL_TASKS)


def _other_arguments(task: Task) -> dict:
    """Ids for the task's other keyword arguments that name no row."""
    parameters = inspect.signature(task.run).parameters
    return {
        name: 0
        for name, parameter in parameters.items()
        if name not in ("self", "organization_id") and parameter.default is inspect.Parameter.empty
    }


def test_every_task_is_either_a_tenant_task_or_a_listed_global_one():
    tasks = _our_tasks()
    assert set(tasks) >= GLOBAL_TASKS
    for name, task in tasks.items():
        takes_organization = "organization_id" in inspect.signature(task.run).parameters
        assert takes_organization != (name in GLOBAL_TASKS), name
        if takes_organization:
            parameter = inspect.signature(task.run).parameters["organization_id"]
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
            assert parameter.default is inspect.Parameter.empty, name


@pytest.mark.parametrize("name", _tenant_tasks())
@pytest.mark.parametrize("organization_id", ["missing", None, "1"])
def test_a_tenant_task_refuses_to_run_without_an_integer_organization_id(
    org, name, organization_id
):
    task = _our_tasks()[name]
    kwargs = _other_arguments(task)
    if organization_id != "missing":
        kwargs["organization_id"] = organization_id
    queries = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with (
        no_tenant(),
        connection.execute_wrapper(record),
        pytest.raises(TypeError, match="organization_id"),
    ):
        task.apply(kwargs=kwargs, throw=True).get()
    assert queries == []  # refused before touching the database


@pytest.mark.parametrize("name", _tenant_tasks())
def test_a_tenant_task_runs_inside_the_organisation_it_names(org, outsider, name):
    """Every query the task makes runs in the organisation of its payload, and no other."""
    task = _our_tasks()[name]
    for organization_id in (org.pk, outsider.organization_id):
        seen: list[int | None] = []

        def record(execute, sql, params, many, context, seen=seen):
            seen.append(current_organization_id())
            return execute(sql, params, many, context)

        with no_tenant(), connection.execute_wrapper(record):
            task.apply(kwargs={**_other_arguments(task), "organization_id": organization_id})
            assert current_organization_id() is None  # it leaves no organisation behind
        assert seen, name  # it did look something up
        assert set(seen) == {organization_id}, name


@pytest.fixture
def published(monkeypatch):
    """What the sweeps publish, instead of running it."""
    sent = []

    def apply_async(self, args=None, kwargs=None, **options):
        sent.append((self.name, dict(kwargs or {})))

    monkeypatch.setattr(Task, "apply_async", apply_async)
    return sent


@pytest.mark.parametrize("name", sorted(GLOBAL_TASKS))
def test_a_global_sweep_publishes_only_tasks_naming_their_organisation(
    org, outsider, published, name
):
    with no_tenant():
        _our_tasks()[name].run()
    tenant_tasks = set(_tenant_tasks())
    for task_name, kwargs in published:
        assert task_name in tenant_tasks, task_name
        assert isinstance(kwargs.get("organization_id"), int), (task_name, kwargs)
    fans_out = name in {"notifications.outbox_sweep", "dependency.callbacks_sweep",
                        "dependency.retention_sweep", "recognition.nudges_sweep"}  # fmt: skip
    if fans_out:
        with no_tenant():
            every_organization = set(Organization.objects.values_list("id", flat=True))
        assert {kwargs["organization_id"] for _, kwargs in published} == every_organization


def test_a_task_enqueued_from_a_request_carries_the_organisation(
    org, media, published, django_capture_on_commit_callbacks
):
    """What the app publishes after a commit (here an upload) names the organisation."""
    with django_capture_on_commit_callbacks(execute=True):
        _upload(MembershipFactory(role="manager"))
    assert published == [
        ("dependency.call_import_run", {"organization_id": org.pk,
                                        "import_id": CallImport.objects.get().pk})
    ]  # fmt: skip
