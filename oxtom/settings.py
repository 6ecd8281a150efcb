"""OxTOM settings: one module, configured from the environment.

With no environment at all it runs the embedded default (DEBUG, SQLite,
Celery on a filesystem broker under var/, file email and SMS sinks, sandbox
payments). Production sets DEBUG=false and must then provide SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and SITE_URL, or start-up fails loudly.
"""
from __future__ import annotations

import os
import sys
from datetime import timedelta
from email.utils import formataddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OXTOM_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name} must be set when DEBUG is false.")
        return default if default is not None else ""
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false).")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from exc


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}; expected one of {sorted(choices)}.")
    return value


DEBUG = env_bool("DEBUG", True)
# pytest sets this itself (tests/conftest.py cannot run before settings load).
TESTING = env_bool("OXTOM_TESTING", "pytest" in sys.modules)

SECRET_KEY = env_str("SECRET_KEY", "embedded-default-not-secret-" + "x" * 40, required=not DEBUG)
if not DEBUG and SECRET_KEY.startswith("embedded-default"):
    raise ImproperlyConfigured("SECRET_KEY must be a real secret when DEBUG is false.")
ALLOWED_HOSTS = [
    h.strip()
    for h in env_str("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver", required=not DEBUG).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env_str("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "drf_spectacular",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # shared kernel
    "oxtom.core",
    "oxtom.accounts",
    "oxtom.places",
    "oxtom.customers",
    "oxtom.notify",
    "oxtom.payments",
    "oxtom.cases",  # the case engine (app label "casework")
    # capabilities
    "portal",
    "casework",  # the officers' workbench on the engine (app label "workbench")
    "applications",
    "applications.renewals",
    "provision",
    "bas",  # business admin support: the service menu and colleagues' requests
    "bas.intake",  # the post room and bulk data uploads (app label "bas_intake")
    "bas.foi",  # FOI and EIR requests and the disclosure log (app label "foi")
    "bas.complaints",  # corporate complaints (app label "complaints")
    "people",  # role profiles, recruitment and the pool of talent
    "people.onboarding",  # starters, leavers and staff access requests (app label "onboarding")
    "performance",
    "api",
    "community",
    "strategy",  # the project office, the Fit for the Future board and consultations
    "insight",  # demand forecasts, the safeguarding referral service and its risk model
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Personal data is never kept by a browser or proxy cache: no-store for anyone with a session
    # (outside SessionMiddleware, so it sees a session cookie set by this very response).
    "oxtom.core.middleware.PrivatePagesNoStoreMiddleware",
    # Outside everything that can answer early, so every response (error pages too) carries the CSP.
    "oxtom.core.middleware.SecurityHeadersMiddleware",
    # NUL bytes refused (400) and bidi/zero-width controls stripped from every parameter, before
    # sessions, CSRF or any view read them: the one shared place for free-text hygiene.
    "oxtom.core.hygiene.RequestHygieneMiddleware",
    # The client's address (oxtom/core/clientip.py) for every audit event the request writes.
    "oxtom.core.audit.AuditClientAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "oxtom.accounts.middleware.StaffSessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The GOV.UK 404/403/500 pages even with DEBUG on (unless DEBUG_ERROR_PAGES); see its docstring.
    # Above the middlewares that turn their own exceptions into answers (the acting-for refusal,
    # allauth's reauthentication), since process_exception runs from the bottom up.
    "oxtom.core.middleware.ServiceErrorPagesMiddleware",
    # Assisted digital: the acting-for banner and refusal of other customers' records.
    "oxtom.customers.middleware.AssistSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so it wraps only the view: a replayed submission key is answered, not acted on.
    "oxtom.core.submissions.SubmissionOnceMiddleware",
]
# Django's technical error pages instead of the service's own, for a developer who asks.
DEBUG_ERROR_PAGES = env_bool("DEBUG_ERROR_PAGES", False)

ROOT_URLCONF = "oxtom.urls"
WSGI_APPLICATION = "oxtom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oxtom.core.context_processors.site",
            ],
            # GOV.UK dates and times ("6:18pm", never "6:18p.m.") in every template without a {% load %}.
            "builtins": ["oxtom.core.templatetags.govuk_format"],
        },
    },
]

# --- Database -------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'oxtom.sqlite3'}", required=not DEBUG)
# Health checks: a persistent connection that the server dropped (restart, failover,
# pg_terminate_backend) is replaced at the start of the next request instead of
# failing it with a 500 (bench/faults.py: 3 of 10 submissions lost without them).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
                                              conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, worker and scheduler share one file without
    # "database is locked"; a busy timeout makes writers wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "", required=not DEBUG)
# Fail-soft: a Redis outage must never refuse a resident's report or sign-in
# (oxtom/core/cache.py); short socket timeouts bound what an outage costs a request.
REDIS_CACHE = {
    "BACKEND": "oxtom.core.cache.FailSoftRedisCache",
    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
}
if TESTING:
    # Each test process gets its own in-memory cache, so rate-limit counters
    # (sign-in throttling) never leak between tests or xdist workers; tests
    # that need a clean slate call cache.clear().
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "oxtom-tests"}}
elif REDIS_URL:
    CACHES = {"default": {**REDIS_CACHE, "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by every process, so rate limits hold across them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# NCSC guidance: length and a blocklist of common passwords, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    # Hashing dominates test time; production keeps the default (PBKDF2).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/account/"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Oxfordshire County Council: "
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Per address only: per account *and* address is a growing wait (oxtom/accounts/throttle.py),
    # so nobody elsewhere can lock a resident out.
    "login_failed": "20/5m/ip",
    "signup": "10/h/ip",
    "reset_password": "5/h/ip,3/h/key",
    "confirm_email": "3/10m/key",
}
ACCOUNT_ADAPTER = "oxtom.accounts.adapter.AccountAdapter"
# GOV.UK wording and labels on every allauth form (oxtom/accounts/forms.py).
ACCOUNT_FORMS = {
    "signup": "oxtom.accounts.forms.SignupForm",
    "login": "oxtom.accounts.forms.LoginForm",
    "reset_password": "oxtom.accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "oxtom.accounts.forms.ResetPasswordKeyForm",
    "change_password": "oxtom.accounts.forms.ChangePasswordForm",
    "set_password": "oxtom.accounts.forms.SetPasswordForm",
    "add_email": "oxtom.accounts.forms.AddEmailForm",
    "reauthenticate": "oxtom.accounts.forms.PasswordReauthenticateForm",
}
MFA_FORMS = {
    "authenticate": "oxtom.accounts.forms.AuthenticateForm",
    "reauthenticate": "oxtom.accounts.forms.ReauthenticateForm",
    "activate_totp": "oxtom.accounts.forms.ActivateTOTPForm",
}
# Confirming an email is a POST from the page the link opens (link scanners
# in mail systems must not confirm addresses by following the link).
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
# Passwords sit in the form only; never echo one back to the page.
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = False
MFA_ADAPTER = "oxtom.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OxTOM"
# Accept the code of the 30-second step just gone (RFC 6238 §5.2): one typed in a
# window's last seconds would otherwise fail on arrival. allauth refuses a code twice.
MFA_TOTP_TOLERANCE = 1
# Staff and councillors must use two-factor sign-in outside the embedded demo.
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", not DEBUG)
# Staff sessions end after 30 minutes idle or 10 hours in all.
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 30 * 60)
STAFF_SESSION_ABSOLUTE_SECONDS = env_int("STAFF_SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 60 * 60)

# --- Security -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Told by email (through the outbox) of every wider customer search an officer makes with a reason.
DATA_PROTECTION_LEAD_EMAIL = env_str("DATA_PROTECTION_LEAD_EMAIL", "data.protection@oxfordshire.gov.uk")
# How many proxies we run in front of the app (each appends to X-Forwarded-For): the client's
# address is that many entries from the right; 0 ignores the header (oxtom/core/clientip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} cannot be negative.")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Content Security Policy: same-origin scripts only; map tiles are the one
# external image source and are configurable.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
_TILE_ORIGIN = "/".join(MAP_TILE_URL.split("/")[:3]).replace("{s}.", "*.") if "://" in MAP_TILE_URL else ""
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    f"default-src 'self'; img-src 'self' data:{' ' + _TILE_ORIGIN if _TILE_ORIGIN else ''}; script-src 'self'; "
    "style-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

# --- I18N / time ------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# GOV.UK Frontend comes from npm (package.json; `npm ci` also compiles
# static/scss/oxtom.scss to static/vendor/oxtom.css). Its dist folder is served
# under static/govuk/, which the compiled CSS and static/js/oxtom.js refer to.
GOVUK_FRONTEND_DIR = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
# Leaflet (npm) under static/leaflet/, for the optional report maps (static/js/report_location.js).
STATICFILES_DIRS = [BASE_DIR / "static", ("govuk", GOVUK_FRONTEND_DIR),
                    ("leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Look files up per request in development and tests (no collectstatic needed there).
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"


# --- Email and SMS ------------------------------------------------------------
EMAIL_CHANNEL = env_choice("EMAIL_CHANNEL", "django", {"django", "notify"})
SMS_CHANNEL = env_choice("SMS_CHANNEL", "file", {"file", "notify"})
# Letters: a file sink in var/letters (text and the PDF that would be posted) by default; GOV.UK Notify's
# precompiled letters in production (oxtom/notify/letters.py renders the PDF).
LETTER_CHANNEL = env_choice("LETTER_CHANNEL", "file", {"file", "notify"})
_notify_used = "notify" in {EMAIL_CHANNEL, SMS_CHANNEL, LETTER_CHANNEL}
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Emails come from the council, not from the software: its name and a no-reply address
# (the messages say replies are not read, and how to contact us instead).
EMAIL_FROM_NAME = env_str("EMAIL_FROM_NAME", "Oxfordshire County Council")
EMAIL_FROM_ADDRESS = env_str("EMAIL_FROM_ADDRESS", "no-reply@oxfordshire.gov.uk")
if "@" not in EMAIL_FROM_ADDRESS or any(c in EMAIL_FROM_ADDRESS for c in " <>,\r\n"):
    raise ImproperlyConfigured(f"EMAIL_FROM_ADDRESS={EMAIL_FROM_ADDRESS!r} is not an email address.")
if any(c in EMAIL_FROM_NAME for c in "\r\n"):
    raise ImproperlyConfigured("EMAIL_FROM_NAME must be one line.")
DEFAULT_FROM_EMAIL = formataddr((EMAIL_FROM_NAME, EMAIL_FROM_ADDRESS))
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_FILE_PATH = str(VAR_DIR / "sms")
NOTIFY_API_KEY = env_str("NOTIFY_API_KEY", "", required=not DEBUG and _notify_used)
NOTIFY_BASE_URL = env_str("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
# The embedded token is public; production must set its own or inbound texts are refused.
NOTIFY_INBOUND_TOKEN = env_str(
    "NOTIFY_INBOUND_TOKEN", "embedded-inbound-token" if DEBUG else "", required=not DEBUG and SMS_CHANNEL == "notify"
)
# The bearer token Notify sends with delivery status callbacks (/notify/delivery-status/): set the
# same in Notify's callback settings. Required with Notify in production; callbacks are refused without it.
NOTIFY_CALLBACK_TOKEN = env_str(
    "NOTIFY_CALLBACK_TOKEN", "embedded-callback-token" if DEBUG else "",
    required=not DEBUG and _notify_used,
)
NOTIFY_EMAIL_TEMPLATE_ID = env_str("NOTIFY_EMAIL_TEMPLATE_ID", "", required=not DEBUG and EMAIL_CHANNEL == "notify")
NOTIFY_SMS_TEMPLATE_ID = env_str("NOTIFY_SMS_TEMPLATE_ID", "", required=not DEBUG and SMS_CHANNEL == "notify")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)
# A claim must outlive the dispatch task's hard time limit, or two workers could send.
# A claim's lease, renewed by the sending worker every third of it: a worker killed
# mid-send loses its claim within this many seconds (issue 19: recover within 60 s).
NOTIFY_LEASE_SECONDS = env_int("NOTIFY_LEASE_SECONDS", 20)
# How often beat runs the outbox sweeper, which hands abandoned claims to a live worker.
NOTIFY_SWEEP_INTERVAL_SECONDS = env_int("NOTIFY_SWEEP_INTERVAL_SECONDS", 15)
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 30)
NOTIFY_SWEEP_GRACE_SECONDS = env_int("NOTIFY_SWEEP_GRACE_SECONDS", 120)
LETTER_FILE_PATH = str(VAR_DIR / "letters")
# Royal Mail class for letters sent through Notify.
NOTIFY_LETTER_POSTAGE = env_choice("NOTIFY_LETTER_POSTAGE", "second", {"first", "second", "economy"})
# The council's address printed top right on every letter: lines separated by "|".
COUNCIL_POSTAL_ADDRESS = [line.strip() for line in env_str(
    "COUNCIL_POSTAL_ADDRESS", "County Hall|New Road|Oxford|OX1 1ND").split("|")]
if not 2 <= len(COUNCIL_POSTAL_ADDRESS) <= 6 or any(
        not line or len(line) > 60 or any(ord(c) < 32 or c in "<>" for c in line) for line in COUNCIL_POSTAL_ADDRESS):
    raise ImproperlyConfigured("COUNCIL_POSTAL_ADDRESS must be 2 to 6 lines separated by '|', each 1 to 60 "
                               "characters with no control characters or markup.")
# Without a timeout a stuck SMTP server holds a worker until the task's time limit.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)

# --- Payments ---------------------------------------------------------------
PAYMENT_PROVIDER = env_choice("PAYMENT_PROVIDER", "sandbox", {"sandbox", "govuk_pay"})
GOVUK_PAY_API_KEY = env_str("GOVUK_PAY_API_KEY", "", required=not DEBUG and PAYMENT_PROVIDER == "govuk_pay")
GOVUK_PAY_BASE_URL = env_str("GOVUK_PAY_BASE_URL", "https://publicapi.payments.service.gov.uk")
# The signing secret of our GOV.UK Pay webhook (/pay/webhooks/govuk-pay/, Pay-Signature: HMAC-SHA256).
# The embedded default is public; production must set its own or every webhook is refused.
GOVUK_PAY_WEBHOOK_SECRET = env_str("GOVUK_PAY_WEBHOOK_SECRET", "embedded-pay-webhook-secret" if DEBUG else "")

# --- Celery -----------------------------------------------------------------
URGENT_TASK_PRIORITY = 1  # kombu's Redis step 0: before every everyday task (6)
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Two lanes in one queue (kombu's Redis priorities; a lower number is taken first): everyday
    # tasks at 6, and URGENT_TASK_PRIORITY for the outbox sweeper and the messages it takes back
    # from a killed worker, so recovery does not wait behind hundreds of queued sends
    # (bench/faults.py: 93 s behind 500 messages without it).
    CELERY_TASK_DEFAULT_PRIORITY = 6
else:
    for sub in ("in", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # kombu's filesystem transport with messages renamed into place (oxtom/core/broker.py).
    CELERY_BROKER_TRANSPORT = "oxtom.core.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "in"),
        "data_folder_out": str(CELERY_BROKER_DIR / "in"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        # Broadcast (remote control) messages; kombu's default is ./control.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The schedule lives in code so every environment runs the same jobs.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "oxtom.core.tasks.heartbeat", "schedule": 30.0},
    "notify-sweep-outbox": {"task": "oxtom.notify.tasks.sweep_outbox", "schedule": float(NOTIFY_SWEEP_INTERVAL_SECONDS),
                            "options": {"priority": URGENT_TASK_PRIORITY}},
    "casework-escalate-overdue": {"task": "oxtom.cases.tasks.escalate_overdue", "schedule": crontab(minute="*/15")},
    "casework-member-digests": {
        "task": "casework.tasks.send_member_digests",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    "customers-sweep-assisted": {"task": "oxtom.customers.tasks.sweep_assisted", "schedule": crontab(minute="*/5")},
    "payments-sweep": {"task": "oxtom.payments.tasks.sweep_payments", "schedule": 300.0},
    "applications-reconcile-paid": {"task": "applications.tasks.reconcile_paid", "schedule": 600.0},
    # Renewals: invite, remind and lapse nightly; replies recorded but not yet acted on, every 5 minutes.
    "renewals-nightly-run": {"task": "applications.renewals.tasks.nightly_run", "schedule": crontab(hour=1, minute=15)},
    "renewals-apply-replies": {"task": "applications.renewals.tasks.apply_replies", "schedule": 300.0},
    "provision-runway-alerts": {"task": "provision.tasks.runway_alerts", "schedule": crontab(hour=6, minute=30)},
    "performance-compute-measures": {
        "task": "performance.tasks.compute_measures",
        "schedule": crontab(hour=2, minute=30),
    },
    # Directory entries not confirmed for 12 months: flag to the partner, then hide (community/tasks.py).
    "community-confirmations": {"task": "community.tasks.check_confirmations", "schedule": crontab(hour=3, minute=10)},
    # Waiting-list offers not taken up in time pass to the next person; day-before reminders.
    "community-expire-offers": {"task": "community.tasks.expire_offers", "schedule": 300.0},
    "community-reminders": {"task": "community.tasks.send_reminders", "schedule": crontab(minute=5)},
    "purge-draft-uploads": {"task": "oxtom.core.tasks.purge_draft_uploads", "schedule": crontab(minute=40)},
    # The pool of talent keeps a candidate only while their consent lasts (people/services.pool_expire).
    "people-expire-pool": {"task": "people.tasks.expire_pool", "schedule": crontab(hour=3, minute=40)},
    # The project office: late highlight reports are chased each morning (once per project and month).
    "strategy-chase-late-highlights": {
        "task": "strategy.tasks.chase_late_highlights",
        "schedule": crontab(hour=8, minute=0),
    },
    # Insight: demand forecasts nightly, after the measures they forecast.
    "insight-forecast-measures": {
        "task": "insight.tasks.forecast_measures",
        "schedule": crontab(hour=3, minute=30),
    },
    # Insight: the signed-off risk model scores MASH referrals each Monday (a rerun of a week adds nothing twice).
    "insight-score-referrals": {
        "task": "insight.tasks.score_referrals",
        "schedule": crontab(day_of_week="mon", hour=4, minute=15),
    },
    # People: starters' sign-ins switch on on their start date; leavers' close after their last working day.
    "onboarding-activate-starters": {"task": "people.onboarding.tasks.activate_starters",
                                     "schedule": crontab(hour="0,6", minute=5)},
    "onboarding-deactivate-leavers": {"task": "people.onboarding.tasks.deactivate_leavers",
                                      "schedule": crontab(hour="6,23", minute=30)},
    "purge-expired-audit-views": {
        "task": "oxtom.core.tasks.purge_expired_records",
        "schedule": crontab(hour=2, minute=30),
    },
}
HEARTBEAT_STALE_AFTER = timedelta(seconds=env_int("HEARTBEAT_STALE_SECONDS", 120))

# --- REST API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
    # Every error as RFC 9457 problem details (api/framework.py).
    "EXCEPTION_HANDLER": "api.framework.problem_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Oxfordshire County Council API for partner systems",
    "DESCRIPTION": (
        "Scoped API keys (Authorization: Bearer <key>), issued per partner system by an administrator. "
        "Errors are RFC 9457 problem details; lists are keyset-paginated (follow `next`); each client has "
        "its own rate limit (429 when exceeded)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# --- Site ---------------------------------------------------------------------
SITE_NAME = "Oxfordshire County Council"
SERVICE_NAME = "OxTOM"
# The one phone number people are given for the council's contact centre, on every page
# and in every message (templates read it as COUNCIL_PHONE, messages as ((council_phone))).
COUNCIL_PHONE = env_str("COUNCIL_PHONE", "01865 792422")
# The site's absolute address, for links in emails, texts, letters and API documents
# (oxtom/core/links.py builds every one from it). Required in production; in the embedded
# default `make run` and scripts/run-embedded.sh set it from the address they serve on.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000", required=not DEBUG).rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname or _site.path or _site.query:
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must look like https://www.example.gov.uk (no path).")
if not DEBUG and _site.scheme != "https":
    raise ImproperlyConfigured("SITE_URL must be https:// when DEBUG is false.")
# When advisers answer webchat: "09:00-17:00" on working days (Mon-Fri, not England & Wales
# bank holidays, oxtom/core/opening_hours.py), or "always". Checked at start-up.
WEBCHAT_HOURS = env_str("WEBCHAT_HOURS", "09:00-17:00")
# Audit records of staff views are kept for two years, then purged.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Fail at start-up, not on the first chat, when WEBCHAT_HOURS is malformed.
from oxtom.core.opening_hours import OpeningHours as _OpeningHours  # noqa: E402

_OpeningHours.parse(WEBCHAT_HOURS, name="WEBCHAT_HOURS")

# --- Logging -----------------------------------------------------------------
# Django's defaults, plus: a refused request (403/404) is one line, not a traceback (oxtom/core/logging.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_client_errors": {"()": "oxtom.core.logging.OneLineClientErrors"}},
    "loggers": {"django.request": {"filters": ["one_line_client_errors"]}},
}
