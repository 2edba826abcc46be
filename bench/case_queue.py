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
import statistics
import time

from generated_cases import percentile, prepare

TARGET_P95_MS = 300


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="cases in all (default 100,000)")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page (default 60)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it has the cases")
    args = parser.parse_args()

    prepare("BENCH_QUEUE_DATABASE_URL", "microloans_bench_queue", count=args.count, seed=4, reuse=args.reuse)
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from backoffice.models import Case

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
