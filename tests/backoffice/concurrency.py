"""Running the same write from several database connections at once."""

import threading

import pytest
from django.conf import settings
from django.db import connection

_MARKS = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL's row locks and concurrent connections (set DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]


def requires_postgres(test):
    """Mark a concurrency test. The skip is decided before any fixture runs:
    a transactional test empties the database afterwards, so CI runs these
    in a run of their own (`-m postgres`)."""
    for mark in _MARKS:
        test = mark(test)
    return test


def run_at_once(action, times=2):
    """Call ``action`` in ``times`` threads released together, each on its own
    connection; return the results, or fail with the first exception."""
    barrier = threading.Barrier(times)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(action())
        except Exception as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
