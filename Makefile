# CT Portal everyday commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## build .venv with the pinned dependencies

migrate: $(STAMP) ## apply migrations to the configured database
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

demo: migrate ## load the demo data (idempotent)
	$(BIN)/python manage.py load_demo

run: demo ## serve the portal with demo data at http://$(HOST):$(PORT), with a Celery worker and beat
	$(BIN)/python manage.py demo_logins --address http://$(HOST):$(PORT)/
	@# The worker (with beat, reading the schedules from the database) runs in the
	@# background on the broker the settings name: Redis when REDIS_URL is set, else
	@# kombu's filesystem transport under var/. It stops when runserver stops.
	@mkdir -p var/broker var/broker-processed var/broker-control
	@$(BIN)/celery -A ctportal worker --beat --loglevel INFO --concurrency 2 \
		--schedule var/celerybeat-schedule >> var/celery.log 2>&1 & \
	celery_pid=$$!; \
	trap 'kill -TERM $$celery_pid 2>/dev/null; wait $$celery_pid 2>/dev/null; echo "Celery worker stopped."' EXIT; \
	trap 'exit 130' INT TERM; \
	echo "Celery worker and beat: pid $$celery_pid, log var/celery.log"; \
	echo "CT Portal: http://$(HOST):$(PORT)/ (demo logins above)"; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Two workers (pytest-xdist), one per core; TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2

# Bytecode is cached even where the environment turns it off (PYTHONDONTWRITEBYTECODE, as
# on CI's machine): every worker and every manage.py the tests start would otherwise compile
# the project's modules again, and pytest rewrite every test module, about 4 s a process.
test: $(STAMP) ## run the test suite (DATABASE_URL picks the database; SQLite by default)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n $(TEST_WORKERS)

lint: $(STAMP) ## ruff lint and format check, missing migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=ctportal.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP) ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# A database generate_scale_data filled: make bench SCALE=decade (BENCH_DATABASE_URL
# defaults to ctportal_bench_<scale> on the local PostgreSQL). Fill it once with
#   createdb ctportal_bench_decade && DATABASE_URL=... manage.py migrate &&
#   DATABASE_URL=... manage.py generate_scale_data --scale decade
SCALE ?= year
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ctportal_bench_$(SCALE)
BENCH_ARGS ?=

bench: $(STAMP) ## time the key requests against gunicorn on a scale database (SCALE=year|decade)
	@# The schema (and any summary table a migration fills) must match the code timed.
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m ctportal.scale.bench --scale $(SCALE) $(BENCH_ARGS)

backup: $(STAMP) ## back up the database and uploaded files to var/backups/<time>/ (BACKUP_DIR)
	$(BIN)/python manage.py backup

restore: $(STAMP) ## restore a backup: make restore BACKUP=var/backups/<time> [FORCE=1]
	@test -n "$(BACKUP)" || { echo "Say which backup: make restore BACKUP=var/backups/<time>"; exit 2; }
	$(BIN)/python manage.py restore "$(BACKUP)" $(if $(FORCE),--force)

.PHONY: help install migrate demo run test lint format bench backup restore
