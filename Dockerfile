# One image for web, worker, beat and the migrate step (docker-compose.yml). Two stages: the build stage has npm
# (the design system's files) and pip; the final one has neither. Dependencies are installed at the versions of
# requirements.lock, so a rebuild gets the versions the tests ran on.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
RUN python -m venv /venv && /venv/bin/pip install --constraint requirements.lock .
COPY scripts/ scripts/
COPY static/ static/
RUN ./scripts/vendor-gcds.sh

FROM ${PYTHON_IMAGE}
# LibreOffice without a desktop converts Office papers for the meeting package (scripts/ensure-libreoffice.sh).
# The PostgreSQL client (pg_dump, pg_restore for `manage.py backup`/`restore`) of the server's major version, from
# the PostgreSQL project's Debian repository; keep PG_MAJOR equal to the postgres image's in docker-compose.yml.
ARG PG_MAJOR=16
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=taskforce.settings.production VAR_DIR=/var/lib/taskforce LOG_FORMAT=json
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gettext \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
       libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
       libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui \
    && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /var/lib/taskforce/media /var/lib/taskforce/backups \
    && chown -R portal /var/lib/taskforce
COPY --from=build /venv /venv
WORKDIR /app
# The code belongs to root: the portal's user can read it, not change it; it writes only under /var/lib/taskforce.
COPY . .
COPY --from=build /app/static/vendor static/vendor
RUN SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput -v0 \
    && SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py compilemessages --ignore=.venv -v0 \
    && chown -R portal /var/lib/taskforce
USER portal
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "taskforce.wsgi", "--config", "python:taskforce.gunicorn"]
