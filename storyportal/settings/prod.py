"""Production: every secret is required (env or ``*_FILE``), HTTPS hardening on.

Each hardening switch is still a variable, so a deployment behind a TLS-terminating proxy
can tune it without code that exists only here.
"""

from __future__ import annotations

from storyportal import conf

from .base import *  # noqa: F403
from .base import jwt_settings

DEBUG = False
SECRET_KEY = conf.require("DJANGO_SECRET_KEY")
API_KEY_SALT = conf.require("API_KEY_SALT")
JWT_PRIVATE_KEY = conf.require("JWT_PRIVATE_KEY")
JWT_PUBLIC_KEY = conf.require("JWT_PUBLIC_KEY")
SIMPLE_JWT = jwt_settings(JWT_PRIVATE_KEY, JWT_PUBLIC_KEY)
conf.require("DATABASE_URL")
conf.require("REDIS_URL")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = conf.get_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = conf.get_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = conf.get_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = conf.get_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = conf.get_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = conf.get_bool("CSRF_COOKIE_SECURE", True)
