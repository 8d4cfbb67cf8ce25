"""The benchmark data set: one large organisation (2 000 members, a million escalations over two
years, 200 000 kudos, 20 000 customer nominations) beside a few small ones.

Speed matters (the first `make bench` must stay under ten minutes on two cores), so people and
other small tables go in with COPY from Python, and the large tables are generated inside
PostgreSQL with `INSERT … SELECT` over `generate_series`: a million rows cost seconds there,
minutes in Python. The owner (a superuser, which bypasses row-level security) runs it; every
row still carries its organisation, and each foreign key points inside that organisation, so
the composite same-organisation keys hold.

`seed()` takes a psycopg cursor and a scale (1.0 = the sizes of the issue; the harness test runs
it at a tiny scale inside a rolled-back transaction and checks what it promises).
"""

import datetime as dt
import random
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from apps.accounts.tokens import token_digest
from apps.recognition.models import DEFAULT_VALUES
from apps.recognition.nomination_models import NominationLink
from apps.recognition.nomination_services import link_token

# Bump when the data set changes: the harness reseeds a bench database whose version differs.
SEED_VERSION = 1

BIG_SLUG = "northwind"
SMALL_SLUGS = ("small-1", "small-2", "small-3")
PASSWORD = "bench-password-not-secret"  # noqa: S105 - the bench database's shared password
TIME_ZONE = "Europe/London"
DAYS = 730  # two years of history
TEAM_SHARE = 0.163  # share of the big organisation's escalations from the measured team
TEAM_REPS = 50
SUPPORT_KINDS = ("customer_service", "technical_support", "inside_sales", "admin")

TOPICS = [
    "Pricing exception",
    "Discount approval",
    "Wrong item shipped",
    "Late delivery",
    "Order status",
    "Credit note",
    "Invoice dispute",
    "Contract terms",
    "Product availability",
    "Lead time",
    "Return authorisation",
    "Repair status",
    "Warranty claim",
    "Quote revision",
    "Payment terms",
    "Account setup",
    "Customs paperwork",
    "Damaged goods",
    "Technical spec",
    "Installation visit",
    "Spare parts",
    "Back order",
    "Freight cost",
    "Sample request",
    "Competitor price match",
    "Key account escalation",
    "Rebate question",
    "Tender deadline",
    "Credit limit",
    "Price list update",
    "Product training",
    "Demo unit",
    "Trade-in value",
    "Service contract",
    "Onboarding call",
    "Portal access",
    "EDI error",
    "Consignment stock",
    "Export licence",
    "Other",
]
MESSAGES = [
    "Thanks for turning the Acme order around in a day.",
    "You saved the account with that credit note.",
    "The customer could not stop talking about your call.",
    "Sorted the customs paperwork before I even asked. Legend.",
    "Fixed the portal access while I was still on the phone.",
    "Your spec sheet won us the tender.",
    "Found stock in another warehouse and shipped it the same day.",
    "Walked me through the return process so I can do it myself now.",
    "Stayed late to get the quote out before the deadline.",
    "Calm, quick and kind with a very upset customer.",
]
STORIES = [
    "Our order was stuck at customs two days before the opening; they called the broker, "
    "found another truck and kept us posted every hour. We opened on time.",
    "The machine broke down on a Saturday and the technician talked us through the repair.",
    "They noticed the invoice was wrong before we did and fixed it the same day.",
    "Patient, clear and fast: our new portal accounts worked within the hour.",
]


@dataclass(frozen=True)
class Plan:
    """Row counts for one organisation at a scale."""

    slug: str
    name: str
    members: int
    escalations: int
    kudos: int
    nominations: int
    letters: int
    team_reps: int
    team_share: float

    @property
    def detours(self) -> int:
        return self.escalations // 20


def plans_for(scale: float) -> list[Plan]:
    """The big organisation first, then the small ones."""

    def n(full: int, minimum: int) -> int:
        return max(minimum, round(full * scale))

    big = Plan(
        slug=BIG_SLUG,
        name="Northwind Supplies",
        members=n(2000, 80),
        escalations=n(1_000_000, 2000),
        kudos=n(200_000, 400),
        nominations=n(20_000, 40),
        letters=n(3000, 10),
        team_reps=TEAM_REPS if scale >= 0.1 else 10,
        team_share=TEAM_SHARE,
    )
    small = [
        Plan(
            slug=slug,
            name=f"Small Co {i}",
            members=20,
            escalations=n(2000, 100),
            kudos=n(500, 30),
            nominations=n(50, 5),
            letters=n(20, 2),
            team_reps=0,
            team_share=0.0,
        )
        for i, slug in enumerate(SMALL_SLUGS, start=1)
    ]
    return [big, *small]


@dataclass
class People:
    """Who is who in one seeded organisation (membership ids)."""

    organization_id: int
    admins: list[int] = field(default_factory=list)
    support: list[int] = field(default_factory=list)
    support_teams: list[int] = field(default_factory=list)
    reps: list[int] = field(default_factory=list)  # every sales rep
    team_reps: list[int] = field(default_factory=list)  # the measured team's reps
    team_manager: int | None = None
    team_id: int | None = None
    managers: list[int] = field(default_factory=list)
    everyone: list[int] = field(default_factory=list)
    manager_of: dict[int, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # persona → e-mail


def _ids(cursor, table: str, count: int) -> list[int]:
    """Reserve `count` ids from the table's own sequence, so later inserts never collide."""
    if count == 0:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _people(cursor, plan: Plan, now: dt.datetime, password_hash: str, rng) -> People:
    """Organisation, teams, users and memberships (with reporting lines and routes)."""
    cursor.execute(
        "INSERT INTO tenancy_organization (name, slug, time_zone, currency, "
        "callback_delay_minutes, rep_cost_per_hour, manager_cost_per_hour, managers_can_moderate,"
        " default_phone_region, created_at, nudge_after_days, escalation_retention_months, "
        "work_day_start, work_day_end, work_days) VALUES (%s, %s, %s, 'GBP', 60, 45, 75, true, "
        "'GB', %s, 30, 36, '08:00', '17:00', '12345') RETURNING id",
        [plan.name, plan.slug, TIME_ZONE, now - dt.timedelta(days=DAYS + 30)],
    )
    org_id = cursor.fetchone()[0]
    people = People(organization_id=org_id)

    # Shape: a few admins and executives, 30 % support staff in teams of about 20 (each with a
    # manager), the measured sales team, and sales managers with about 12 reps each.
    n_admins = 2 if plan.members < 100 else 5
    n_support_teams = max(1, round(plan.members * 0.3 / 21))
    support_team_size = max(2, round(plan.members * 0.3 / n_support_teams) - 1)
    remaining = plan.members - n_admins - n_support_teams * (support_team_size + 1)
    remaining -= 1 + ((plan.team_reps + 1) if plan.team_reps else 0)  # the sales director
    n_sales_managers = max(1, remaining // 13)
    sales_team_reps = [(remaining - n_sales_managers) // n_sales_managers] * n_sales_managers
    sales_team_reps[0] += remaining - n_sales_managers - sum(sales_team_reps)

    team_names = [
        (f"{kind.replace('_', ' ').title()} {i + 1}", kind)
        for i, kind in enumerate(SUPPORT_KINDS * n_support_teams)
    ][:n_support_teams]
    team_names += [(f"Sales {i + 1}", "sales") for i in range(n_sales_managers)]
    if plan.team_reps:
        team_names.append(("Key Accounts", "sales"))
    team_ids = _ids(cursor, "tenancy_team", len(team_names))
    _copy(
        cursor,
        "tenancy_team",
        ["id", "organization_id", "name", "kind", "created_at"],
        [
            (tid, org_id, name, kind, now)
            for tid, (name, kind) in zip(team_ids, team_names, strict=True)
        ],
    )
    support_team_ids = team_ids[:n_support_teams]
    sales_team_ids = team_ids[n_support_teams : n_support_teams + n_sales_managers]
    people.support_teams = support_team_ids

    # (persona or None, role, team, manager index or None, title, is_executive)
    rows: list[tuple] = []

    def add(role, team, manager, title, *, persona=None, executive=False) -> int:
        rows.append((persona, role, team, manager, title, executive))
        return len(rows) - 1

    first_admin = add("admin", None, None, "Operations director", persona="admin")
    for i in range(1, n_admins):
        add("admin", None, None, "Administrator", executive=i == 1)
    sales_director = add("manager", None, None, "Sales director", executive=True)
    for team in support_team_ids:
        lead = add("manager", team, first_admin, "Support team lead")
        for j in range(support_team_size):
            add(
                "support",
                team,
                lead,
                "Support specialist",
                persona="support" if team == support_team_ids[0] and j == 0 else None,
            )
    for team, size in zip(sales_team_ids, sales_team_reps, strict=True):
        lead = add("manager", team, sales_director, "Sales manager")
        for _ in range(size):
            add("rep", team, lead, "Account manager")
    if plan.team_reps:
        key_team = team_ids[-1]
        lead = add(
            "manager", key_team, sales_director, "Key accounts manager", persona="team_manager"
        )
        for j in range(plan.team_reps):
            add(
                "rep", key_team, lead, "Key account manager", persona="team_rep" if j == 0 else None
            )
        people.team_id = key_team

    member_ids = _ids(cursor, "tenancy_membership", len(rows))
    user_ids = _ids(cursor, "accounts_user", len(rows))
    first = [
        "Alex",
        "Sam",
        "Riley",
        "Casey",
        "Jordan",
        "Taylor",
        "Morgan",
        "Jamie",
        "Robin",
        "Kim",
        "Noor",
        "Priya",
        "Lena",
        "Omar",
        "Ines",
        "Tomás",
        "Yuki",
        "Ada",
        "Ravi",
        "Zoe",
    ]
    last = [
        "Smith",
        "Jones",
        "Patel",
        "Garcia",
        "Nguyen",
        "Müller",
        "Rossi",
        "Kowalski",
        "Okafor",
        "Silva",
        "Dubois",
        "Larsen",
        "Novak",
        "Haddad",
        "Kaur",
        "Berg",
    ]
    users, memberships, routes = [], [], []
    joined = now - dt.timedelta(days=DAYS + 20)
    for index, (persona, role, team, manager, title, executive) in enumerate(rows):
        member_id, user_id = member_ids[index], user_ids[index]
        email = f"{persona or 'm' + str(index)}@{plan.slug}.bench.test"
        name = f"{rng.choice(first)} {rng.choice(last)}"
        users.append((user_id, password_hash, False, email, name, False, True, joined))
        reports_to = member_ids[manager] if manager is not None else None
        memberships.append(
            (
                member_id,
                org_id,
                user_id,
                role,
                team,
                reports_to,
                title,
                executive,
                True,
                True,
                joined,
                "",
                "",
            )
        )
        routes.append((org_id, user_id, member_id, role, True))
        people.everyone.append(member_id)
        if reports_to is not None:
            people.manager_of[member_id] = reports_to
        if persona:
            people.emails[persona] = email
        if role == "admin":
            people.admins.append(member_id)
        elif role == "support":
            people.support.append(member_id)
        elif role == "manager":
            people.managers.append(member_id)
            if persona == "team_manager":
                people.team_manager = member_id
        else:
            people.reps.append(member_id)
            if team == people.team_id and plan.team_reps:
                people.team_reps.append(member_id)
    _copy(
        cursor,
        "accounts_user",
        [
            "id",
            "password",
            "is_superuser",
            "email",
            "full_name",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        users,
    )
    _copy(
        cursor,
        "tenancy_membership",
        [
            "id",
            "organization_id",
            "user_id",
            "role",
            "team_id",
            "reports_to_id",
            "title",
            "is_executive",
            "is_active",
            "accepts_nominations",
            "joined_at",
            "phone_mobile",
            "phone_office",
        ],
        memberships,
    )
    _copy(
        cursor,
        "tenancy_userorganization",
        ["organization_id", "user_id", "membership_id", "role", "is_active"],
        routes,
    )
    return people


def _lookup_tables(cursor, people: People, plan: Plan, rng) -> tuple[int, int]:
    """Topics and values, and the temporary index tables the SQL generators join on."""
    org_id = people.organization_id
    topic_ids = _ids(cursor, "dependency_topic", len(TOPICS))
    topics = []
    for i, (topic_id, name) in enumerate(zip(topic_ids, TOPICS, strict=True)):
        team = people.support_teams[i % len(people.support_teams)] if i % 10 < 7 else None
        member = people.support[i % len(people.support)] if i % 10 == 7 else None
        topics.append(
            (topic_id, org_id, name, f"Call {name.lower()} experts first.", True, team, member)
        )
    _copy(
        cursor,
        "dependency_topic",
        [
            "id",
            "organization_id",
            "name",
            "how_to",
            "is_active",
            "handled_by_team_id",
            "handled_by_member_id",
        ],
        topics,
    )
    value_ids = _ids(cursor, "recognition_value", len(DEFAULT_VALUES))
    _copy(
        cursor,
        "recognition_value",
        ["id", "organization_id", "name", "description", "is_active", "position"],
        [
            (vid, org_id, name, text, True, pos)
            for pos, (vid, (name, text)) in enumerate(zip(value_ids, DEFAULT_VALUES, strict=True))
        ],
    )

    cursor.execute("DROP TABLE IF EXISTS bench_idx")
    cursor.execute(
        "CREATE TEMP TABLE bench_idx (kind text, idx int, id bigint, manager_id bigint, "
        "PRIMARY KEY (kind, idx)) ON COMMIT DROP"
    )
    other_reps = [r for r in people.reps if r not in set(people.team_reps)]
    rng.shuffle(other_reps)  # who escalates most is not who was created first
    support = list(people.support)
    rows = []
    for kind, ids in (
        ("rep", other_reps),
        ("team_rep", people.team_reps),
        ("support", support),
        ("all_rep", people.reps),
        ("member", people.everyone),
        ("topic", topic_ids),
        ("value", value_ids),
        ("support_team", people.support_teams),
    ):
        rows += [(kind, i, pk, people.manager_of.get(pk)) for i, pk in enumerate(ids)]
    _copy(cursor, "bench_idx", ["kind", "idx", "id", "manager_id"], rows)
    cursor.execute("ANALYZE bench_idx")
    return len(topic_ids), len(value_ids)


# The local working-hours timestamp of a random day in the last two years (weekends moved to
# Thursday and Friday), never in the future.
_WHEN = """LEAST(%(now)s::timestamptz - interval '5 minutes',
    ((date_trunc('day', %(now)s::timestamptz AT TIME ZONE %(tz)s)
      - floor({day} * %(days)s) * interval '1 day'
      - CASE extract(isodow FROM date_trunc('day', %(now)s::timestamptz AT TIME ZONE %(tz)s)
               - floor({day} * %(days)s) * interval '1 day')
          WHEN 6 THEN interval '2 days' WHEN 7 THEN interval '2 days' ELSE interval '0' END
      + interval '8 hours' + {tod} * interval '9 hours') AT TIME ZONE %(tz)s))"""


def _escalations(cursor, people: People, plan: Plan, now: dt.datetime, n_topics: int) -> None:
    """Escalations in time order, skewed by rep and topic, with realistic outcomes; the measured
    team gets `team_share` of them. `repeats_topic` follows the app's 30-day rule."""
    cursor.execute("DROP TABLE IF EXISTS bench_esc")
    cursor.execute(
        "CREATE TEMP TABLE bench_esc (rep_id bigint, manager_id bigint, topic_id bigint, "
        "occurred_at timestamptz, urgency text, channel text, r_out float8, r_min float8, "
        "r_src float8, r_red float8, seq bigint) ON COMMIT DROP"
    )
    n_team = round(plan.escalations * plan.team_share) if people.team_reps else 0
    parts = [("rep", plan.escalations - n_team, len(people.reps) - len(people.team_reps))]
    if n_team:
        parts.append(("team_rep", n_team, len(people.team_reps)))
    for kind, count, n_reps in parts:
        cursor.execute(
            f"""
            INSERT INTO bench_esc
            SELECT r.id, r.manager_id, t.id, {_WHEN.format(day="s.r_day", tod="s.r_tod")},
                   CASE WHEN s.r_urg < 0.3 THEN 'urgent' ELSE 'routine' END,
                   CASE WHEN s.r_ch < 0.45 THEN 'call' WHEN s.r_ch < 0.55 THEN 'voicemail'
                        WHEN s.r_ch < 0.75 THEN 'text' WHEN s.r_ch < 0.85 THEN 'email'
                        WHEN s.r_ch < 0.95 THEN 'chat' ELSE 'in_person' END,
                   s.r_out, s.r_min, s.r_src, s.r_red, s.g
            FROM (SELECT g, random() r_rep, random() r_topic, random() r_day, random() r_tod,
                         random() r_urg, random() r_ch, random() r_out, random() r_min,
                         random() r_src, random() r_red
                  FROM generate_series(1, %(count)s) g) s
            JOIN bench_idx r ON r.kind = %(kind)s
                 AND r.idx = floor(power(s.r_rep, 1.6) * %(n_reps)s)::int
            LEFT JOIN bench_idx t ON t.kind = 'topic' AND s.r_topic >= 0.05
                 AND t.idx = floor(power((s.r_topic - 0.05) / 0.95, 2) * %(n_topics)s)::int
            """,  # noqa: S608 - a fixed template, parameters bound
            {
                "now": now,
                "tz": TIME_ZONE,
                "days": DAYS,
                "count": count,
                "kind": kind,
                "n_reps": n_reps,
                "n_topics": n_topics,
            },
        )
    n_support_teams = len(people.support_teams)
    n_support = len(people.support)
    cursor.execute(
        """
        INSERT INTO dependency_escalation (
            organization_id, rep_id, manager_id, occurred_at, channel, topic_id, urgency, note,
            repeats_topic, outcome, redirected_to_member_id, redirected_to_team_id,
            manager_minutes, rep_minutes, callback_due_at, callback_reminded_at, called_back_at,
            outcome_recorded_at, source, import_key, created_by_id, created_at)
        SELECT %(org)s, e.rep_id, e.manager_id, e.occurred_at, e.channel, e.topic_id, e.urgency,
               CASE WHEN e.r_min < 0.2 THEN 'Customer on hold, needs an answer today' ELSE '' END,
               COALESCE(e.topic_id IS NOT NULL
                        AND e.occurred_at - lag(e.occurred_at) OVER w <= interval '30 days',
                        false),
               o.outcome,
               CASE WHEN o.outcome = 'redirected' AND e.r_red < 0.4
                    THEN sm.id END,
               CASE WHEN o.outcome = 'redirected' AND e.r_red >= 0.4 THEN st.id END,
               CASE WHEN o.outcome <> '' AND e.r_min < 0.8
                    THEN 3 + floor(e.r_min * 35)::int END,
               CASE WHEN o.outcome <> '' AND e.r_min < 0.5
                    THEN 5 + floor(e.r_min * 50)::int END,
               CASE WHEN e.urgency = 'routine' THEN e.occurred_at + interval '60 minutes' END,
               CASE WHEN e.urgency = 'routine' AND o.outcome <> ''
                    THEN e.occurred_at + interval '60 minutes' END,
               CASE WHEN e.urgency = 'routine' AND o.outcome <> ''
                    THEN e.occurred_at + interval '65 minutes' END,
               CASE WHEN o.outcome <> '' THEN e.occurred_at + interval '70 minutes' END,
               CASE WHEN e.r_src < 0.8 THEN 'manual' WHEN e.r_src < 0.95 THEN 'api'
                    ELSE 'import' END,
               CASE WHEN e.r_src >= 0.95 THEN 'bench-' || %(org)s || '-' || e.seq || '-'
                    || e.rep_id ELSE '' END,
               e.rep_id, e.occurred_at + interval '20 seconds'
        FROM bench_esc e
        CROSS JOIN LATERAL (SELECT CASE
            WHEN e.r_out < 0.06 OR (e.occurred_at > %(now)s::timestamptz - interval '1 day'
                                    AND e.r_out < 0.5) THEN ''
            WHEN e.urgency = 'routine' THEN CASE
                WHEN e.r_out < 0.40 THEN 'solved_alone' WHEN e.r_out < 0.72 THEN 'manager_solved'
                WHEN e.r_out < 0.92 THEN 'redirected' ELSE 'unresolved' END
            ELSE CASE WHEN e.r_out < 0.66 THEN 'manager_solved'
                WHEN e.r_out < 0.90 THEN 'redirected' ELSE 'unresolved' END
            END AS outcome) o
        LEFT JOIN bench_idx sm ON sm.kind = 'support'
             AND sm.idx = floor(e.r_red * 2.5 * %(n_support)s)::int %% %(n_support)s
        LEFT JOIN bench_idx st ON st.kind = 'support_team'
             AND st.idx = floor(e.r_red * 997)::int %% %(n_support_teams)s
        WINDOW w AS (PARTITION BY e.rep_id, e.topic_id ORDER BY e.occurred_at, e.seq)
        ORDER BY e.occurred_at, e.seq
        """,
        {
            "org": people.organization_id,
            "now": now,
            "n_support": n_support,
            "n_support_teams": n_support_teams,
        },
    )
    cursor.execute(
        f"""
        INSERT INTO dependency_servicedetour (organization_id, rep_id, occurred_at, kind, team_id,
            minutes, note, created_by_id, created_at)
        SELECT %(org)s, r.id, {_WHEN.format(day="s.r_day", tod="s.r_tod")},
               (ARRAY['wrong_item','repair','price_quote','order_status','billing','other'])
                   [1 + floor(s.r_kind * 6)::int],
               t.id, 5 + floor(s.r_kind * 55)::int, '', r.id, %(now)s
        FROM (SELECT random() r_rep, random() r_day, random() r_tod, random() r_kind,
                     random() r_team FROM generate_series(1, %(count)s)) s
        JOIN bench_idx r ON r.kind = 'all_rep' AND r.idx = floor(s.r_rep * %(n_reps)s)::int
        JOIN bench_idx t ON t.kind = 'support_team'
             AND t.idx = floor(s.r_team * %(n_teams)s)::int
        """,  # noqa: S608 - a fixed template, parameters bound
        {
            "org": people.organization_id,
            "now": now,
            "tz": TIME_ZONE,
            "days": DAYS,
            "count": plan.detours,
            "n_reps": len(people.reps),
            "n_teams": len(people.support_teams),
        },
    )


def _kudos(cursor, people: People, plan: Plan, now: dt.datetime, n_values: int) -> None:
    """Kudos (mostly to support staff, some people thanked far more than others), their
    recipients, values, reactions, and a few thousand letters to the helpers' managers."""
    org = people.organization_id
    n_members, n_support = len(people.everyone), len(people.support)
    params = {
        "org": org,
        "now": now,
        "tz": TIME_ZONE,
        "days": DAYS,
        "count": plan.kudos,
        "n_members": n_members,
        "n_support": n_support,
        "n_values": n_values,
        "messages": MESSAGES,
        "n_messages": len(MESSAGES),
    }
    cursor.execute(
        f"""
        INSERT INTO recognition_kudos (organization_id, sender_id, message, customer_name,
            visibility, client_key, created_at, hidden_reason)
        SELECT %(org)s, m.id, (%(messages)s::text[])[1 + floor(s.r_msg * %(n_messages)s)::int],
               CASE WHEN s.r_msg < 0.3 THEN 'Acme Industrial' ELSE '' END,
               CASE WHEN s.r_vis < 0.9 THEN 'organization' ELSE 'private' END, '',
               {_WHEN.format(day="s.r_day", tod="s.r_tod")}, ''
        FROM (SELECT g, random() r_sender, random() r_msg, random() r_vis, random() r_day,
                     random() r_tod FROM generate_series(1, %(count)s) g) s
        JOIN bench_idx m ON m.kind = 'member' AND m.idx = floor(s.r_sender * %(n_members)s)::int
        ORDER BY 7
        """,  # noqa: S608 - a fixed template, parameters bound
        params,
    )
    # First recipient: a support person, skewed so a few are thanked very often; a quarter of
    # the kudos thank a second one. Nobody thanks themself.
    cursor.execute(
        """
        WITH k AS (
            SELECT id, sender_id, visibility, hidden_at, created_at,
                   floor(power(random(), 1.6) * %(n_support)s)::int a,
                   random() r2, random() r_val, random() r_react
            FROM recognition_kudos WHERE organization_id = %(org)s
        ), first AS (
            INSERT INTO recognition_kudosrecipient (organization_id, kudos_id, recipient_id,
                created_at, sender_id, visibility, hidden_at)
            SELECT %(org)s, k.id, s.id, k.created_at, k.sender_id, k.visibility, k.hidden_at
            FROM k
            JOIN bench_idx s ON s.kind = 'support'
                 AND s.idx = CASE WHEN (SELECT id FROM bench_idx WHERE kind = 'support'
                                        AND idx = k.a) = k.sender_id
                                  THEN (k.a + 1) %% %(n_support)s ELSE k.a END
            RETURNING kudos_id, recipient_id
        ), second AS (
            INSERT INTO recognition_kudosrecipient (organization_id, kudos_id, recipient_id,
                created_at, sender_id, visibility, hidden_at)
            SELECT %(org)s, k.id, s.id, k.created_at, k.sender_id, k.visibility, k.hidden_at
            FROM k
            JOIN first f ON f.kudos_id = k.id
            JOIN bench_idx s ON s.kind = 'support'
                 AND s.idx = (k.a + 2 + floor(k.r2 * 40)::int) %% %(n_support)s
            WHERE k.r2 < 0.25 AND s.id <> f.recipient_id AND s.id <> k.sender_id
            RETURNING kudos_id
        ), vals AS (
            INSERT INTO recognition_kudosvalue (organization_id, kudos_id, value_id)
            SELECT %(org)s, k.id, v.id FROM k
            JOIN bench_idx v ON v.kind = 'value' AND (
                 v.idx = floor(k.r_val * %(n_values)s)::int
                 OR (k.r_val < 0.25 AND v.idx = (floor(k.r_val * %(n_values)s)::int + 1)
                     %% %(n_values)s))
            WHERE k.r_val < 0.8
            RETURNING kudos_id
        )
        INSERT INTO recognition_reaction (organization_id, kudos_id, member_id, emoji,
            created_at)
        SELECT %(org)s, k.id, m.id, (ARRAY['👏','🎉','❤️','🙌','💡','🚀'])[1 + (k.id + j) %% 6],
               k.created_at + j * interval '1 hour'
        FROM k CROSS JOIN generate_series(1, 3) j
        JOIN bench_idx m ON m.kind = 'member'
             AND m.idx = (floor(k.r_react * 1000)::int + j * 7) %% %(n_members)s
        WHERE k.r_react < 0.3 AND j <= 1 + floor(k.r_react * 10)::int
        """,
        params,
    )
    # Letters: one per (kudos, recipient's manager), from the sender, about the recipients.
    cursor.execute(
        """
        WITH picked AS (
            SELECT * FROM (
                SELECT DISTINCT ON (kr.kudos_id, m.reports_to_id)
                       kr.kudos_id, k.sender_id, m.reports_to_id AS manager_id, k.created_at
                FROM recognition_kudosrecipient kr
                JOIN recognition_kudos k ON k.id = kr.kudos_id
                JOIN tenancy_membership m ON m.id = kr.recipient_id
                WHERE kr.organization_id = %(org)s AND m.reports_to_id IS NOT NULL
                      AND m.reports_to_id <> k.sender_id
                ORDER BY kr.kudos_id, m.reports_to_id
            ) candidates
            ORDER BY md5(kudos_id::text)
            LIMIT %(letters)s
        ), letters AS (
            INSERT INTO recognition_letter (organization_id, kudos_id, sender_id, addressed_to_id,
                body, client_key, created_at, acknowledged_at, acknowledged_by_id,
                acknowledgement_note)
            SELECT %(org)s, kudos_id, sender_id, manager_id,
                   'Dear manager, I want you to know how much your colleague helped us.', '',
                   created_at + interval '10 minutes',
                   CASE WHEN kudos_id %% 3 = 0 THEN created_at + interval '1 day' END,
                   CASE WHEN kudos_id %% 3 = 0 THEN manager_id END,
                   CASE WHEN kudos_id %% 3 = 0 THEN 'Thank you, passed on with pride.' ELSE '' END
            FROM picked
            RETURNING id, kudos_id, addressed_to_id, created_at
        )
        INSERT INTO recognition_lettersubject (organization_id, letter_id, member_id, created_at)
        SELECT %(org)s, l.id, kr.recipient_id, l.created_at FROM letters l
        JOIN recognition_kudosrecipient kr ON kr.kudos_id = l.kudos_id
        JOIN tenancy_membership m ON m.id = kr.recipient_id AND m.reports_to_id = l.addressed_to_id
        """,
        {"org": org, "letters": plan.letters},
    )


def _nominations(cursor, people: People, plan: Plan, now: dt.datetime, rng) -> None:
    """Links shared by members (their hashes in the global routing table) and the customers'
    nominations through them, most approved by a moderator."""
    org = people.organization_id
    n_links = max(3, plan.nominations // 50)
    link_ids = _ids(cursor, "recognition_nominationlink", n_links)
    links, routes = [], []
    for link_id in link_ids:
        creator = rng.choice(people.reps or people.everyone)
        salt = f"{rng.getrandbits(128):032x}"
        links.append(
            (
                link_id,
                org,
                creator,
                f"Customer link {link_id}",
                salt,
                False,
                now - dt.timedelta(days=DAYS),
            )
        )
        token = link_token(NominationLink(pk=link_id, organization_id=org, salt=salt))
        routes.append(("nomination_link", token_digest(token), org, link_id, now))
    _copy(
        cursor,
        "recognition_nominationlink",
        ["id", "organization_id", "created_by_id", "label", "salt", "single_use", "created_at"],
        links,
    )
    _copy(
        cursor,
        "tenancy_globalroute",
        ["kind", "digest", "organization_id", "object_id", "created_at"],
        routes,
    )
    cursor.execute(
        "INSERT INTO bench_idx (kind, idx, id, manager_id) "
        "SELECT 'link', row_number() OVER (ORDER BY id) - 1, id, created_by_id "
        "FROM recognition_nominationlink WHERE organization_id = %s",
        [org],
    )
    cursor.execute(
        f"""
        INSERT INTO recognition_nomination (organization_id, link_id, collected_by_id,
            nominee_id, helper_description, story, customer_role, customer_name,
            customer_company, customer_email, consent, status, created_at, moderated_at,
            moderated_by_id)
        SELECT %(org)s, l.id, l.manager_id, CASE WHEN s.r_who >= 0.1 THEN n.id END,
               CASE WHEN s.r_who < 0.1 THEN 'The friendly person on the phone on Tuesday'
                    ELSE '' END,
               (%(stories)s::text[])[1 + floor(s.r_story * %(n_stories)s)::int],
               (ARRAY['buyer','site_contact','accounts_payable','end_user','manager','other'])
                   [1 + floor(s.r_story * 6)::int],
               'Pat Customer', 'Customer Ltd',
               CASE WHEN s.r_story < 0.5 THEN 'customer' || s.g || '@example.test' ELSE '' END,
               true,
               CASE WHEN s.r_status < 0.7 THEN 'approved' WHEN s.r_status < 0.85 THEN 'pending'
                    WHEN s.r_status < 0.95 THEN 'rejected' ELSE 'spam' END,
               {_WHEN.format(day="s.r_day", tod="s.r_tod")},
               CASE WHEN s.r_status < 0.7 OR s.r_status >= 0.85
                    THEN {_WHEN.format(day="s.r_day", tod="s.r_tod")} + interval '1 day' END,
               CASE WHEN s.r_status < 0.7 OR s.r_status >= 0.85 THEN %(moderator)s END
        FROM (SELECT g, random() r_link, random() r_who, random() r_story, random() r_status,
                     random() r_day, random() r_tod FROM generate_series(1, %(count)s) g) s
        JOIN bench_idx l ON l.kind = 'link' AND l.idx = floor(s.r_link * %(n_links)s)::int
        JOIN bench_idx n ON n.kind = 'support'
             AND n.idx = floor(power(s.r_who, 2) * %(n_support)s)::int
        ORDER BY 13
        """,  # noqa: S608 - a fixed template, parameters bound
        {
            "org": org,
            "now": now,
            "tz": TIME_ZONE,
            "days": DAYS,
            "count": plan.nominations,
            "n_links": n_links,
            "n_support": len(people.support),
            "stories": STORIES,
            "n_stories": len(STORIES),
            "moderator": people.admins[0],
        },
    )


# The tables the SQL generators fill. Their foreign keys (deferred, so checked row by row at
# commit: many minutes for a million rows) and secondary indexes are dropped for the load and
# put back after it: re-adding a foreign key checks every row in one join, an index is built
# in one sort.
BULK_TABLES = [
    "dependency_escalation",
    "dependency_servicedetour",
    "recognition_kudos",
    "recognition_kudosrecipient",
    "recognition_kudosvalue",
    "recognition_reaction",
    "recognition_letter",
    "recognition_lettersubject",
    "recognition_nomination",
]


@contextmanager
def _bulk_load(cursor):
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [BULK_TABLES],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [BULK_TABLES],
    )
    indexes = cursor.fetchall()
    # PostgreSQL refuses to alter a table with pending deferred checks: check them row by row
    # during the load instead (only the small tables keep their foreign keys).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, _definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as they were declared


def seed(cursor, *, scale: float, now: dt.datetime | None = None, seed: int = 6) -> dict:
    """Seed every planned organisation through `cursor` (psycopg, as the owner, in the
    caller's transaction). Returns the personas and ids the measurements need."""
    now = now or dt.datetime.now(dt.UTC)
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    cursor.execute("SELECT setseed(%s)", [seed / 100])
    password_hash = make_password(PASSWORD, salt="benchbenchbench")
    result = {"seed_version": SEED_VERSION, "scale": scale, "organizations": {}}
    with _bulk_load(cursor):
        _seed_organizations(cursor, scale, now, password_hash, rng, result)
    return result


def _seed_organizations(cursor, scale, now, password_hash, rng, result) -> None:
    for plan in plans_for(scale):
        people = _people(cursor, plan, now, password_hash, rng)
        n_topics, n_values = _lookup_tables(cursor, people, plan, rng)
        _escalations(cursor, people, plan, now, n_topics)
        _kudos(cursor, people, plan, now, n_values)
        _nominations(cursor, people, plan, now, rng)
        result["organizations"][plan.slug] = {
            "id": people.organization_id,
            "members": len(people.everyone),
            "team_id": people.team_id,
            "team_manager": people.team_manager,
            "team_reps": people.team_reps,
            "emails": people.emails,
        }
        cursor.execute("DROP TABLE IF EXISTS bench_idx, bench_esc")
