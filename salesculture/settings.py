"""One settings module, driven by environment variables.

Development defaults are safe and need no server: SQLite and in-process tasks. Every value read
from the environment is parsed strictly, so a typo fails at start-up with a clear message instead
of running with a surprising default.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from salesculture.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", default=False)
PRODUCTION = env_bool("PRODUCTION", default=False)
# A development-only key, public in this repository; production must provide its own.
DEVELOPMENT_SECRET_KEY = "dev-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", default="")
if PRODUCTION and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    # DEBUG=1 changes nothing here: sessions and tokens signed with a public key can be forged.
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.core",
    "apps.tenancy",
    "apps.accounts",
    "apps.audit",
    "apps.notifications",
    "apps.recognition",
    "apps.dependency",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.tenancy.middleware.TenantMiddleware",
]

ROOT_URLCONF = "salesculture.urls"
WSGI_APPLICATION = "salesculture.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.tenancy.context_processors.tenant",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
# The embedded default is an SQLite file; tests and production use PostgreSQL (DATABASE_URL).
DATABASE_URL = env_str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'demo.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from error
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend; its health check skips the round trip for a connection used a moment
    # ago whose socket is quiet (apps/core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "apps.core.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
    # Session settings for short web queries: no JIT compilation (it adds 15-40 ms to every
    # query the planner thinks expensive, more than such a query takes) and the page cost of an
    # SSD, so the planner prefers the tenant indexes to reading whole tables
    # (docs/benchmarks.md). An operator can replace them.
    DATABASES["default"]["OPTIONS"]["options"] = env_str(
        "DATABASE_SESSION_OPTIONS", default="-c jit=off -c random_page_cost=1.1"
    )
    # The statements every page runs are prepared once per connection (apps/core/prepared.py):
    # with a threshold this high no other statement is. DATABASE_PREPARED_STATEMENTS=0 turns
    # preparing off, behind a connection pooler in transaction mode.
    if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 2**31 - 1
    # The application role (app_rw) cannot bypass row-level security. Migrations run as the
    # owner (the role in DATABASE_URL); with DATABASE_APP_ROLE set, every connection then does
    # SET ROLE to the restricted role (see README, "Database roles").
    _app_role = env_str("DATABASE_APP_ROLE", default="")
    if _app_role:
        DATABASES["default"]["OPTIONS"]["assume_role"] = _app_role
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", default="") or None}
if DATABASES["default"]["ENGINE"] == "apps.core.postgresql":
    # Lockout and rate-limit counters go through a connection of their own, so a request that
    # fails and rolls back its transaction still counts (apps/core/routers.py). SQLite, the demo,
    # keeps them on its one connection: a second writer would wait for the request's lock.
    DATABASES["counters"] = {
        **DATABASES["default"],
        "OPTIONS": {**DATABASES["default"]["OPTIONS"]},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["apps.core.routers.CountersRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.ModelBackend"]  # Django's, its read prepared
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "root"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

SESSION_ENGINE = "apps.accounts.sessions"  # Django's database sessions, read prepared
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# Rate limits and throttles must hold across processes and survive Redis being down, so the
# cache lives in the database (the table is created by `createcachetable`, run by migrate).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "salesculture_cache",
    },
    # Rendered fragments of the busiest pages, keyed by the version of the data they show
    # (apps/core/fragments.py): in each process's memory, at most MAX_ENTRIES of them (the
    # organisation's 12-month report page is the largest, about 60 kB).
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": env_int("FRAGMENT_CACHE_ENTRIES", default=500)},
    },
}
# How long a fragment is kept at most; 0 turns the fragment cache off.
FRAGMENT_CACHE_SECONDS = env_int("FRAGMENT_CACHE_SECONDS", default=60)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- E-mail ---------------------------------------------------------------------------------
_email_backend = env_str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends."
    + ("smtp.EmailBackend" if PRODUCTION else "console.EmailBackend"),
)
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": {},
    }
}
if _email_backend.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", default="127.0.0.1"),
        "port": env_int("EMAIL_PORT", default=25),
        "username": env_str("EMAIL_HOST_USER", default=""),
        "password": env_str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
        "timeout": env_int("EMAIL_TIMEOUT", default=20),
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "file_path": env_str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
    }
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", default="salesculture <noreply@salesculture.test>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", default="salesculture.test")

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Without a broker (the demo), tasks run in-process; CELERY_TASK_ALWAYS_EAGER=0 with a worker.
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", default=DATABASE_URL.startswith("sqlite")
)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish that cannot reach Redis must fail fast: the outbox sweep delivers it later.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Workers and beat, though, wait for Redis however long it is away: with a limit they exit once
# it is exceeded (tests/faults). The web's publish is bounded by the transport options above.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = "UTC"

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.core.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.api.throttling.MembershipRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"membership": env_str("API_RATE", default="1200/min")},
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "salesculture API",
    "DESCRIPTION": "Recognition and dependency tracking for sales organisations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.problems.problem_media_type_hook",  # errors are application/problem+json
    ],
    "ENUM_NAME_OVERRIDES": {
        "LetterStatusEnum": "apps.recognition.models.Letter.Status",
        "NominationStatusEnum": "apps.recognition.nomination_models.Nomination.Status",
        "CallImportStatusEnum": "apps.dependency.models.CallImport.Status",
        "EscalationOutcomeEnum": "apps.dependency.models.Escalation.Outcome",
        # Two different choice sets are both called `kind`: name their enums explicitly.
        "TeamKindEnum": "apps.tenancy.models.Team.Kind",
        "ServiceDetourKindEnum": "apps.dependency.models.ServiceDetour.Kind",
    },
}

# --- Security -------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Login lockout: failures counted per account and per client address, shared through the cache.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=8)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", default=14)

# The benchmark harness (scripts/bench, `make bench`) measures the framework's floor through a
# minimal Django view and a minimal DRF view; they exist only while this is on.
BENCH_FLOOR_VIEWS = env_bool("BENCH_FLOOR_VIEWS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="WARNING")},
}
