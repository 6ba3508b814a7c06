# syntax=docker/dockerfile:1
# Story Portal application image, one image for every app role in compose.yaml:
# web (gunicorn, WSGI), ws (daphne, WebSockets), worker and beat (Celery).

# --- build: the pinned production requirements in a virtualenv ------------------------------
FROM python:3.11-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Every dependency in prod.txt ships a manylinux wheel, so no compiler is needed. The local
# index lines at the top of the file point at paths that only exist on the development
# machines; pip warns about them here and installs from the default index.
COPY requirements/prod.txt /tmp/requirements/prod.txt
RUN pip install -r /tmp/requirements/prod.txt

# --- runtime ---------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=storyportal.settings.prod

# A fixed uid, so that host files handed in as secrets can be made readable to it alone.
RUN groupadd --system --gid 10001 storyportal \
 && useradd --system --uid 10001 --gid storyportal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin storyportal

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
# The code stays owned by root, read-only to the app user. Only the places the app writes to
# belong to it: collected static files (written by `collectstatic` when `web` starts, under
# the production settings, so whitenoise's manifest matches them), and the mount points of
# the logs and backups volumes, whose ownership Docker copies into a new empty volume.
COPY . /app
RUN python -m compileall -q /app \
 && mkdir -p /app/staticfiles /var/log/platform /backups \
 && chown storyportal:storyportal /app/staticfiles /var/log/platform /backups

USER storyportal

EXPOSE 8000 8001

# compose.yaml sets the command (and the health check) for each role; this default serves HTTP.
CMD ["gunicorn", "storyportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
