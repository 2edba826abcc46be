#!/usr/bin/env python3
"""Turn the wrk outputs of one bench/run.sh run into the results table.

    report.py --out FILE [--meta LINE ...] [--target-ratio 25] [--target-p99 100]
              --page URL WRK_OUTPUT [--page ...] --static URL WRK_OUTPUT [--static ...]

The first --page URL is the home page. A URL given several times (several
rounds, BENCH_ROUNDS) is reported with the median of its rounds for
requests/s, p50 and p99, and the sum of its counts.

Each WRK_OUTPUT is what `wrk --latency -s bench/wrk_stats.lua` printed. The
BENCH_RESULT line written by wrk_stats.lua is preferred; without it (e.g.
BENCH_LUA=0) the human-readable wrk output is parsed instead, in which case
"non-2xx" is wrk's own count of responses with status >= 400 and the page
cache column is empty.

Prints the table and the PASS/FAIL verdict, and writes the same text to
--out. Always exits 0 when the outputs could be parsed: the benchmark is a
measurement, not a test.
"""

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

UNITS_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"cannot parse wrk duration {text!r}")
    return float(match.group(1)) * UNITS_TO_MS[match.group(2)]


def parse_cpu(text):
    """The BENCH_CPU line run.sh appends: CPU seconds of gunicorn and Redis during the run."""
    for line in text.splitlines():
        if line.startswith("BENCH_CPU "):
            return json.loads(line[len("BENCH_CPU "):])
    return None


def parse_wrk(text):
    """Return a dict: rps, p50_ms, p99_ms, non2xx, errors, requests, cache (dict or None), cpu."""
    result = _parse_wrk(text)
    result["cpu"] = parse_cpu(text)
    return result


def _parse_wrk(text):
    for line in text.splitlines():
        if line.startswith("BENCH_RESULT "):
            data = json.loads(line[len("BENCH_RESULT "):])
            seconds = data["duration_us"] / 1e6
            cache = {k[len("cache_"):]: v for k, v in data.items() if k.startswith("cache_")}
            return {
                "requests": data["requests"],
                "rps": data["requests"] / seconds if seconds else 0.0,
                "p50_ms": data["p50_us"] / 1000,
                "p99_ms": data["p99_us"] / 1000,
                "max_ms": data["max_us"] / 1000,
                "non2xx": data["non2xx"],
                "errors": data["err_connect"] + data["err_read"] + data["err_write"] + data["err_timeout"],
                "cache": cache,
            }

    # Fallback: wrk's own summary.
    def find(pattern, default=None):
        match = re.search(pattern, text, re.MULTILINE)
        if match:
            return match
        if default is not None:
            return default
        raise ValueError(f"wrk output has no match for {pattern!r}")

    socket = find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", False)
    non2xx = find(r"Non-2xx or 3xx responses: (\d+)", False)
    return {
        "requests": int(find(r"^\s*(\d+) requests in")[1]),
        "rps": float(find(r"^Requests/sec:\s+([\d.]+)")[1]),
        "p50_ms": parse_duration_ms(find(r"^\s+50%\s+(\S+)")[1]),
        "p99_ms": parse_duration_ms(find(r"^\s+99%\s+(\S+)")[1]),
        "max_ms": None,
        "non2xx": int(non2xx[1]) if non2xx else 0,
        "errors": sum(int(n) for n in socket.groups()) if socket else 0,
        "cache": None,
    }


def combine(results):
    """Median of the rounds for the rates and latencies, sums for the counts."""
    if len(results) == 1:
        return dict(results[0], rounds=[results[0]["rps"]])
    combined = {
        "rps": statistics.median(r["rps"] for r in results),
        "p50_ms": statistics.median(r["p50_ms"] for r in results),
        "p99_ms": statistics.median(r["p99_ms"] for r in results),
        "requests": sum(r["requests"] for r in results),
        "non2xx": sum(r["non2xx"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "cache": None,
        "cpu": None,
        "rounds": [r["rps"] for r in results],
    }
    if all(r["cpu"] for r in results):
        combined["cpu"] = {k: sum(r["cpu"][k] for r in results) for k in ("app_s", "redis_s")}
    if all(r["cache"] for r in results):
        combined["cache"] = {k: sum(r["cache"].get(k, 0) for r in results) for k in results[0]["cache"]}
    return combined


def cpu_per_request(result, key):
    if not result["cpu"] or not result["requests"]:
        return "n/a"
    return f"{1000 * result['cpu'][key] / result['requests']:.3f}"


def cache_summary(cache, requests):
    """'hit 100%' for pages; '-' when no response carried the header (static files)."""
    if not cache:
        return "n/a"
    with_header = requests - cache.get("none", 0)
    if with_header <= 0:
        return "-"
    parts = []
    for name in ("hit", "miss", "skip", "other"):
        count = cache.get(name, 0)
        if count:
            parts.append(f"{name} {100 * count / with_header:.1f}%")
    return ", ".join(parts) or "-"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--meta", action="append", default=[], help="a line printed above the table")
    parser.add_argument("--page", action="append", nargs=2, metavar=("URL", "WRK_OUTPUT"), default=[])
    parser.add_argument("--static", action="append", required=True, nargs=2, metavar=("URL", "WRK_OUTPUT"))
    parser.add_argument("--connections", default="16")
    parser.add_argument("--target-ratio", type=float, default=25.0, help="home req/s as %% of static req/s")
    parser.add_argument("--target-p99", type=float, default=100.0, help="p99 limit in ms for every page")
    args = parser.parse_args(argv)
    if not args.page:
        parser.error("at least one --page is required (the first is the home page)")

    grouped = {}  # (kind, url) -> [results], in the order first seen
    for kind, pairs in (("page", args.page), ("static", args.static)):
        for url, path in pairs:
            grouped.setdefault((kind, url), []).append(parse_wrk(Path(path).read_text()))
    rows = [(kind, url, combine(results)) for (kind, url), results in grouped.items()]
    n_rounds = max(len(results) for results in grouped.values())

    headers = ["URL", "requests/s", "p50 ms", "p99 ms", "non-2xx", "sock err",
               "app CPU ms/req", "redis CPU ms/req", "page cache"]
    table = [[url, f"{r['rps']:.1f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}",
              str(r["non2xx"]), str(r["errors"]), cpu_per_request(r, "app_s"),
              cpu_per_request(r, "redis_s"), cache_summary(r["cache"], r["requests"])]
             for _, url, r in rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(headers)]

    def fmt(cells):
        out = []
        for i, cell in enumerate(cells):
            # URL and cache columns left-aligned, numbers right-aligned.
            out.append(cell.ljust(widths[i]) if i in (0, len(cells) - 1) else cell.rjust(widths[i]))
        return "| " + " | ".join(out) + " |"

    lines = list(args.meta)
    if lines:
        lines.append("")
    lines.append(fmt(headers))
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines.extend(fmt(row) for row in table)
    if n_rounds > 1:
        lines.append(f"(median of {n_rounds} rounds; requests/s per round:)")
        for _, url, r in rows:
            lines.append(f"  {url}: " + ", ".join(f"{rps:.1f}" for rps in r["rounds"]))
    lines.append("")

    failures = []
    home = rows[0][2]
    static = next(r for kind, _, r in rows if kind == "static")
    ratio = 100 * home["rps"] / static["rps"] if static["rps"] else 0.0
    ratio_ok = ratio >= args.target_ratio
    lines.append(
        f"Home page throughput: {home['rps']:.1f} / {static['rps']:.1f} req/s (static) = {ratio:.1f} % "
        f"(target >= {args.target_ratio:g} %): {'PASS' if ratio_ok else 'FAIL'}"
    )
    if home["cpu"] and static["cpu"] and home["requests"] and static["requests"]:
        home_cpu = (home["cpu"]["app_s"] + home["cpu"]["redis_s"]) / home["requests"]
        static_cpu = (static["cpu"]["app_s"] + static["cpu"]["redis_s"]) / static["requests"]
        if home_cpu > 0:
            lines.append(
                f"  (for comparison, from server CPU per request, gunicorn + Redis: static {1000 * static_cpu:.3f} ms, "
                f"home {1000 * home_cpu:.3f} ms, i.e. {100 * static_cpu / home_cpu:.1f} %; "
                "less sensitive to other load on the machine, but leaves out wrk and the kernel's share)"
            )
    if not ratio_ok:
        failures.append(f"home page is {ratio:.1f} % of static throughput (< {args.target_ratio:g} %)")

    for kind, url, r in rows:
        if kind != "page":
            continue
        ok = r["p99_ms"] < args.target_p99
        lines.append(
            f"p99 {url} at {args.connections} connections: {r['p99_ms']:.2f} ms "
            f"(target < {args.target_p99:g} ms): {'PASS' if ok else 'FAIL'}"
        )
        if not ok:
            failures.append(f"p99 of {url} is {r['p99_ms']:.2f} ms (>= {args.target_p99:g} ms)")

    # Validity: a fast error page would make the numbers meaningless.
    for kind, url, r in rows:
        if r["non2xx"] or r["errors"]:
            failures.append(f"{url}: {r['non2xx']} non-2xx responses, {r['errors']} socket errors")
        if r["requests"] == 0:
            failures.append(f"{url}: no requests completed")
        if kind == "page" and r["cache"] and r["cache"].get("hit", 0) < r["requests"]:
            lines.append(f"note: {url} was not always served from the page cache ({cache_summary(r['cache'], r['requests'])})")

    lines.append("")
    if failures:
        lines.append("RESULT: FAIL")
        lines.extend(f"  - {reason}" for reason in failures)
    else:
        lines.append("RESULT: PASS (all targets met)")

    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
