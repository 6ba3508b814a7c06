"""Settings shared by every environment. Values come from :mod:`storyportal.conf`.

Precedence: environment, then ``.env``, then ``config.yaml``, then the defaults below.
The environment modules only decide what has a default and what is required.
"""

from __future__ import annotations

from typing import Any

import dj_database_url

from storyportal import __version__, conf
from storyportal.logs import logging_config

BASE_DIR = conf.BASE_DIR
VERSION = __version__

DEBUG = conf.get_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = conf.get_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = conf.get_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "channels",
    "django_celery_beat",
    "apps.accounts",
    "apps.events",
    "apps.agents",
    "apps.services",
    "apps.llm",
    "apps.tools",
    "apps.workflows",
    "apps.integrations",
    "apps.learning",
    "apps.planning",
    "apps.evaluation",
    "apps.goals",
    "apps.knowledge",
    "apps.monitoring",
]

MIDDLEWARE = [
    # Order matters: the id exists before anything logs, metrics see every response, the
    # size guard refuses a body before anyone reads it, CORS answers preflights early.
    "storyportal.api.middleware.RequestIDMiddleware",
    "storyportal.api.observability.AccessLogMiddleware",
    "storyportal.api.observability.MetricsMiddleware",
    "storyportal.api.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "storyportal.api.middleware.ApiErrorEnvelopeMiddleware",
    "storyportal.api.throttling.RateLimitHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "storyportal.api.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "storyportal.urls"
# Control-center pages are slashless by contract (/agents, /agents/new): their includes are
# mounted at "agents" and their routes start with "/", which this check would flag.
SILENCED_SYSTEM_CHECKS = ["urls.W002"]
WSGI_APPLICATION = "storyportal.wsgi.application"
ASGI_APPLICATION = "storyportal.asgi.application"

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
                "storyportal.context_processors.platform",
            ],
        },
    },
]


def database_config(url: str) -> dict[str, Any]:
    """DATABASES['default'] from a URL, with ``DATABASE_PASSWORD`` (or its file) if given."""
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    password = conf.get_str("DATABASE_PASSWORD")
    if password:
        config["PASSWORD"] = password
    config.setdefault("OPTIONS", {})["connect_timeout"] = 5
    return config


DATABASE_URL = conf.get_str("DATABASE_URL")
DATABASES: dict[str, dict[str, Any]] = {"default": database_config(DATABASE_URL)} if DATABASE_URL else {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security headers the contract requires on every page.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Control-center pages load only their own scripts, styles and feed ('self' covers ws://).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SESSION_COOKIE_HTTPONLY = True
# Browser sessions are read from Redis and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Health probes and metrics scrapers speak plain HTTP inside the deployment network.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^api/health$", r"^metrics$"]

# --- Redis: one server, a database number per purpose --------------------------------------
REDIS_URL = conf.get_str("REDIS_URL")
REDIS_DB_OFFSET = conf.get_int("REDIS_DB_OFFSET", 0)


def redis_url(purpose_db: int) -> str:
    """REDIS_URL with its database number replaced by ``REDIS_DB_OFFSET + purpose_db``."""
    from urllib.parse import urlsplit, urlunsplit

    base = urlsplit(REDIS_URL or "redis://127.0.0.1:6379/0")
    return urlunsplit(base._replace(path=f"/{REDIS_DB_OFFSET + purpose_db}"))


REDIS_BROKER_DB, REDIS_CACHE_DB, REDIS_CHANNELS_DB = 0, 1, 2

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_url(REDIS_CACHE_DB),
        "KEY_PREFIX": "sp",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [redis_url(REDIS_CHANNELS_DB)], "capacity": 1000, "expiry": 30},
    }
}

# --- Celery (namespace CELERY_) -------------------------------------------------------------
CELERY_BROKER_URL = redis_url(REDIS_BROKER_DB)
CELERY_RESULT_BACKEND = redis_url(REDIS_BROKER_DB)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_DEFAULT_QUEUE = conf.get_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Results are kept only by tasks that ask (ignore_result=False): the engine's state is in
# PostgreSQL, and storing every task's return value would cost a Redis write each.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_SOFT_TIME_LIMIT = conf.get_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = conf.get_int("CELERY_TASK_TIME_LIMIT", 360)
# A task is acknowledged after it ran, so a worker that dies mid-task leaves it for another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "health-watch": {"task": "monitoring.health_watch", "schedule": 5.0},
    "alerts-evaluate": {"task": "monitoring.alerts_evaluate", "schedule": 15.0},
    "traffic-pulse": {"task": "monitoring.traffic_pulse", "schedule": 5.0},
    "sessions-purge": {"task": "accounts.sessions_purge_expired", "schedule": 3600.0},
    "tokens-flush": {"task": "accounts.flush_expired_tokens", "schedule": 86400.0},
    "services-embed": {"task": "services.embed_catalog", "schedule": 120.0},
    "services-expire-jobs": {"task": "services.expire_jobs", "schedule": 60.0},
    "workflows-dispatch-due": {"task": "workflows.dispatch_due", "schedule": 1.0},
    "workflows-recover-steps": {"task": "workflows.recover_steps", "schedule": 15.0},
    "workflows-prune-runs": {"task": "workflows.prune_runs", "schedule": 3600.0},
    "integrations-dispatch-due": {"task": "integrations.dispatch_due", "schedule": 5.0},
}

# --- API gateway ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Bearer JWT, X-API-Key, then the browser's session; the first that recognises its
    # credentials decides. Anonymous callers get 401 with a Bearer challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "storyportal.api.authentication.JWTAuthentication",
        "storyportal.api.authentication.ApiKeyAuthentication",
        "storyportal.api.authentication.SessionAuthentication",
    ],
    # One place decides: every endpoint needs a caller with the scope its method implies.
    "DEFAULT_PERMISSION_CLASSES": ["storyportal.api.permissions.ScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["storyportal.api.throttling.GatewayThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": conf.get_str("THROTTLE_ANON_RATE", "100/minute"),
        "user": conf.get_str("THROTTLE_USER_RATE", "1000/minute"),
        "llm_generate": conf.get_str("THROTTLE_LLM_GENERATE_RATE", "10/minute"),
        "search": conf.get_str("THROTTLE_SEARCH_RATE", "50/minute"),
        # Token endpoints: password guessing gets slow well before the anonymous limit.
        "auth": conf.get_str("THROTTLE_AUTH_RATE", "30/minute"),
    },
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["storyportal.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "storyportal.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "storyportal.api.filters.FilterBackend",
        "storyportal.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "storyportal.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Trusted reverse proxies in front (1 behind nginx); 0 ignores X-Forwarded-For.
    "NUM_PROXIES": conf.get_int("NUM_PROXIES", 0),
}

JWT_ISSUER = "story-portal-platform"


def jwt_settings(private_key: str | None, public_key: str | None) -> dict[str, Any]:
    """simplejwt configuration (contract: RS256, iss, access 1 h, refresh 7 d rotated)."""
    from datetime import timedelta

    return {
        "ALGORITHM": "RS256",
        "SIGNING_KEY": private_key or "",
        "VERIFYING_KEY": public_key or "",
        "ISSUER": JWT_ISSUER,
        "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
        "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
        "ROTATE_REFRESH_TOKENS": True,
        "BLACKLIST_AFTER_ROTATION": True,
        "UPDATE_LAST_LOGIN": False,
        "AUTH_HEADER_TYPES": ("Bearer",),
        "LEEWAY": 5,
    }


JWT_PRIVATE_KEY = conf.get_str("JWT_PRIVATE_KEY")
JWT_PUBLIC_KEY = conf.get_str("JWT_PUBLIC_KEY")
SIMPLE_JWT = jwt_settings(JWT_PRIVATE_KEY, JWT_PUBLIC_KEY)
# API keys are stored as HMAC-SHA256(API_KEY_SALT, key): a database leak reveals no key.
API_KEY_SALT = conf.get_str("API_KEY_SALT")

# The login form's limiter sees the same client address as the API throttles.
RATELIMIT_IP_META_KEY = "storyportal.api.client_ip.client_ip"

# Request bodies over 10 MiB are refused with 413 before they are read (contract).
MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

CORS_ALLOWED_ORIGINS = conf.get_list("CORS_ALLOWED_ORIGINS", ["http://localhost:3000"])
CORS_ALLOW_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
CORS_ALLOW_HEADERS = ["content-type", "authorization", "x-api-key"]
CORS_EXPOSE_HEADERS = ["X-Request-ID", "X-Rate-Limit-Remaining"]
CORS_PREFLIGHT_MAX_AGE = 3600

SPECTACULAR_SETTINGS = {
    "TITLE": "Story Portal API",
    "DESCRIPTION": "Control plane for AI agents. Authenticate with a Bearer JWT or an X-API-Key.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a `status`; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "AgentStatusEnum": "apps.agents.models.AgentStatus",
        "RunStatusEnum": "apps.workflows.models.runs.RunStatus",
        "GoalStatusEnum": "apps.goals.models.GoalStatus",
        "StepStatusEnum": "apps.workflows.models.runs.StepStatus",
        "UserRoleEnum": "apps.accounts.models.Role",
        "MessageRoleEnum": ["system", "user", "assistant", "tool"],
    },
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Layer routes (/api/l01/...) are aliases of /api/v1/; the schema documents each path once.
    "PREPROCESSING_HOOKS": ["storyportal.api.schema.only_v1_paths"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc assets are served from our static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# /metrics: open on loopback and in development; otherwise this bearer token or admin:platform.
METRICS_TOKEN = conf.get_str("METRICS_TOKEN")

# --- Platform -------------------------------------------------------------------------------
OLLAMA_URL = conf.get_str("OLLAMA_URL", "http://127.0.0.1:11434")
# Model gateway (L04): the model of each use case (spec 1.3), per-call time limits, and the
# circuit breaker that makes calls fail fast (503) while Ollama keeps failing.
LLM_MODELS = {
    "chat": conf.get_str("LLM_MODEL_CHAT", "llama2:7b"),
    "code": conf.get_str("LLM_MODEL_CODE", "mistral:7b"),
    "runtime": conf.get_str("LLM_MODEL_RUNTIME", "codellama:7b"),
    "embeddings": conf.get_str("LLM_MODEL_EMBEDDINGS", "nomic-embed-text"),
}
LLM_TIMEOUT_SECONDS = conf.get_int("LLM_TIMEOUT_SECONDS", 120)
LLM_EMBED_TIMEOUT_SECONDS = conf.get_int("LLM_EMBED_TIMEOUT_SECONDS", 10)
LLM_BREAKER_FAILURES = conf.get_int("LLM_BREAKER_FAILURES", 3)  # within the window below
LLM_BREAKER_WINDOW_SECONDS = conf.get_int("LLM_BREAKER_WINDOW_SECONDS", 30)
LLM_BREAKER_COOLDOWN_SECONDS = conf.get_int("LLM_BREAKER_COOLDOWN_SECONDS", 15)
LLM_EMBEDDING_CACHE_SECONDS = conf.get_int("LLM_EMBEDDING_CACHE_SECONDS", 30 * 86400)
# Workflows: a running step whose worker holds no lock on it after this long is rerun; a
# queued step no worker claimed after the second is sent again.
WORKFLOW_STEP_RECOVERY_SECONDS = conf.get_int("WORKFLOW_STEP_RECOVERY_SECONDS", 30)
WORKFLOW_LOST_STEP_SECONDS = conf.get_int("WORKFLOW_LOST_STEP_SECONDS", 120)
# Retention: finished runs are deleted after this many days; step and run outputs (which may
# be large or sensitive) are cleared sooner.
WORKFLOW_RUN_RETENTION_DAYS = conf.get_int("WORKFLOW_RUN_RETENTION_DAYS", 90)
WORKFLOW_OUTPUT_RETENTION_DAYS = conf.get_int("WORKFLOW_OUTPUT_RETENTION_DAYS", 30)
# Modules with more hub services (registered with @service), e.g. an operator's own.
SERVICE_CATALOG_EXTRA_MODULES = conf.get_list("SERVICE_CATALOG_EXTRA_MODULES", [])
# Tools (L03). The HTTP tool reaches only these hosts (exact names, or ".example.com" for a
# domain and its subdomains); an empty list refuses every request.
TOOLS_HTTP_ALLOWED_HOSTS = conf.get_list("TOOLS_HTTP_ALLOWED_HOSTS", [])
TOOLS_HTTP_TIMEOUT_SECONDS = conf.get_int("TOOLS_HTTP_TIMEOUT_SECONDS", 10)
TOOLS_HTTP_MAX_BYTES = conf.get_int("TOOLS_HTTP_MAX_BYTES", 1024 * 1024)
# Outbound webhooks (L11): each attempt's HTTP timeout; a failed delivery is tried again
# after RETRY_BASE * 2^(attempt-1) seconds (at most an hour), up to MAX_ATTEMPTS in all.
WEBHOOK_TIMEOUT_SECONDS = conf.get_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = conf.get_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_RETRY_BASE_SECONDS = conf.get_int("WEBHOOK_RETRY_BASE_SECONDS", 10)
# Service search waits this long for the query's embedding, then answers from fuzzy matching.
SERVICE_SEARCH_EMBED_TIMEOUT_MS = conf.get_int("SERVICE_SEARCH_EMBED_TIMEOUT_MS", 1500)
# Cosine similarity from which a service counts as a meaning match (nomic-embed-text scale).
SERVICE_SEARCH_MIN_SIMILARITY = float(conf.get_str("SERVICE_SEARCH_MIN_SIMILARITY", "0.55") or 0.55)
# Readiness answers within this budget even while a dependency hangs (contract: < 100 ms).
HEALTH_CHECK_BUDGET_SECONDS = 0.075
HEALTH_CACHE_SECONDS = 1.5

# Structured logs: one JSON object per line on stdout (set LOG_FORMAT=console for humans).
LOG_FORMAT = conf.get_str("LOG_FORMAT", "json")
LOGGING = logging_config(level=conf.get_str("LOG_LEVEL") or "INFO", fmt=LOG_FORMAT or "json")
# Live logs on the admin-only `logs` feed channel (docs/MONITORING.md): records at
# LOG_STREAM_LEVEL and above (not below LOG_LEVEL), redacted, at most LOG_STREAM_RATE a second
# per process; LOG_STREAM_LEVEL=off turns the stream off.
LOG_STREAM_LEVEL = (conf.get_str("LOG_STREAM_LEVEL", "INFO") or "INFO").upper()
if LOG_STREAM_LEVEL != "OFF":
    LOGGING["handlers"]["feed"] = {
        "class": "apps.monitoring.logstream.FeedLogHandler",
        "level": LOG_STREAM_LEVEL,
        "rate": conf.get_int("LOG_STREAM_RATE", 20),
    }
    LOGGING["root"]["handlers"].append("feed")
