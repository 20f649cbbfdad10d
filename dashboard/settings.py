"""Settings, read from the environment so that one build runs as demo, test and production."""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from devservers.crypto import KEYS_HINT, key_problems

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DASHBOARD_VAR_DIR", BASE_DIR / "var"))


_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def env_flag(name: str, default: bool = False) -> bool:
    """A boolean setting; a value that is neither yes nor no (a typo such as "ture") stops the start."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value; use one of {sorted(_TRUE_WORDS | (_FALSE_WORDS - {''}))}."
    )


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-only-key-" + "x" * 50

# Fernet keys for secrets stored in the database (login passwords, SK, IAM passwords).
# Several keys, comma-separated, allow rotation: the first encrypts, all decrypt.
SECRETS_ENCRYPTION_KEYS = env_list("SECRETS_ENCRYPTION_KEYS")
if not SECRETS_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("SECRETS_ENCRYPTION_KEYS must be set when DJANGO_DEBUG is off.")
    SECRETS_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
    ]
# A bad key stops the start here, not at the first secret stored (the system check says the same).
if _key_problems := key_problems(SECRETS_ENCRYPTION_KEYS):
    raise ImproperlyConfigured(" ".join([*_key_problems, KEYS_HINT]))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    # The API's browsable docs: with "ninja" installed they load Swagger UI from our static files, not a CDN.
    "ninja",
    "devservers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the switcher's cookie, else the browser's Accept-Language; English by default.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.middleware.SessionTimeoutMiddleware",
    "dashboard.middleware.PrivateCacheMiddleware",
    "dashboard.middleware.ServiceUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"
ASGI_APPLICATION = "dashboard.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "devservers.context_processors.navigation",
                "devservers.sso.context_processors.login_options",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A worker frozen (SIGSTOP, a stalled VM) inside a transaction would hold its row locks for as
    # long as it stays frozen; PostgreSQL ends such a session instead, so the others go on.
    idle_in_transaction_ms = int(os.environ.get("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", "30000"))
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c idle_in_transaction_session_timeout={idle_in_transaction_ms}"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write the same file; wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "dsd"),
        # A Redis that does not answer costs a request two seconds and a 503 page, not a hung worker.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }
}
# Sessions are read from Redis (so a live-update poll needs no SQL) and kept in the database (so a
# Redis outage or restart logs nobody out); docs/SECURITY.md says why.
SESSION_ENGINE = "dashboard.sessions"
SESSION_IDLE_TIMEOUT = timedelta(minutes=float(os.environ.get("SESSION_IDLE_TIMEOUT_MINUTES", "120")))
SESSION_MAX_AGE = timedelta(hours=float(os.environ.get("SESSION_MAX_AGE_HOURS", "12")))
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE.total_seconds())

LOGIN_URL = "login"
AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out login is refused before its password is hashed.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on: answers only the provider's callback, and only when SSO is configured (below).
    "devservers.sso.backend.SsoBackend",
]
# Login throttling (django-axes, counted in the database): a user name, or an address, with this many
# failures in a row is locked for the cool-off; an admin unlocks sooner in the admin's access attempts.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Not reset by a success: one's own good login from the same address would wipe the address's
# failures against someone else's account too. Failures fall away after the cool-off instead.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "dashboard.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "dashboard.login_throttle.client_ip"
# Proxies in front that append to X-Forwarded-For; behind the HTTPS proxy production assumes, one.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0" if DEBUG else "1"))
LOGIN_REDIRECT_URL = "devservers:list"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on (OpenID Connect, through mozilla-django-oidc; devservers/sso/, docs/SECURITY.md): on when
# the issuer, the client id and its secret are set, else the login page shows passwords only. The
# endpoints come from the issuer's discovery document unless set here. Local passwords stay for the
# demo and break-glass admins.
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile groups")
# The claim (in the ID token or from userinfo) that lists the user's groups; teams map one each.
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
# What the login page's button calls the provider: "Sign in with <name>"; unset, "with single sign-on".
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# The catalogues (locale/<lang>/LC_MESSAGES/django.po) are compiled by `./dev run` and `./dev test`, not committed.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# No inline script or style anywhere: templates load static/js and static/css only (docs/SECURITY.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes says hello at every start; its warnings (each failed login, each lockout) still show.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Celery: Redis broker, no result backend (nothing waits on a result).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Longer than any countdown we schedule, so Redis never hands a delayed task out twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3 * 3600}
CELERY_BEAT_SCHEDULE = {
    # Each beat walks the list of an account whose turn has come: a walk of N pages (1,024 servers
    # each) waits N beats, so a steady account costs one list call a beat, 2 a minute at 30 s.
    "reconcile-accounts": {
        "task": "devservers.tasks.reconcile_all_accounts",
        "schedule": timedelta(seconds=int(os.environ.get("RECONCILE_INTERVAL_SECONDS", "30"))),
    },
    # Servers that stop themselves: due stops, lifetime warnings and deletes (devservers/schedules).
    "run-schedules": {
        "task": "devservers.schedules.tasks.run_schedules",
        "schedule": timedelta(seconds=int(os.environ.get("SCHEDULES_INTERVAL_SECONDS", "60"))),
    },
    "budget-notices": {
        "task": "devservers.tasks.send_budget_notices",
        "schedule": timedelta(seconds=int(os.environ.get("BUDGET_NOTICES_INTERVAL_SECONDS", "900"))),
    },
    # The status tally's changes folded into one row per team, owner and status (devservers/tallies.py).
    "compact-status-tallies": {
        "task": "devservers.tasks.compact_status_tallies",
        "schedule": timedelta(seconds=int(os.environ.get("STATUS_TALLY_COMPACT_SECONDS", "60"))),
    },
    # The billing ledger's clocks folded into a row per key each side of the month (devservers/costs/ledger.py).
    "fold-billing-ledger": {
        "task": "devservers.tasks.fold_billing_ledger",
        "schedule": timedelta(seconds=int(os.environ.get("BILLING_LEDGER_FOLD_SECONDS", "60"))),
    },
    "refresh-catalogues": {
        "task": "devservers.tasks.refresh_all_catalogs",
        "schedule": timedelta(seconds=int(os.environ.get("DEVSERVER_CATALOG_REFRESH_SECONDS", "300"))),
    },
}

# Product settings.
DEVSERVER_RUNNING_LIMIT = timedelta(minutes=int(os.environ.get("DEVSERVER_RUNNING_LIMIT_MINUTES", "30")))
# How late a row's next step must be before reconcile takes its task for lost (the worker died, or
# Redis lost its queue) and queues it again; longer than any countdown the flow sets is late by.
DEVSERVER_LOST_TASK_GRACE = timedelta(seconds=float(os.environ.get("DEVSERVER_LOST_TASK_GRACE_SECONDS", "120")))
# Every call to the cloud: seconds to connect and to wait for an answer. The submit lease is
# computed from these (devservers/provisioning/leases.py), so a lease always outlives its calls.
DEVSERVER_CLOUD_CONNECT_TIMEOUT = float(os.environ.get("DEVSERVER_CLOUD_CONNECT_TIMEOUT", "5"))
DEVSERVER_CLOUD_READ_TIMEOUT = float(os.environ.get("DEVSERVER_CLOUD_READ_TIMEOUT", "30"))

# Celery queues: each kind of work waits in its own, so a flood of creates never holds back the
# following, the lifecycle actions or the reconcile. Every worker consumes every queue (Redis
# serves them in turn); anything unrouted (catalogue, schedules, tasks added later) goes to "celery".
CELERY_TASK_DEFAULT_QUEUE = "celery"
DEVSERVER_WORKER_QUEUES = ("submit", "follow", "actions", "reconcile", "celery")
CELERY_TASK_QUEUES = {name: {"exchange": name, "routing_key": name} for name in DEVSERVER_WORKER_QUEUES}
CELERY_TASK_ROUTES = {
    "devservers.tasks.submit_devserver": {"queue": "submit"},
    "devservers.tasks.check_unknown_outcome": {"queue": "submit"},
    "devservers.tasks.follow_devserver": {"queue": "follow"},
    "devservers.tasks.run_action": {"queue": "actions"},
    "devservers.tasks.reconcile_account": {"queue": "reconcile"},
    "devservers.tasks.reconcile_all_accounts": {"queue": "reconcile"},
    "devservers.tasks.compact_status_tallies": {"queue": "reconcile"},
    "devservers.tasks.fold_billing_ledger": {"queue": "reconcile"},
}
# Time limits, from the longest chain of cloud calls a task can make (the shape of
# provisioning/leases.py's lease_budget, with an IAM token call each time and the client's defaults
# of 3 read retries and 8 s back-off): a task past its soft limit is stuck, not slow.
_ONE_CALL_SECONDS = DEVSERVER_CLOUD_CONNECT_TIMEOUT + DEVSERVER_CLOUD_READ_TIMEOUT
_LOOKUP_SECONDS = _ONE_CALL_SECONDS + 4 * _ONE_CALL_SECONDS + 3 * 8
_POST_SECONDS = 2 * _ONE_CALL_SECONDS
_TASK_MARGIN_SECONDS = 60
# The reconcile walks the account's list, 1,024 servers a page: 12 pages cover 12,000 servers.
_RECONCILE_PAGES = 12
_TASK_SOFT_LIMITS = {
    "devservers.tasks.submit_devserver": _LOOKUP_SECONDS + _POST_SECONDS,
    "devservers.tasks.check_unknown_outcome": _LOOKUP_SECONDS + _POST_SECONDS,
    "devservers.tasks.follow_devserver": _LOOKUP_SECONDS,
    "devservers.tasks.run_action": _POST_SECONDS + _LOOKUP_SECONDS,
    "devservers.tasks.reconcile_account": _RECONCILE_PAGES * _LOOKUP_SECONDS,
}
CELERY_TASK_ANNOTATIONS = {
    name: {
        "soft_time_limit": seconds + _TASK_MARGIN_SECONDS,
        "time_limit": seconds + 2 * _TASK_MARGIN_SECONDS,
    }
    for name, seconds in _TASK_SOFT_LIMITS.items()
}
# Every other task (the catalogue's refresh calls one list per flavor, schedules claim many rows).
CELERY_TASK_SOFT_TIME_LIMIT = 20 * _LOOKUP_SECONDS
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 2 * _TASK_MARGIN_SECONDS
# How long a request waits out a cloud that does not answer before it is given up on.
DEVSERVER_PENDING_LIMIT = timedelta(hours=float(os.environ.get("DEVSERVER_PENDING_LIMIT_HOURS", "24")))
# The most create POSTs one request may send, each after look-ups found no server for the one before
# (with back-off growing to 5 minutes between them, about 45 minutes of a create call that alone fails);
# the cloud's name check turns any POST after one that did land into an adoption, never a second server.
DEVSERVER_MAX_CREATE_POSTS = int(os.environ.get("DEVSERVER_MAX_CREATE_POSTS", "20"))
# The worker refreshes each active account's catalogue this often; a page reads it from Redis, where
# it is kept long enough to outlast a cloud outage of an hour.
DEVSERVER_CATALOG_REFRESH_SECONDS = int(os.environ.get("DEVSERVER_CATALOG_REFRESH_SECONDS", "300"))
DEVSERVER_CATALOG_CACHE_SECONDS = int(os.environ.get("DEVSERVER_CATALOG_CACHE_SECONDS", "3600"))
DEVSERVER_LIVE_POLL_SECONDS = float(os.environ.get("DEVSERVER_LIVE_POLL_SECONDS", "1.5"))
# Live pages served by the ASGI server (dashboard/asgi.py) get changes pushed over server-sent events and
# poll only while their stream is down; a stream ends after this long and the page opens a new one, so
# its session and access are checked again.
DEVSERVER_LIVE_PUSH = env_flag("DEVSERVER_LIVE_PUSH", True)
DEVSERVER_LIVE_STREAM_SECONDS = float(os.environ.get("DEVSERVER_LIVE_STREAM_SECONDS", "300"))
# Calls per token and minute to /api/v1/ before it answers 429 with Retry-After.
API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "120"))
# Notification emails: through SMTP at EMAIL_HOST when set, else printed to the console (`./dev run`).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "DevServer Dashboard <devservers@localhost>")
# The address links in notification emails start with.
DASHBOARD_URL = os.environ.get("DASHBOARD_URL", "http://localhost:8000").rstrip("/")
