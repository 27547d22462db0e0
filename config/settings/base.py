"""Settings shared by every environment. Values come from the environment where they differ per machine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def webauthn_origins(value: str, rp_id: str, *, name: str = "KETENZICHT_WEBAUTHN_ORIGINS") -> list[str]:
    """The addresses (scheme://host[:port], comma-separated) that security keys may be used from: each host
    must be the relying party id or a subdomain of it, and each origin HTTPS (http only for localhost, for
    development). Anything else is refused here, naming the setting."""
    from urllib.parse import urlsplit

    origins = [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
    if not origins:
        raise ImproperlyConfigured(
            f"{name}: give at least one address, such as https://{rp_id or 'example.nl'}"
        )
    for origin in origins:
        parts = urlsplit(origin)
        host = parts.hostname or ""
        if parts.scheme not in ("https", "http") or not host or parts.path or parts.query:
            raise ImproperlyConfigured(f"{name}: {origin!r} is no address like https://ketenzicht.example.nl")
        if parts.scheme == "http" and host != "localhost":
            raise ImproperlyConfigured(f"{name}: {origin!r} must use https (http only for localhost)")
        if host != rp_id and not host.endswith(f".{rp_id}"):
            raise ImproperlyConfigured(
                f"{name}: the host of {origin!r} is not KETENZICHT_WEBAUTHN_RP_ID ({rp_id!r}) or under it"
            )
    return origins


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "ketenzicht-local-development-key-not-for-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",  # security keys and passkeys (WebAuthn) as a second django-otp device
    "django_htmx",
    "ninja",  # the API docs page's Swagger UI from the installed package, not from a CDN (works offline)
    "ketenzicht.ui",
    "ketenzicht.organisations",
    "ketenzicht.audit",
    "ketenzicht.accounts",
    "ketenzicht.signin",
    "ketenzicht.registrations",
    "ketenzicht.persons",
    "ketenzicht.linking",
    "ketenzicht.patterns",
    "ketenzicht.dossiers",
    "ketenzicht.workprocesses",
    "ketenzicht.measures",
    "ketenzicht.screening",
    "ketenzicht.veiligthuis",
    "ketenzicht.prosecution",
    "ketenzicht.insights",
    "ketenzicht.intake",
    "ketenzicht.demo",
    "ketenzicht.retention",
    "ketenzicht.web",
    "ketenzicht.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "ketenzicht.web.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ketenzicht.web.locale.DutchUnlessChosenMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ketenzicht.web.sessions.SessionTimeoutMiddleware",
    "ketenzicht.web.middleware.LoginRequiredMiddleware",
    "ketenzicht.signin.middleware.SecondFactorMiddleware",
    "ketenzicht.web.middleware.ErrorPagesMiddleware",
    # AxesMiddleware must be last: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ketenzicht" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketenzicht.web.context_processors.current_user",
            ],
        },
    }
]

# SQLite file by default; PostgreSQL (or any backend dj-database-url knows) when DATABASE_URL is set.
_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'ketenzicht.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it pays off for long analytical queries, not for the register's short ones, and
    # a cost estimate that is off (statistics behind a bulk import) made it spend seconds compiling a
    # statement that runs in milliseconds (bench/import_growth.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer imports; IMMEDIATE avoids lock upgrades mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisations.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "ketenzicht.organisations.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed logins (django-axes): a user name from one address is locked at
# AXES_FAILURE_LIMIT failures within the cool-off time (hours), for the cool-off time...
AXES_FAILURE_LIMIT = int(os.environ.get("KETENZICHT_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("KETENZICHT_LOGIN_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# ... and an address for every user at this many failures of all users from it within the cool-off time
# (password spraying: a few passwords each for many users): ketenzicht.web.lockout.
AXES_HANDLER = "ketenzicht.web.lockout.AddressLockoutHandler"
KETENZICHT_LOCKOUT_ADDRESS_FAILURES = int(os.environ.get("KETENZICHT_LOCKOUT_ADDRESS_FAILURES", "20"))

# The second factor (ketenzicht.signin, django-otp): after the password, a code from an authenticator app
# (TOTP) or a recovery code, before any other page. KETENZICHT_OTP_REQUIRED=0 switches the demand off (the
# unit tests do; never in production). A wrong code counts as a failed login for the lockout above.
KETENZICHT_OTP_REQUIRED = env_bool("KETENZICHT_OTP_REQUIRED", True)
OTP_TOTP_ISSUER = "Ketenzicht"
# Security keys and passkeys (WebAuthn, django-otp-webauthn) as a second factor beside or instead of the app;
# only after the password (no passwordless login). The relying party id is the domain a key is bound to (a
# key registered for one id does not work under another: choose it once), its name what the browser shows;
# the origins are the addresses the application is served from. Development: http://localhost:8000 (not
# 127.0.0.1: WebAuthn needs a domain name). production.py takes them from the site's address by default.
OTP_WEBAUTHN_RP_ID = os.environ.get("KETENZICHT_WEBAUTHN_RP_ID", "localhost")
OTP_WEBAUTHN_RP_NAME = os.environ.get("KETENZICHT_WEBAUTHN_RP_NAME", "Ketenzicht")
OTP_WEBAUTHN_ALLOWED_ORIGINS = webauthn_origins(
    os.environ.get("KETENZICHT_WEBAUTHN_ORIGINS", "http://localhost:8000"), OTP_WEBAUTHN_RP_ID
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Login by an identity provider (OpenID Connect, mozilla-django-oidc): off unless production.py finds the
# provider's settings in the environment (KETENZICHT_OIDC_CLIENT_ID and the rest; ketenzicht.signin.oidc).
KETENZICHT_OIDC_ENABLED = False
# Which claims say who the user is, their organisation (its code) and their roles; the provider's role values
# translated to Ketenzicht's role codes as JSON ({"ketenzicht-analist": "national_analyst"}); an unknown
# organisation or role refuses the login.
KETENZICHT_OIDC_USERNAME_CLAIM = os.environ.get("KETENZICHT_OIDC_USERNAME_CLAIM", "preferred_username")
KETENZICHT_OIDC_ORGANISATION_CLAIM = os.environ.get("KETENZICHT_OIDC_ORGANISATION_CLAIM", "organisation")
KETENZICHT_OIDC_ROLES_CLAIM = os.environ.get("KETENZICHT_OIDC_ROLES_CLAIM", "roles")
KETENZICHT_OIDC_ROLE_MAP: dict[str, str] = json.loads(os.environ.get("KETENZICHT_OIDC_ROLE_MAP", "{}"))
# A provider login whose `amr` claim holds one of these needs no local second factor (the provider asked for
# one); KETENZICHT_OIDC_TRUST_PROVIDER_MFA=0 asks for the local code after every provider login.
KETENZICHT_OIDC_TRUST_PROVIDER_MFA = env_bool("KETENZICHT_OIDC_TRUST_PROVIDER_MFA", True)
KETENZICHT_OIDC_MFA_AMR = [
    v for v in os.environ.get("KETENZICHT_OIDC_MFA_AMR", "mfa,otp").replace(" ", "").split(",") if v
]

SESSION_COOKIE_HTTPONLY = True
# A login lasts at most KETENZICHT_SESSION_SECONDS (a working day) from logging in, and ends sooner after
# KETENZICHT_SESSION_IDLE_SECONDS (30 minutes) without a request: ketenzicht.web.sessions.
SESSION_COOKIE_AGE = int(os.environ.get("KETENZICHT_SESSION_SECONDS", str(8 * 3600)))
KETENZICHT_SESSION_IDLE_SECONDS = int(os.environ.get("KETENZICHT_SESSION_IDLE_SECONDS", str(30 * 60)))
CSRF_FAILURE_VIEW = "ketenzicht.web.middleware.csrf_failure"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# Headers on every response. No page runs inline script or style, nor evaluates text as script (htmx is told
# so in base.html): scripts, styles and images come from the application itself. The API's docs page needs
# no exception: django-ninja serves Swagger UI from its installed static files and starts it from a file too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page uses, switched off (ketenzicht.web.middleware.PermissionsPolicyMiddleware);
# security keys (WebAuthn) only for this site's own pages.
PERMISSIONS_POLICY = (
    "publickey-credentials-create=(self), publickey-credentials-get=(self), "
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), "
    "screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "ketenzicht" / "locale"]
FORMAT_MODULE_PATH = ["ketenzicht.ui.dateformats"]  # day-first two-digit short dates, 24-hour clock
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "ketenzicht" / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KETENZICHT_LOG_LEVEL", "WARNING")},
}

# The purpose stated for looking up persons holds this many minutes; then the dossier asks for it again.
KETENZICHT_PURPOSE_MINUTES = int(os.environ.get("KETENZICHT_PURPOSE_MINUTES", "60"))

# Break-the-glass: a look at a person's whole dossier outside the sharing rules, with a stated and confirmed
# reason, reported to the privacy officer. It holds this many minutes. Only these roles (of a police
# organisation that opens dossiers) may ask for it: those who open a person's dossier in their daily work
# and meet the limits of the sharing rules there. Veilig Thuis does not search persons (it asks the police).
KETENZICHT_BREAK_GLASS_MINUTES = int(os.environ.get("KETENZICHT_BREAK_GLASS_MINUTES", "30"))
KETENZICHT_BREAK_GLASS_ROLES = ("police_registrar", "case_screener", "case_owner", "team_lead")


# Insights: how often the scheduler (cron, a systemd timer) runs `manage.py insights_refresh` here, in
# minutes, so that the figures page can say how often its figures are counted (docs/insights.md). Unset, as
# in the demo and on a developer's machine, where nothing runs it: the page says nothing counts by itself.
def env_minutes(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name}: {value!r} is no whole number of minutes (1 or more)")
    return int(value)


KETENZICHT_INSIGHTS_REFRESH_MINUTES = env_minutes("KETENZICHT_INSIGHTS_REFRESH_MINUTES")

# Intake: an incident (occurred_at) may have happened at most this many years before its registration,
# and never before the birth of a person it names. Forty: a report of abuse long past (in childhood, by a
# former partner) comes in decades later, while an older date is far more often a slip of the year (1900
# for 2019) than such a report; an installation that takes in older reports raises it
# (docs/reference/exchange-format-notes.md#occurred_at).
KETENZICHT_OCCURRED_MAX_YEARS = int(os.environ.get("KETENZICHT_OCCURRED_MAX_YEARS", "40"))

# Import: registrations per database transaction in the bulk import (each line has its own savepoint). 500:
# each batch's fixed number of statements shared by more registrations (200: about 380/s, 500 and 1,000:
# about 450/s on PostgreSQL, bench/README.md), and the planner's statistics still refreshed after the
# first 1,000 (a first batch of 2,000 into an empty register ran at 184/s).
KETENZICHT_IMPORT_BATCH_SIZE = int(os.environ.get("KETENZICHT_IMPORT_BATCH_SIZE", "500"))

# Person linking: the trained model artefact, and the match probabilities that decide on intake: at or
# above UPPER a mention is linked to the person, below LOWER it is a new person, in between a reviewer looks.
KETENZICHT_LINK_MODEL = os.environ.get(
    "KETENZICHT_LINK_MODEL", str(BASE_DIR / "ketenzicht" / "linking" / "data" / "person-model-v4.json")
)
# The relation-context term (engine/context.py): its m and u in their own file; empty switches it off
# (a mention related to a linked person is then only asked about, never linked through the relation).
KETENZICHT_LINK_CONTEXT = os.environ.get(
    "KETENZICHT_LINK_CONTEXT", str(BASE_DIR / "ketenzicht" / "linking" / "data" / "person-context-v4.json")
)
KETENZICHT_LINK_UPPER = float(os.environ.get("KETENZICHT_LINK_UPPER", "0.99"))
KETENZICHT_LINK_LOWER = float(os.environ.get("KETENZICHT_LINK_LOWER", "0.80"))
# Online retrieval skips a blocking key shared by more mentions than this (too unspecific to help).
KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY = int(os.environ.get("KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY", "100"))
# A pair is compared when it shares this many keys under that cap, or a BSN key, or a key held by at most
# RARE_KEY_MENTIONS mentions (engine/keys.py, PairRule); 1: every pair that shares a key. Online and the
# batch rebuild alike.
KETENZICHT_LINK_MIN_SHARED_KEYS = int(os.environ.get("KETENZICHT_LINK_MIN_SHARED_KEYS", "2"))
KETENZICHT_LINK_RARE_KEY_MENTIONS = int(os.environ.get("KETENZICHT_LINK_RARE_KEY_MENTIONS", "5"))

# Batch linking on Spark (`link_persons --rebuild --backend spark`, see docs/linking.md): the master
# (local[*]: Spark inside this machine; spark://host:7077 or yarn: a cluster), the driver's memory, shuffle
# partitions, how Splink keeps intermediate tables (persist or parquet; empty: persist on a local master,
# parquet on a cluster), and the folder for each run's checkpoints (removed when the run ends).
KETENZICHT_SPARK_MASTER = os.environ.get("KETENZICHT_SPARK_MASTER", "local[*]")
KETENZICHT_SPARK_DRIVER_MEMORY = os.environ.get("KETENZICHT_SPARK_DRIVER_MEMORY", "4g")
KETENZICHT_SPARK_SHUFFLE_PARTITIONS = int(os.environ.get("KETENZICHT_SPARK_SHUFFLE_PARTITIONS", "8"))
KETENZICHT_SPARK_BREAK_LINEAGE = os.environ.get("KETENZICHT_SPARK_BREAK_LINEAGE", "")
KETENZICHT_SPARK_DIR = os.environ.get("KETENZICHT_SPARK_DIR", str(BASE_DIR / "var" / "spark"))

# Deadlines of the work processes that differ per installation (docs/reference/work-process-format.md): a
# deadline's `setting` name -> {"amount": n, "unit": "hours" | "calendar_days" | "working_days"}, as JSON.
# E.g. the law says the Veilig Thuis safety assessment comes within 5 days of receipt, practice counts working
# days: {"vt_assessment": {"amount": 5, "unit": "calendar_days"}} counts calendar days instead.
WORK_PROCESS_DEADLINES = json.loads(os.environ.get("KETENZICHT_WORK_PROCESS_DEADLINES", "{}"))
# The chain protocol's terms (ketenzicht/veiligthuis/data/chain_rules.yaml), by their `setting` name, as JSON:
# e.g. {"vt_feedback": {"amount": 10, "unit": "working_days"}} for the feedback Veilig Thuis owes the police.
VT_PROTOCOL_TERMS = json.loads(os.environ.get("KETENZICHT_VT_PROTOCOL_TERMS", "{}"))
# The ZSM table's requests to the chain partners: how many hours each has to answer, as JSON, e.g.
# {"victim_support": 4, "probation": 4}.
ZSM_REQUEST_HOURS = {
    "victim_support": 4,
    "probation": 4,
    **json.loads(os.environ.get("KETENZICHT_ZSM_REQUEST_HOURS", "{}")),
}
# Stalking (art. 285b Sr) as a complaint offence: whether a prosecution needs the victim's complaint, and the
# term for it in months (art. 66 Sr: three months after the victim learned of the offence). Whether the
# complaint requirement still applies is a legal question, so it is a setting: KETENZICHT_STALKING_COMPLAINT
# as JSON, e.g. {"required": false}.
STALKING_COMPLAINT = {
    "required": True,
    "months": 3,
    "articles": ["285b"],
    **json.loads(os.environ.get("KETENZICHT_STALKING_COMPLAINT", "{}")),
}
# The periods of protective measures (ketenzicht/measures/engine/periods.py DEFAULT_TERMS), per kind, as JSON
# laid over the defaults: {"aware_alarm": {"default": {"amount": 3, "unit": "months"}}}. Units: days, months,
# years; "max" is the longest it may last in all, extensions included; "extendable": may it be extended.
MEASURE_TERMS = json.loads(os.environ.get("KETENZICHT_MEASURE_TERMS", "{}"))
# How far before or after the day it is registered a measure may start ({"days_back": n, "days_ahead": n},
# laid over measures/engine/periods.py DEFAULT_START_WINDOW: a year either way).
MEASURE_START_WINDOW = json.loads(os.environ.get("KETENZICHT_MEASURE_START_WINDOW", "{}"))
# Retention (docs/retention.md, ketenzicht/retention/engine/due.py DEFAULT_PERIODS): how long a registration
# is kept, per source and kind, counted from its first processing (registered_at), as JSON laid over the
# defaults per source: {"politie": {"default": {"amount": 1, "unit": "years"}, "aangifte": {"amount": 5,
# "unit": "years"}}}. Units: days, months, years. Defaults: police 5 years (art. 8 jo. art. 14 lid 1 Wpg: one
# year, at most five when needed for the police task), Veilig Thuis 20 years (art. 7.3.8 Jeugdwet), public
# prosecution 20 years (art. 4 lid 2 Wjsg; titel 3A Wjsg), victim support 5 and probation 10 years (art. 5
# lid 1 onder e AVG). `manage.py retention_purge` enforces them.
RETENTION_PERIODS = json.loads(os.environ.get("KETENZICHT_RETENTION_PERIODS", "{}"))
# The access log's own period, as JSON: {"amount": 5, "unit": "years"} (the default: art. 25 Wpg and art. 15
# AVG, who saw a person's data must be answerable for as long as the police data are kept). The purge never
# deletes an entry within it, and deletes none at all itself: the application's database role may not.
RETENTION_ACCESS_LOG = json.loads(os.environ.get("KETENZICHT_RETENTION_ACCESS_LOG", "null"))
# How many days may pass without a completed `retention_purge --execute` before the privacy officer's page
# Bewaartermijnen warns that the scheduled run is overdue: 2 for a daily run (one missed day is no alarm); an
# installation that runs it weekly sets 8.
_overdue = os.environ.get("KETENZICHT_RETENTION_RUN_OVERDUE_DAYS", "2").strip()
if not _overdue.isdigit() or int(_overdue) < 1:
    raise ImproperlyConfigured(
        f"KETENZICHT_RETENTION_RUN_OVERDUE_DAYS: {_overdue!r} is no whole number of days (1 or more)"
    )
RETENTION_RUN_OVERDUE_DAYS = int(_overdue)
