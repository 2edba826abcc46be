"""The staff case queue with 100,000 cases (issue 4, "Measure and report").

    .venv/bin/python bench/case_queue.py                 # 100,000 cases, 60 requests per page
    .venv/bin/python bench/case_queue.py --count 20000 --requests 30

On PostgreSQL (``BENCH_QUEUE_DATABASE_URL``, default a database of its own,
``microloans_bench_queue``, recreated unless ``--reuse``): migrate, the demo
content, then ``generate_cases`` spread over the two demo municipalities.
A Nordby caseworker then asks for the queue's first page, a filtered page
(status "being assessed", assigned to nobody, waiting for the citizen), a
search by name and a search by reference, through Django's test client in
this process (no HTTP server, so the figures are the server's own time:
middleware, queries, templates). Reported per page: p50, p95, max in ms and
the number of SQL queries, against the target p95 < 300 ms.

Settings: ``config.settings.test`` (DEBUG off, in-memory cache) with the
database above; two-factor is skipped by signing the session in directly.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_P95_MS = 300


def percentile(samples, share):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="cases in all (default 100,000)")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page (default 60)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it has the cases")
    args = parser.parse_args()

    url = os.environ.get("BENCH_QUEUE_DATABASE_URL",
                         "postgres://postgres@127.0.0.1:5432/microloans_bench_queue")
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("Refusing a database whose name has no 'bench' in it: it is emptied.")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

    import django
    import psycopg

    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not args.reuse:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from backoffice.models import Case

    settings.ALLOWED_HOSTS = ["*"]
    settings.STAFF_REQUIRE_MFA = False
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", quiet=True)
    missing = args.count - Case.objects.count()
    if missing > 0:
        call_command("generate_cases", count=missing, seed=4, verbosity=0, force=True)
    per_municipality = Case.objects.values_list("municipality__slug").annotate(n=Count("pk")).order_by(
        "municipality__slug")
    print(f"set-up: {Case.objects.count():,} cases ("
          f"{', '.join(f'{slug}: {n:,}' for slug, n in per_municipality)}) in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from django.contrib.auth import get_user_model

    caseworker = get_user_model().objects.get(email="sagsbehandler@nordby.example")
    reference = Case.objects.filter(municipality__slug="nordby").order_by("-pk").values_list(
        "reference", flat=True).first()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(caseworker)
    pages = {
        "first page": {},
        "filtered": {"status": ["screening"], "assigned": "none", "waiting": "true"},
        "search by name": {"q": "Hansen"},
        "search by reference": {"q": reference},
    }
    print(f"\n{args.requests} timed requests per page (after 5 untimed), as {caseworker.email}\n")
    print("| page | p50 ms | p95 ms | max ms | queries | rows shown | result |")
    print("|---|---|---|---|---|---|---|")
    failed = False
    for label, params in pages.items():
        for _ in range(5):
            client.get("/admin/cases/", params)
        samples = []
        for _ in range(args.requests):
            reset_queries()
            begin = time.perf_counter()
            response = client.get("/admin/cases/", params)
            samples.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/cases/", params)
        shown = response.content.decode().count('class="title-wrapper"') or response.content.decode().count("<tr")
        p95 = percentile(samples, 0.95)
        ok = p95 < TARGET_P95_MS
        failed |= not ok
        print(f"| {label} | {statistics.median(samples):.0f} | {p95:.0f} | {max(samples):.0f} | "
              f"{len(queries.captured_queries)} | {shown} | {'PASS' if ok else 'FAIL'} |")
    print(f"\nRESULT: {'FAIL' if failed else 'PASS'} (target p95 < {TARGET_P95_MS} ms)")


if __name__ == "__main__":
    main()
