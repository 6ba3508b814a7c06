"""Settings shared by every environment. Values come from :mod:`storyportal.conf`.

Precedence: environment, then ``.env``, then ``config.yaml``, then the defaults below.
The environment modules only decide what has a default and what is required.
"""

from __future__ import annotations

from typing import Any

import dj_database_url

from storyportal import __version__, conf

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
    "rest_framework",
    "django_filters",
    "channels",
    "django_celery_beat",
    "apps.accounts",
    "apps.agents",
    "apps.services",
    "apps.workflows",
    "apps.goals",
    "apps.monitoring",
]

MIDDLEWARE = [
    "storyportal.api.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "storyportal.api.middleware.ApiErrorEnvelopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "storyportal.urls"
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
SESSION_COOKIE_HTTPONLY = True
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
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["storyportal.api.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "storyportal.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# --- Platform -------------------------------------------------------------------------------
OLLAMA_URL = conf.get_str("OLLAMA_URL", "http://127.0.0.1:11434")
# Readiness answers within this budget even while a dependency hangs (contract: < 100 ms).
HEALTH_CHECK_BUDGET_SECONDS = 0.075
HEALTH_CACHE_SECONDS = 1.5

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": conf.get_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
