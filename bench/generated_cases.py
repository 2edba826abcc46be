"""What the 100,000-case benchmarks share (``case_queue.py``,
``evaluation_report.py``): a PostgreSQL database of their own, Django on it,
the demo sites and users plus generated cases, and percentiles.

    from generated_cases import percentile, prepare
    prepare("BENCH_QUEUE_DATABASE_URL", "microloans_bench_queue", count=100_000, seed=4, reuse=False)
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(samples, share):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _database(env_var, default_name, reuse):
    """The benchmark's database URL; (re)created unless ``reuse`` and it exists."""
    url = os.environ.get(env_var, f"postgres://postgres@127.0.0.1:5432/{default_name}")
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("Refusing a database whose name has no 'bench' in it: it is emptied.")
    import psycopg

    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return url


def prepare(env_var, default_name, *, count, seed, reuse):
    """Django under ``config.settings.test`` on the benchmark's database with
    the demo sites and users (no demo cases) and ``count`` cases in all from
    ``generate_cases``, ANALYZEd. Two-factor is off: the benchmarks sign the
    session in directly. Prints the set-up."""
    os.environ["DATABASE_URL"] = _database(env_var, default_name, reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from backoffice.models import Case, Outcome

    settings.ALLOWED_HOSTS = ["*"]
    settings.STAFF_REQUIRE_MFA = False
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", quiet=True, without_cases=True)
    missing = count - Case.objects.count()
    if missing > 0:
        call_command("generate_cases", count=missing, seed=seed, verbosity=0, force=True)
    per_municipality = Case.objects.values_list("municipality__slug").annotate(n=Count("pk")).order_by(
        "municipality__slug")
    print(f"set-up: {Case.objects.count():,} cases ("
          f"{', '.join(f'{slug}: {n:,}' for slug, n in per_municipality)}), "
          f"{Outcome.objects.count():,} outcomes, in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
