# `make run`: the app on the embedded default (SQLite, a worker on a filesystem broker beside
# runserver) with demo data. DEBUG stays off unless asked: `make run DEBUG=true`.
# `make test`: the whole suite (SQLite/in-process unless DATABASE_URL/REDIS_URL are set).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEBUG ?= false
# The ClaimReview export and webhook payloads link claims on the desk's public address: where
# `make run` serves it (HOST, PORT), unless CLAIMDESK_PUBLIC_BASE_URL is set.
CLAIMDESK_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
EMBEDDED := env -u DATABASE_URL -u REDIS_URL DEBUG=$(DEBUG) \
	CLAIMDESK_PUBLIC_BASE_URL=$(CLAIMDESK_PUBLIC_BASE_URL)
# The embedded broker's folder (gitignored); beat keeps its schedule there too.
BROKER_DIR := .celery-broker

.PHONY: run test venv lint worker bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# The worker (with beat: nothing else would run it here) goes to the background and is stopped
# when runserver stops, however it stops. --insecure: runserver serves static files with DEBUG
# off too (fine for a local run; production serves them with whitenoise after collectstatic).
run: venv
	$(EMBEDDED) $(BIN)/python manage.py migrate --noinput
	$(EMBEDDED) $(BIN)/python manage.py seed_demo
	$(EMBEDDED) $(BIN)/python manage.py collectstatic --noinput -v0
	mkdir -p $(BROKER_DIR)
	$(EMBEDDED) $(BIN)/celery -A config worker -B --concurrency 1 --loglevel=INFO \
	    --without-gossip --without-mingle --without-heartbeat \
	    --schedule $(BROKER_DIR)/celerybeat-schedule & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	$(EMBEDDED) $(BIN)/python manage.py runserver --insecure $(HOST):$(PORT)

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

# With REDIS_URL: a worker on Redis (run beat on its own, once). Without: the embedded broker's
# worker, with beat inside it, as `make run` starts it (for when runserver runs elsewhere).
worker: venv
ifeq ($(strip $(REDIS_URL)),)
	mkdir -p $(BROKER_DIR)
	$(BIN)/celery -A config worker -B --concurrency 1 --loglevel=INFO \
	    --without-gossip --without-mingle --without-heartbeat \
	    --schedule $(BROKER_DIR)/celerybeat-schedule
else
	$(BIN)/celery -A config worker --loglevel=INFO
endif

bench: venv
	$(BIN)/python bench/extraction.py

clean:
	rm -rf $(VENV) db.sqlite3* .test-db.sqlite3* staticfiles $(BROKER_DIR)
