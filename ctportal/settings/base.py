"""Settings shared by every environment; each value comes from the environment."""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "ctportal",
    "organisations",
    "alerts",
    "projects",
    "donors",
    "workplans",
    "reports",
]

MIDDLEWARE = [
    # First: an over-size body is refused before anything (CSRF included) reads it.
    "ctportal.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "organisations.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A report asked for while the broker is down: a 503 page (JSON under /api/), kept.
    "reports.middleware.QueueUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as axes asks: turns a locked-out sign-in into organisations.signin's answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ctportal.urls"
WSGI_APPLICATION = "ctportal.wsgi.application"

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
                "ctportal.context_processors.portal",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# SQLite under var/ is only the embedded default for a first look; PostgreSQL is
# the database of record (DATABASE_URL=postgres://...).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ctportal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default must never answer "database is locked". A deferred transaction
    # takes the write lock at its first write, and two that read first deadlock: SQLite
    # fails one at once, whatever the timeout. IMMEDIATE takes the lock at BEGIN, so the
    # second waits (up to `timeout` seconds); WAL lets reads go on beside the one writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The portal's queries are short: compiling their plans cost more than it saved (the
    # progress summary spent seconds in JIT at decade scale, issue 14), so it is off for
    # every session the portal opens. Its tables live on SSD, where a random read costs
    # about what a sequential one does: at PostgreSQL's default of 4 the planner scanned
    # the 200,000 targets and progress updates rather than look up a donor's thousand
    # activities by index (a donor's /funding/ at decade scale: 915 -> 677 ms).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c random_page_cost=1.1"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses every password while the account or address is locked out.
    "organisations.signin.SignInBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Reverse proxies of ours in front of the portal (nginx: 1). 0 means REMOTE_ADDR is the
# client; more means X-Forwarded-For is read that many addresses from its right. The API's
# throttles and the sign-in lockout both use it (ctportal.api.throttles.client_address).
# AXES_IPWARE_PROXY_COUNT is read too, for those who know django-axes' name for it.
NUM_PROXIES = env.int("NUM_PROXIES", default=env.int("AXES_IPWARE_PROXY_COUNT", default=0))

# Sign-in lockout (organisations.signin): an account after AXES_FAILURE_LIMIT failures, an
# address (maybe a whole office behind a NAT) after CTPORTAL_ADDRESS_FAILURE_LIMIT, each for
# AXES_COOLOFF_MINUTES after the latest failure.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
CTPORTAL_ADDRESS_FAILURE_LIMIT = env.int("CTPORTAL_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "organisations.signin.SignInAttemptHandler"
AXES_LOCKOUT_CALLABLE = "organisations.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "ctportal.api.throttles.client_address"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Request bodies hold passwords: axes keeps no copy of them.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "otp_code", "code"]

# Second factor (organisations.otp): these roles must sign in with a one-time code; anyone
# else may turn it on. Empty in the test settings (tests turn it on where they test it).
CTPORTAL_REQUIRE_OTP_FOR = env.list(
    "CTPORTAL_REQUIRE_OTP_FOR", default=["programme_manager", "administrator"]
)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="CT Portal")

# Sessions end after SESSION_IDLE_MINUTES without a request (each request starts the time
# again) and with the browser; never the 14 days of Django's default.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# API tokens expire: the creator picks 1 to API_TOKEN_EXPIRY_DAYS_MAX days.
API_TOKEN_EXPIRY_DAYS_DEFAULT = env.int("API_TOKEN_EXPIRY_DAYS_DEFAULT", default=90)
API_TOKEN_EXPIRY_DAYS_MAX = env.int("API_TOKEN_EXPIRY_DAYS_MAX", default=365)

# --- Content-Security-Policy ------------------------------------------------
# Scripts and styles only from the portal's own static files: no inline <script>, no
# style="" attributes, no CDN. data: images for the vendored Bootstrap's icons. Sent in
# every environment, so a developer sees a violation in the browser's console at once.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Asia/Karachi"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
# Evidence files and reports are private: never under STATIC_ROOT, never served
# by the web server directly, only through views that check permission.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media-not-served/"
# Size limits, enforced while the body streams (the reverse proxy and gunicorn carry the
# same ones; see "Limits" in the README). A body above REQUEST_MAX_BODY_SIZE is refused
# with 413 before it is read; a file stops being stored once it passes
# UPLOAD_MAX_FILE_SIZE and is refused on its form field.
REQUEST_MAX_BODY_SIZE = env.int("REQUEST_MAX_BODY_SIZE", default=50 * 1024 * 1024)
UPLOAD_MAX_FILE_SIZE = env.int("UPLOAD_MAX_FILE_SIZE", default=10 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "ctportal.uploads.FileSizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Uploads above this go to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Everything in a request but its files (forms here are far smaller).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CT Portal <ctportal@localhost>")

# --- Cache, Celery ----------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# The longest a report task may run: Celery stops it then and the report fails with the
# reason (reports.tasks.ReportTask.time_limit). The broker hands an unacknowledged message
# out again only a margin after it (above the tasks' longest countdown, 300 s), so a report
# still running is never handed to a second worker; a worker that dies sooner is noticed by
# the sweeper (reports.services.sweeping) once the run's lease runs out, within minutes.
REPORTS_LONGEST_RUN_SECONDS = env.int("REPORTS_LONGEST_RUN_SECONDS", default=1800)
# How long a dashboard's or a summary's figures may be served from the cache; they are
# computed again at once after any write (ctportal.figures_cache). 0 turns it off.
FIGURES_CACHE_SECONDS = env.int("FIGURES_CACHE_SECONDS", default=600)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        # The kept dashboards and summaries ({% cache %} reads this alias): without Redis
        # they are computed, not refused (ctportal.figures_cache.TolerantRedisCache).
        "template_fragments": {
            "BACKEND": "ctportal.figures_cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
        },
    }
    CELERY_BROKER_URL = REDIS_URL
    # With acks_late, a message whose worker died is handed out again after this long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int(
            "CELERY_VISIBILITY_TIMEOUT", default=REPORTS_LONGEST_RUN_SECONDS + 360
        )
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Without a server the broker is kombu's filesystem transport under var/.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "store_processed": False,
        # Broadcast (worker control) messages; kombu's default is ./control in the cwd.
        "control_folder": str(VAR_DIR / "broker-control"),
    }
    # kombu expects its folders to exist; a fresh clone has no var/ yet.
    for _folder in ("broker", "broker-processed", "broker-control"):
        (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- REST framework ---------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated request gets a 401 with its challenge, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organisations.api_authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["organisations.api_permissions.HasRole"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "ctportal.api.schema.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "ctportal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "ctportal.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "ctportal.api.throttles.UserThrottle",
        "ctportal.api.throttles.AnonThrottle",
        "ctportal.api.throttles.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="5000/hour"),
        "anon": env("API_THROTTLE_ANON", default="200/hour"),
        # Trading a password for a token, per address (an office behind one NAT shares it)
        # and per account; failed passwords also lock the account (organisations.signin).
        "auth": env("API_THROTTLE_AUTH", default="200/hour"),
        "auth_account": env("API_THROTTLE_AUTH_ACCOUNT", default="20/hour"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "URL_FORMAT_OVERRIDE": "format",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CT Portal API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Donors, agreements, tranches, projects, budgets, results, workplans, EWG meetings "
        "and progress of the CT Portal, with exactly the access of the token's user. "
        "Lists are paginated (page, page_size up to 500) or, with format=csv, every row as "
        "CSV. Errors have one shape: "
        '{"error": {"code": ..., "message": ..., "fields": {"field": ["message"]}}}.'
    ),
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CurrencyEnum": "ctportal.money.Currency",
        "OrganisationKindEnum": "organisations.models.Organisation.Kind",
        "ReportKindEnum": "reports.models.Report.Kind",
        "NotificationKindEnum": "alerts.models.Kind",
        "ProjectStatusEnum": "projects.models.Project.Status",
        "VersionStatusEnum": "workplans.models.WorkplanVersion.Status",
        "ProgressStatusEnum": "workplans.models.ProgressUpdate.Status",
        "ProgressStateEnum": "workplans.models.ProgressUpdate.State",
    },
    # Served from the portal's static files; no call to swagger.io's online validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- History ----------------------------------------------------------------
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

PORTAL_NAME = "CT Portal"
# Where people reach the portal: links in e-mails sent with no request behind them (a
# revision's approval, a scheduled report, a script's submission) start with it.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# True only in production settings (load_demo refuses to run there unless told to).
CTPORTAL_PRODUCTION = False

# AchievedValue's (update, indicator, sex, province) uniqueness treats "no province"
# as a value; SQLite cannot express that, PostgreSQL (the database of record) does,
# and progress_update_save writes values with update_or_create on both.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
