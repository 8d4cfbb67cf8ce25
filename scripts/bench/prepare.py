"""Bench database steps run by run.sh, as the owner, with DATABASE_URL naming the bench database.

    python -m scripts.bench.prepare status     # exit 0 when the seed version and scale match
    python -m scripts.bench.prepare seed       # seed, ANALYZE, record the seed version
    python -m scripts.bench.prepare personas   # sessions, API tokens and link tokens (JSON)

BENCH_SCALE (default 1.0) sizes the data set; a database seeded at another scale or by another
SEED_VERSION is reseeded from scratch by run.sh.
"""

import json
import os
import sys
import time

import django

MARKER_TABLE = "bench_seed"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesculture.settings")
    django.setup()


def scale() -> float:
    raw = os.environ.get("BENCH_SCALE", "1") or "1"
    try:
        value = float(raw)
    except ValueError:
        sys.exit(f"BENCH_SCALE must be a number, not {raw!r}.")
    if not 0 < value <= 2:
        sys.exit("BENCH_SCALE must be above 0 and at most 2.")
    return value


def marker() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT info FROM {MARKER_TABLE} ORDER BY seeded_at DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def status() -> int:
    from scripts.bench.seed import SEED_VERSION

    info = marker()
    if info and info.get("seed_version") == SEED_VERSION and info.get("scale") == scale():
        print(f"bench database seeded (version {SEED_VERSION}, scale {scale()}): reused")
        return 0
    print("bench database needs seeding")
    return 1


def seed() -> int:
    from django.db import connection, transaction

    from scripts.bench.seed import seed as run_seed

    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        info = run_seed(raw, scale=scale())
        seconds = round(time.monotonic() - started, 1)
        info["seed_seconds"] = seconds
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (info jsonb NOT NULL, "
            "seeded_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (info) VALUES (%s)", [json.dumps(info)])  # noqa: S608
    with connection.cursor() as cursor:
        # Statistics for the planner, and the visibility map that index-only scans need (on a
        # live database autovacuum keeps both up to date).
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded in {seconds} s, analysed in {round(time.monotonic() - started - seconds, 1)} s")
    return 0


def personas() -> int:
    """Everything the load needs to act as people: session cookies (as Django's test client
    logs in: a real session row), bearer tokens, nomination link tokens. Printed as JSON."""
    from django.test import Client

    from apps.accounts.models import User
    from apps.accounts.tokens import api_token_create
    from apps.core.models import Counter
    from apps.dependency.models import Topic
    from apps.recognition.models import Kudos, Value
    from apps.recognition.nomination_models import NominationLink
    from apps.recognition.nomination_services import link_token
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Membership
    from scripts.bench.seed import BIG_SLUG

    info = marker()
    if info is None:
        sys.exit("The bench database is not seeded.")
    big = info["organizations"][BIG_SLUG]
    # Every run starts with empty rate-limit counters: a nomination link's hourly limit (30)
    # would otherwise carry the previous run's submissions into this one.
    Counter.objects.all().delete()
    result = {
        "slug": BIG_SLUG,
        "organization_id": big["id"],
        "team_id": big["team_id"],
        "seed": {k: info.get(k) for k in ("seed_version", "scale", "seed_seconds")},
    }
    with tenant_context(big["id"]):
        members = {}
        for persona, email in big["emails"].items():
            user = User.objects.get(email=email)
            client = Client()
            client.force_login(user)
            member = Membership.objects.get(user=user)
            members[persona] = {
                "member_id": member.pk,
                "session": client.cookies["sessionid"].value,
                "token": api_token_create(membership=member, name="bench").secret,
            }
        result["personas"] = members
        # A few floor-view tokens and writers, so 20 clients are not one membership.
        result["team_rep_tokens"] = [
            api_token_create(membership=Membership.objects.get(pk=pk), name="bench").secret
            for pk in big["team_reps"][:20]
        ]
        result["support_ids"] = list(
            Membership.objects.filter(role="support").order_by("id").values_list("id", flat=True)
        )[:50]
        result["value_ids"] = list(Value.objects.values_list("id", flat=True))
        result["topic_ids"] = list(Topic.objects.order_by("id").values_list("id", flat=True))
        result["link_tokens"] = [link_token(link) for link in NominationLink.objects.order_by("id")]
        result["kudos_count"] = Kudos.objects.count()
    json.dump(result, sys.stdout)
    return 0


def main() -> int:
    _setup()
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    commands = {"status": status, "seed": seed, "personas": personas}
    if command not in commands:
        sys.exit(f"usage: python -m scripts.bench.prepare {{{'|'.join(commands)}}}")
    return commands[command]()


if __name__ == "__main__":
    sys.exit(main())
