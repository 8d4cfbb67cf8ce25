"""Private servers for the fault tests: PostgreSQL, Redis, an SMTP sink, web and worker processes.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379). Each xdist worker that runs a
fault test starts its own stack on free ports, so the modules are independent of each other;
`stack` is session-scoped because initdb and migrate are the slow part, and `fresh_stack` empties
the data between scenarios. Every process is killed in `finally`, so a failing test leaves
nothing running. (The modules also carry `xdist_group("faults")` so that `--dist loadgroup` would
keep them on one worker; with pytest 9.2 and pytest-xdist 3.8 that grouping has no effect, since
xdist renames `item._nodeid` and pytest 9 no longer reads it.)
"""

import asyncio
import contextlib
import email
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller

PG_BIN = Path("/usr/lib/postgresql/15/bin")
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
ROOT = Path(__file__).resolve().parents[2]
DB_NAME = "salesculture"
APP_ROLE = "app_rw"
SEED_ANSWER = "seed-answer: "  # tests/faults/seed.py marks its answers with it


def pytest_configure(config):
    # Registered by pytest-xdist; declared here too so `-p no:xdist` runs pass --strict-markers.
    config.addinivalue_line("markers", "xdist_group(name): run in the same xdist worker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def poll(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Wait for `predicate()` to be truthy (bounded); return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop_process(process: subprocess.Popen | None, *, sig=signal.SIGTERM, timeout=15.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _signal_group(process: subprocess.Popen, sig) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


# --- PostgreSQL ---------------------------------------------------------------------------------


class PrivatePostgres:
    """A throw-away PostgreSQL 15 cluster owned by the `postgres` system user (it refuses root)."""

    def __init__(self, base: Path):
        self.port = free_port()
        self.data = base / "pgdata"
        self.log = base / "postgres.log"
        self.user = pwd.getpwnam("postgres")
        base.mkdir(parents=True, exist_ok=True)
        os.chown(base, self.user.pw_uid, self.user.pw_gid)

    def _as_postgres(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
            [RUNUSER, "-u", "postgres", "--", *args],
            check=False,
            timeout=timeout,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        if result.returncode:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise subprocess.SubprocessError(
                f"{' '.join(args[:1])} failed:\n{result.stdout.decode()[-2000:]}\n{log}"
            )

    def init(self) -> None:
        self._as_postgres(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync", "--locale=C.UTF-8",
        )  # fmt: skip
        # fsync=off only risks data on an operating-system crash, which no test causes. Commits
        # stay synchronous: an immediate shutdown (a crash, for PostgreSQL) would otherwise lose
        # the last transactions the site had already confirmed to people.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=32MB"
        )
        (self.data / "faults.opts").write_text(options)
        self.start()
        with self.connect(dbname="postgres") as conn:
            conn.execute(f"CREATE DATABASE {DB_NAME}")

    def start(self) -> None:
        options = (self.data / "faults.opts").read_text()
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"
        )  # fmt: skip

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def connect(self, dbname: str = DB_NAME) -> psycopg.Connection:
        """A superuser connection (bypasses row-level security): for checks and resets only."""
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"


# --- Redis ----------------------------------------------------------------------------------


class PrivateRedis:
    def __init__(self, base: Path):
        self.port = free_port()
        self.base = base
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed binary, our own arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        poll(lambda: port_open(self.port), timeout=20, what="redis-server")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


# --- SMTP sink ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    message_id: str
    to: tuple[str, ...]
    subject: str


class SmtpSink:
    """aiosmtpd in a thread of the test process, recording each accepted message.

    `delay` slows every DATA command, so that deliveries are still in flight when a test pulls
    a plug. Stopping closes the port (senders get "connection refused"); starting reopens it.
    """

    def __init__(self):
        self.port = free_port()
        self.delay = 0.0
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self._lock:
            self.received.append(
                Received(
                    message_id=str(message["Message-ID"]).strip(),
                    to=tuple(envelope.rcpt_tos),
                    subject=str(message["Subject"]),
                )
            )
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def clear(self) -> None:
        with self._lock:
            self.received.clear()

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def message_ids(self) -> Counter:
        return Counter(item.message_id for item in self.snapshot())


# --- The stack ------------------------------------------------------------------------------


class OutputReader(threading.Thread):
    """Collects a child's output so its pipe never fills and a failure can show it."""

    def __init__(self, process: subprocess.Popen):
        super().__init__(daemon=True)
        self.process = process
        self.lines: list[str] = []

    def run(self):
        for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace"))

    def text(self) -> str:
        return "".join(self.lines)


class Stack:
    def __init__(self, base: Path):
        self.base = base
        self.postgres = PrivatePostgres(base / "pg")
        self.redis = PrivateRedis(base)
        self.smtp = SmtpSink()
        self.processes: dict[str, tuple[subprocess.Popen, OutputReader]] = {}
        self.urls: dict[str, str] = {}
        self.seeder: subprocess.Popen | None = None

    # Environment of every child: only our private servers, the app's own defaults otherwise.
    def env(self, *, app_role: bool = True, **extra: str) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "CELERY_", "PYTEST_", "EMAIL_", "REDIS_"))
            and key not in {"TEST_DATABASE_NAME", "DEBUG", "PRODUCTION"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.faults.settings",
            DATABASE_URL=self.postgres.url(),
            REDIS_URL=self.redis.url(),
            CELERY_TASK_ALWAYS_EAGER="0",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.smtp.port),
            EMAIL_TIMEOUT="10",
            ALLOWED_HOSTS="127.0.0.1",
            LOGIN_FAILURE_LIMIT="3",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        if app_role:
            env["DATABASE_APP_ROLE"] = APP_ROLE
        env.update(extra)
        return env

    def _spawn(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 - our own web and worker commands
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        reader = OutputReader(process)
        reader.start()
        self.processes[name] = (process, reader)
        return process

    def spawn_web(self, name: str) -> None:
        """A gunicorn instance on a free port (`wait_ready` waits until it answers)."""
        port = free_port()
        self._spawn(
            name,
            [sys.executable, "-m", "gunicorn", "salesculture.wsgi", "--bind", f"127.0.0.1:{port}",
             "--worker-class", "gthread", "--workers", "1", "--threads", "4", "--timeout", "60",
             "--graceful-timeout", "5", "--log-level", "warning"],
            self.env(SITE_URL=f"http://127.0.0.1:{port}"),
        )  # fmt: skip
        self.urls[name] = f"http://127.0.0.1:{port}"

    def spawn_worker(self, name: str) -> None:
        """A Celery worker (solo pool: one process, so SIGKILL kills the delivery itself)."""
        self._spawn(
            name,
            [sys.executable, "-m", "celery", "-A", "salesculture", "worker", "--pool=solo",
             "-n", f"{name}@faults", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-l", "info"],
            self.env(),
        )  # fmt: skip

    def wait_ready(self, name: str, timeout: float = 90) -> None:
        if name in self.urls:
            port = int(self.urls[name].rsplit(":", 1)[1])
            ready = lambda: port_open(port)  # noqa: E731
        else:
            reader = self.processes[name][1]
            ready = lambda: " ready." in reader.text()  # noqa: E731
        poll(lambda: ready() or self._died(name), timeout=timeout, what=f"{name} to start")
        self._died(name, fail=True)

    def ensure_processes(self) -> None:
        """Start whichever of the web instances and workers is not running (all at once: each
        takes seconds to import Django on a loaded machine)."""
        started = []
        for name in (*WEB_INSTANCES, *WORKERS):
            if name not in self.processes or self._died(name):
                (self.spawn_web if name in WEB_INSTANCES else self.spawn_worker)(name)
                started.append(name)
        for name in started:
            self.wait_ready(name)

    def _died(self, name: str, *, fail: bool = False) -> bool:
        process, reader = self.processes[name]
        if process.poll() is None:
            return False
        if fail:
            pytest.fail(f"{name} exited with {process.returncode}:\n{reader.text()[-4000:]}")
        return True

    def kill(self, name: str, sig=signal.SIGTERM) -> None:
        process, _ = self.processes[name]
        if sig == signal.SIGKILL:
            process.kill()
            process.wait(timeout=10)
        else:
            stop_process(process, sig=sig)

    def output(self, name: str) -> str:
        return self.processes[name][1].text()

    def stop_children(self) -> None:
        """Stop every web and worker process and its children (each has its own group)."""
        alive = [p for p, _ in self.processes.values() if p.poll() is None]
        for process in alive:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in alive:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in alive:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=10)
        self.processes.clear()
        self.urls.clear()

    def send_task(self, name: str, **kwargs) -> None:
        """Publish a task to the private broker, as beat would (the injected sweep call)."""
        from celery import Celery

        # Not the current app: the tasks of other tests in this process keep the real one.
        client = Celery(broker=self.redis.url(), set_as_current=False)
        try:
            client.send_task(name, kwargs=kwargs)
        finally:
            client.close()

    def sql(self, query: str, params=None) -> list[tuple]:
        with self.postgres.connect() as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def reset(self) -> None:
        """Empty every table of the app (as the owner) and the queue, between scenarios."""
        tables = [
            row[0]
            for row in self.sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN "
                "('django_migrations', 'django_content_type', 'auth_permission')"
            )
        ]
        self.sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        import redis

        client = redis.Redis.from_url(self.redis.url())
        try:
            # The queue and kombu's unacked bookkeeping only: the workers' bindings stay.
            client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
        finally:
            client.close()
        self.smtp.clear()
        self.smtp.delay = 0.0

    def start_seeder(self) -> None:
        """The long-lived helper of tests/faults/seed.py (migrates, then seeds on request)."""
        self.seeder = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.seed", "--serve"],
            cwd=ROOT, env=self.env(app_role=False), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip

    def _ask_seeder(self, command: dict) -> dict:
        self.seeder.stdin.write((json.dumps(command) + "\n").encode())
        self.seeder.stdin.flush()
        other = []
        while not (line := self.seeder.stdout.readline().decode()).startswith(SEED_ANSWER):
            if not line:
                pytest.fail(f"the seeding helper exited:\n{''.join(other)[-3000:]}")
            other.append(line)
        answer = json.loads(line.removeprefix(SEED_ANSWER))
        if "error" in answer:
            pytest.fail(f"seeding failed:\n{answer['error']}")
        return answer

    def migrate(self) -> None:
        """Migrate as the owner and grant the application role (README, "Database roles")."""
        self._ask_seeder({"setup": True})

    def seed(self, *, slug: str, support_people: int = 10) -> dict:
        """An organisation, its people and an outsider organisation, made by the app's code."""
        return self._ask_seeder({"slug": slug, "support_people": support_people})

    def outbox(self) -> list[tuple[str, str, str]]:
        """(message_id, status, to_address) of every outbox row, across organisations."""
        return self.sql(
            "SELECT message_id, status, to_address FROM notifications_outboundemail ORDER BY id"
        )

    def wait_until_every_email_is_sent(self, *, what: str, timeout: float = 120) -> None:
        """Poll (bounded) until every outbox row is marked sent; fail the test otherwise."""
        poll(
            lambda: {status for _, status, _ in self.outbox()} == {"sent"},
            timeout=timeout,
            what=what,
        )


WEB_INSTANCES = ("web1", "web2")
WORKERS = ("worker1", "worker2")


@pytest.fixture(scope="session")
def stack():
    if not (PG_BIN / "initdb").exists() or shutil.which("redis-server") is None:
        pytest.fail("the fault tests need PostgreSQL 15 (/usr/lib/postgresql/15) and redis-server")
    base = Path(tempfile.mkdtemp(prefix="salesculture-faults-"))
    base.chmod(0o755)  # the postgres user must reach its data directory below
    stack = Stack(base)
    try:
        stack.start_seeder()  # Django's start-up overlaps with initdb
        stack.postgres.init()
        stack.redis.start()
        stack.smtp.start()
        stack.migrate()
        yield stack
    finally:
        if stack.seeder is not None:
            stack.seeder.kill()
            stack.seeder.wait(timeout=10)
        stack.stop_children()
        stack.smtp.stop()
        stack.redis.stop()
        if stack.postgres.running():
            with contextlib.suppress(subprocess.SubprocessError):
                stack.postgres.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fresh_stack(stack):
    """The stack with every server up, empty tables, an empty queue and sink, and two web
    instances and two workers running (started once per session, restarted if a test killed
    one). A failing test shows the tail of each process's output."""
    if not stack.postgres.running():
        stack.postgres.start()
    if stack.redis.process is None:
        stack.redis.start()
    if not stack.smtp.running:
        stack.smtp.start()
    stack.reset()
    stack.ensure_processes()
    marks = {name: len(reader.lines) for name, (_, reader) in stack.processes.items()}
    yield stack
    for name, (_, reader) in stack.processes.items():
        print(f"----- {name} -----\n{''.join(reader.lines[marks.get(name, 0) :])[-3000:]}")
