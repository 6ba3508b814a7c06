"""WSGI entry point: gunicorn serves the HTTP API and control center in production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storyportal.settings.dev")

application = get_wsgi_application()
