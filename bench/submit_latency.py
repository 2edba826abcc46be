#!/usr/bin/env python3
"""Time from "Send the application" to the receipt page.

Usage (from the project root): .venv/bin/python bench/submit_latency.py
See bench/README.md ("Application: uploads and submit latency").

Uses the harness of bench/uploads.py (production settings, bench PostgreSQL
database, gunicorn with BENCH_WORKERS sync workers, default 2). Prepares
complete drafts for the demo citizen with the ORM (tests/portal/applying.py:
valid answers, a PDF and an XLSX in the private storage gunicorn uses), then
for each of 50 drafts: GET the review page (not timed; fresh CSRF cookie),
and times POST /apply/<id>/submit/ plus the GET of the receipt page it
redirects to, until the receipt's body has been read. Prints p50, p90, p99
and max, checks that exactly 50 new cases exist and that each receipt page
shows its own case's reference, and submits one more draft twice at the
same moment from two connections (one case expected).

Tasks: as in production, TASKS_BACKEND is django_tasks_db; the receipt PDF
is queued for `manage.py db_worker` (not running here), so the receipt page
does not wait for it. With --inline (default on; --no-inline to skip) the
same measurement is repeated with the immediate backend, i.e. the PDF and
e-mail made inside the submit request, for comparison.

Percentiles are nearest-rank: with 50 samples p99 is the largest sample.
Exit status: 0 whether or not anything is slow, non-zero only when the
measurement itself could not run or a check failed.
"""

import argparse
import html
import math
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from uploads import (  # noqa: E402 - the harness lives next to this file
    CITIZEN_EMAIL,
    RESULTS_FILE,
    ROOT,
    Harness,
    csrf,
    die,
    log,
    login,
    run,
    write_section,
)

IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def make_drafts(count):
    from django.contrib.auth import get_user_model

    from backoffice.models import Municipality
    from portal.models import ApplicationDraft
    from tests.portal.applying import complete

    citizen = get_user_model().objects.get(email=CITIZEN_EMAIL)
    nordby = Municipality.objects.get(slug="nordby")
    return [complete(ApplicationDraft.objects.create(citizen=citizen, municipality=nordby)).pk
            for _ in range(count)]


def reference_on_page(text):
    match = re.search(r'<strong class="reference">([^<]*)</strong>', text)
    return html.unescape(match.group(1)).strip() if match else None


def submit_once(session, base, draft_id, cpu=lambda: 0.0):
    """GET review (untimed), then the timed submit + receipt. Returns
    (total_s, post_s, receipt_s, server CPU s, reference on the page)."""
    review = session.get(f"{base}/apply/{draft_id}/review/", timeout=30)
    if review.status_code != 200:
        die(f"review page of {draft_id} answered {review.status_code}")
    token = csrf(session)
    cpu_before = cpu()
    started = time.perf_counter()
    posted = session.post(f"{base}/apply/{draft_id}/submit/", data={"csrfmiddlewaretoken": token},
                          allow_redirects=False, timeout=60)
    posted.content  # noqa: B018
    after_post = time.perf_counter()
    location = posted.headers.get("Location", "")
    if posted.status_code != 302 or urlsplit(location).path != f"/apply/{draft_id}/receipt/":
        die(f"submit of {draft_id} answered {posted.status_code} {location}, expected the receipt")
    receipt = session.get(base + urlsplit(location).path, timeout=60)
    body = receipt.text  # read in full
    done = time.perf_counter()
    cpu_used = cpu() - cpu_before
    if receipt.status_code != 200:
        die(f"receipt of {draft_id} answered {receipt.status_code}")
    return done - started, after_post - started, done - after_post, cpu_used, reference_on_page(body)


def measure(harness, base, count, warmup, label):
    """Warm up, then submit ``count`` drafts one after another."""
    from django_tasks_db.models import DBTaskResult

    from backoffice.models import Case
    from portal.models import ApplicationDraft

    log(f"[{label}] preparing {warmup} + {count} complete drafts with the ORM")
    warm_ids, ids = make_drafts(warmup), make_drafts(count)
    session = login(base)
    log(f"[{label}] warm-up: {warmup} submissions (not counted)")
    for draft_id in warm_ids:
        submit_once(session, base, draft_id)
    cases_before, tasks_before = Case.objects.count(), DBTaskResult.objects.count()
    log(f"[{label}] measuring {count} submissions")
    samples, problems, shown_right = [], [], 0
    for draft_id in ids:
        total, post, get, cpu_used, shown = submit_once(session, base, draft_id, harness.cpu_seconds)
        samples.append((total, post, get, cpu_used))
        case = ApplicationDraft.objects.select_related("case").get(pk=draft_id).case
        if case is not None and case.reference and shown == case.reference:
            shown_right += 1
        else:
            problems.append(f"draft {draft_id}: receipt shows {shown!r}, case {case and case.reference!r}")
    new_cases = Case.objects.count() - cases_before
    references = set(ApplicationDraft.objects.filter(pk__in=ids).values_list("case__reference", flat=True))
    if new_cases != count:
        problems.append(f"{new_cases} new cases, expected {count}")
    if len(references) != count:
        problems.append(f"{len(references)} distinct references for {count} drafts")
    new_tasks = DBTaskResult.objects.count() - tasks_before
    return {"label": label, "samples": samples, "new_cases": new_cases, "references": references,
            "shown_right": shown_right, "problems": problems, "new_tasks": new_tasks, "session": session}


def double_submit(base, session):
    """One draft, two connections, both POSTs released at the same moment."""
    import requests
    from django_tasks_db.models import DBTaskResult

    from backoffice.models import Case

    (draft_id,) = make_drafts(1)
    session.get(f"{base}/apply/{draft_id}/review/", timeout=30)
    token = csrf(session)
    clients = []
    for _ in range(2):
        s = requests.Session()
        s.cookies.update(session.cookies)
        clients.append(s)
    tasks_before = DBTaskResult.objects.count()
    barrier, results = threading.Barrier(2), [None, None]

    def send(i):
        barrier.wait()
        started = time.perf_counter()
        r = clients[i].post(f"{base}/apply/{draft_id}/submit/", data={"csrfmiddlewaretoken": token},
                            timeout=60)
        results[i] = (r.status_code, urlsplit(r.url).path, reference_on_page(r.text),
                      time.perf_counter() - started)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cases = list(Case.objects.filter(submission_key=draft_id).values_list("reference", flat=True))
    new_tasks = DBTaskResult.objects.count() - tasks_before
    ok = len(cases) == 1 and new_tasks == 1 and all(
        r and r[0] == 200 and r[1] == f"/apply/{draft_id}/receipt/" and r[2] == cases[0] for r in results)
    return {"ok": ok, "cases": cases, "results": results, "new_tasks": new_tasks}


def summary_lines(m):
    totals = [s[0] * 1000 for s in m["samples"]]
    posts = [s[1] * 1000 for s in m["samples"]]
    gets = [s[2] * 1000 for s in m["samples"]]
    cpu = [s[3] * 1000 for s in m["samples"]]

    def row(name, v):
        return (f"| {name:29s} | {percentile(v, 50):7.1f} | {percentile(v, 90):7.1f} | "
                f"{percentile(v, 99):7.1f} | {max(v):7.1f} | {statistics.fmean(v):7.1f} | {min(v):7.1f} |")

    return [
        f"{m['label']}: {len(totals)} submissions, one after another",
        "",
        "| ms                            |     p50 |     p90 |     p99 |     max |    mean |     min |",
        "|-------------------------------|---------|---------|---------|---------|---------|---------|",
        row("submit + receipt page (total)", totals),
        row("  POST submit -> 302", posts),
        row("  GET receipt page", gets),
        "",
        f"gunicorn CPU time per submission (POST + receipt GET), mean: {statistics.fmean(cpu):.1f} ms "
        "(from /proc, summed over the timed parts; less disturbed by other load on the machine than "
        "the wall times)",
        f"new cases: {m['new_cases']} (expected {len(totals)}), distinct references: "
        f"{len(m['references'])}, receipt pages showing their own case's reference: "
        f"{m['shown_right']}/{len(totals)}; receipt tasks queued in the database: {m['new_tasks']}",
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=int(os.environ.get("BENCH_SUBMISSIONS", "50")))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_SUBMIT_WARMUP", "5")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "2")))
    parser.add_argument("--inline", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure with the immediate task backend (receipt PDF inside the request)")
    args = parser.parse_args(argv)
    if args.workers < 2:
        die("the double-submit check needs at least 2 workers")

    harness = Harness()
    harness.prepare()
    harness.django()
    base = harness.base

    # Production: django_tasks_db, no task worker running.
    app = "config.wsgi:application"
    harness.start(workers=args.workers, app=app)
    queued = measure(harness, base, args.count, args.warmup,
                     "As in production (django_tasks_db: receipt PDF queued for the task worker)")
    log("double submit: one draft, two connections at once")
    double = double_submit(base, queued["session"])
    clean = harness.check_log()

    inline = None
    if args.inline:
        harness.start(workers=args.workers, env={"TASKS_BACKEND": IMMEDIATE}, app=app)
        inline = measure(harness, base, args.count, args.warmup, "For comparison: immediate task backend "
                         "(receipt PDF + e-mail made inside the submit request)")
        clean &= harness.check_log()
    harness.stop()

    lines = harness.meta("Submit latency measurement")
    lines += ["client: one requests.Session, a new TCP connection per request (gunicorn's sync workers "
              f"close it); {args.warmup} warm-up submissions first; percentiles nearest-rank "
              f"(p99 of {args.count} = the {math.ceil(0.99 * args.count)}th fastest)"]
    lines.append("")
    problems = []
    for m in filter(None, (queued, inline)):
        lines += summary_lines(m) + [""]
        problems += m["problems"]
    r = double["results"]
    lines.append(
        f"Double submit (same draft, two connections released together): HTTP {[x[0] for x in r]} at "
        f"{[x[1] for x in r]}, references shown {[x[2] for x in r]}, cases for the draft: "
        f"{len(double['cases'])}, receipt tasks queued: {double['new_tasks']}, "
        f"times {[round(x[3] * 1000, 1) for x in r]} ms: {'PASS' if double['ok'] else 'FAIL'}")
    if not double["ok"]:
        problems.append("double submit did not give exactly one case and one receipt task")
    if not clean:
        lines.append("Note: gunicorn logged errors during the run (see above).")
    lines += [f"Check failed: {p}" for p in problems]
    lines.append(f"CHECKS: {'PASS' if not problems else 'FAIL'} "
                 "(no latency target is set; the figures are for the report)")
    print("\n".join(lines))
    write_section("submit latency", lines)
    print(f"(written to {RESULTS_FILE.relative_to(ROOT)})")
    return 1 if problems else 0


if __name__ == "__main__":
    run(main)
