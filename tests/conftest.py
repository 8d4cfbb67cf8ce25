import fcntl
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client, TransactionTestCase
from rest_framework.test import APIClient

from apps.accounts.tokens import api_token_create
from apps.core.routers import COUNTERS
from apps.tenancy.context import tenant_context
from apps.tenancy.dbroles import ensure_app_role
from salesculture.celery import app as celery_app
from tests.factories import MembershipFactory, OrganizationFactory
from tests.proof import hypothesis_profiles  # noqa: F401 - registers and loads the profiles


@pytest.fixture
def org(db):
    """The organisation every test body runs in."""
    organization = OrganizationFactory()
    with tenant_context(organization):
        yield organization


@pytest.fixture
def outsider(db, org):
    """Charlie: an admin of another organisation, who must never see `org`'s data."""
    other = OrganizationFactory(name="Outsider Ltd", slug="outsider")
    with tenant_context(other):
        charlie = MembershipFactory(role="admin", user__full_name="Charlie Outsider")
    return charlie


@pytest.fixture
def admin(org):
    return MembershipFactory(role="admin", user__full_name="Ada Admin")


@pytest.fixture
def client_for():
    """A logged-in browser session for a membership's user."""

    def make(membership) -> Client:
        client = Client()
        client.force_login(membership.user)
        return client

    return make


@pytest.fixture
def api_client(db) -> APIClient:
    """A client without credentials."""
    return APIClient()


@pytest.fixture
def api_client_for(db):
    """A client sending `Authorization: Bearer <a new token of membership>`."""

    def make(membership) -> APIClient:
        with tenant_context(membership.organization_id):
            issued = api_token_create(membership=membership, name="Test integration")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
        return client

    return make


APP_ROLE = "app_rw"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Migrate as the owner, then run every test as the restricted application role.

    A superuser or the tables' owner would bypass row-level security silently, so on
    PostgreSQL each connection the tests open does `SET ROLE app_rw` (Django's assume_role).
    """
    if connection.vendor != "postgresql":
        yield
        return
    # Roles are cluster-wide: parallel workers (pytest-xdist) would race on ALTER ROLE, and an
    # advisory lock is per database, so a file lock serialises them.
    lock_path = pathlib.Path(tempfile.gettempdir()) / "salesculture-app-role.lock"
    with django_db_blocker.unblock(), open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ensure_app_role(APP_ROLE)
        for alias in _app_aliases():
            connections[alias].settings_dict.setdefault("OPTIONS", {})["assume_role"] = APP_ROLE
            connections[alias].close()
    original_teardown = TransactionTestCase._fixture_teardown

    def flush_as_owner(self):
        # Emptying the tables between transactional tests uses TRUNCATE, which the application
        # role must never have (TRUNCATE ignores row-level security): flush as the owner.
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
        try:
            original_teardown(self)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {APP_ROLE}")

    TransactionTestCase._fixture_teardown = flush_as_owner
    with django_db_blocker.unblock():
        _clear_counters()  # left over from an interrupted run of a kept database
    yield
    TransactionTestCase._fixture_teardown = original_teardown
    with django_db_blocker.unblock():
        for alias in _app_aliases():
            connections[alias].settings_dict["OPTIONS"].pop("assume_role", None)
            connections[alias].close()  # every one, or the test database can't be dropped


def _app_aliases() -> list[str]:
    """`default` and, on PostgreSQL, the counters' own connection (a test mirror of it)."""
    return [alias for alias in (DEFAULT_DB_ALIAS, COUNTERS) if alias in settings.DATABASES]


def _clear_counters():
    if COUNTERS in settings.DATABASES:
        from apps.core.models import Counter

        Counter.objects.using(COUNTERS).all().delete()
        cache.clear()


@pytest.fixture(autouse=True)
def _counters_start_empty(request, django_db_blocker):
    """Lockout and rate-limit counters are written on a connection of their own
    (apps/core/routers.py). A TestCase wraps it in a transaction of its own, rolled back at the
    end; a transactional test (live server, real worker) commits them: empty them after every
    test that used the database, so no test inherits another's counts."""
    yield
    uses_database = request.node.get_closest_marker("django_db") or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if uses_database:
        with django_db_blocker.unblock():
            _clear_counters()


@pytest.fixture(autouse=True)
def _fragments_start_empty():
    """Cached fragments (apps/core/fragments.py) live in this process's memory: a test must not
    find another's, even though ids never repeat in a database."""
    caches["fragments"].clear()


@pytest.fixture
def cold_pages(settings):
    """Every page computes: for tests that count what a page costs without its fragment."""
    settings.FRAGMENT_CACHE_SECONDS = 0


def pytest_configure(config):
    if COUNTERS in settings.DATABASES:
        # Tests may use the counters' alias (a mirror of the test database) next to `default`.
        TransactionTestCase.databases = {DEFAULT_DB_ALIAS, COUNTERS}
    # Hashing a password properly takes ~0.3 s by design; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run in-process unless a test starts a real worker (tests/notifications/…worker…).
    from salesculture.celery import app as celery_app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.task_always_eager = True


@pytest.fixture
def real_worker(tmp_path, settings):
    """A real Celery worker process on its own queue, connected as the restricted role to the
    test database; e-mail lands as files in the directory it yields."""
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


def wait_for(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False
