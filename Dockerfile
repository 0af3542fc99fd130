# One image for web, worker and beat.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
RUN python -m venv /venv && /venv/bin/pip install .
COPY scripts/ scripts/
COPY static/ static/
RUN ./scripts/vendor-gcds.sh

FROM python:3.11-slim-bookworm
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=taskforce.settings.production VAR_DIR=/var/lib/taskforce
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client gettext \
       libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app portal && mkdir -p /var/lib/taskforce/media \
    && chown -R portal /var/lib/taskforce
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=portal . .
COPY --from=build --chown=portal /app/static/vendor static/vendor
RUN SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput -v0 \
    && SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py compilemessages --ignore=.venv -v0
USER portal
EXPOSE 8000
CMD ["gunicorn", "taskforce.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
