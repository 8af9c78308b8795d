# One image for web, worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=ctportal.settings.production
WORKDIR /app

# postgresql-client: pg_dump and pg_restore for `manage.py backup` and `restore`.
RUN apt-get update && apt-get install -y --no-install-recommends libmagic1 postgresql-client \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY ctportal ctportal
COPY organisations organisations
COPY projects projects
COPY donors donors
COPY workplans workplans
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs a key to import settings; it is not the runtime key.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

# web, worker and beat run as this user, never root. The folders the named volumes mount
# on exist here with its ownership, so that a new volume starts writable by it.
RUN useradd --uid 10001 --user-group --create-home ctportal \
    && mkdir -p /app/var/media /app/var/backups \
    && chown -R ctportal:ctportal /app/var
USER ctportal
EXPOSE 8000
CMD ["gunicorn", "ctportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
