# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    the site with demo content on SQLite and local files
#   make test   the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install test-deps test-postgres test-browser messages lock bench clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $@

install: $(VENV)/.installed

# The tests' stand-in for NemLog-in: a real OpenID Connect provider on
# Node.js (tests/oidc_provider). Only the tests need it; `make run` does not.
OIDC_PROVIDER = tests/oidc_provider
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(OIDC_PROVIDER) --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the MitID sign-in tests will be skipped"; fi

test-deps: install $(OIDC_PROVIDER)/node_modules/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: test-deps
	$(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile

# The same suite against PostgreSQL (127.0.0.1:5432, user postgres, trust).
# PostgreSQL-only tests (concurrency) empty the database after them: own run.
test-postgres: test-deps
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/microloans} \
		$(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile -m "not postgres"
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/microloans} \
		$(PY) -m pytest -p no:cacheprovider -m postgres

test-browser: test-deps
	$(PY) -m pytest -p no:cacheprovider -m browser

# Extract interface texts and compile them (uses polib, no system gettext needed).
messages: install
	$(PY) manage.py makemessages -l da -l en --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py compile_translations

# Refresh the pinned versions after changing pyproject.toml.
lock: install
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

bench: install
	bash bench/run.sh

clean:
	rm -rf $(VENV) db.sqlite3 .cache staticfiles media/original_images media/images private_media
