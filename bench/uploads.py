#!/usr/bin/env python3
"""Memory of a gunicorn worker while citizens upload documents.

Usage (from the project root): .venv/bin/python bench/uploads.py
See bench/README.md ("Application: uploads and submit latency").

Starts gunicorn with ONE sync worker under config.settings.production (the
environment of bench/run.sh), logs in the demo citizen, starts a draft, opens
the documents step and reads the worker's idle VmRSS from /proc/<pid>/status.
Then, per round, it resets the worker's peak (``echo 5 > clear_refs`` resets
VmHWM to the current RSS) and uploads

  (a) a 19 MB valid PDF, which must be accepted (checked in the database,
      size and SHA-256 of what was stored), and
  (b) a 100 MB valid PDF, which must be refused with the per-file size
      message while it streams in (LimitedFileUploadHandler),

reading VmHWM after each response. Reports idle RSS, each peak, the deltas,
wall times and PASS/FAIL against BENCH_MEMORY_LIMIT_MB (30) above idle.
This runs twice (unless --no-s3): with the private storage in a local
folder, and on S3 as in production (django-storages against moto's S3
server on 127.0.0.1, a fresh worker).

The request bodies are generated on the fly in 1 MB pieces (never held in
memory as a whole) and sent with a Content-Length, as a browser does.

This module also holds the harness that bench/submit_latency.py uses
(environment, database, gunicorn, login, results file), written after the
steps of bench/run.sh. Exit status: 0 whether or not the memory target is
met; non-zero when the measurement could not run or a file was not
accepted/refused as expected.
"""

import argparse
import atexit
import hashlib
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
RESULTS_FILE = ROOT / "bench" / "results" / "application-latest.txt"
MiB = 1024 * 1024

CITIZEN_EMAIL = os.environ.get("BENCH_CITIZEN", "borger@nordby.example")
CITIZEN_PASSWORD = os.environ.get("DEMO_PASSWORD") or "mikrolaan-demo"


def log(message):
    print(f"\n==> {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """The measurement could not run (not: a target was missed)."""


def die(message):
    raise BenchError(message)


# --- Harness (shared with bench/submit_latency.py) ---------------------------------------------


class Harness:
    """The steps of bench/run.sh, in Python: production settings, a bench
    PostgreSQL database (dropped, migrated and seeded unless reused), Redis,
    collectstatic, then gunicorn on 127.0.0.1 until ``close()``."""

    current = None  # the running harness, for run() to show gunicorn's log on failure

    def __init__(self, *, port=None):
        self.port = int(port or os.environ.get("BENCH_PORT", "8124"))
        self.host = "127.0.0.1"
        self.base = f"http://{self.host}:{self.port}"
        self.database_url = os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/microloans_bench_app")
        self.redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
        self.reuse_db = os.environ.get("BENCH_REUSE_DB", "0") == "1"
        self.gunicorn_extra = os.environ.get("BENCH_GUNICORN_ARGS", "").split()
        self.work = Path(tempfile.mkdtemp(prefix="microloans-appbench."))
        self.gunicorn = None
        self.gunicorn_env = {}
        self.workers = 0
        self.load_before = _loadavg()
        self.log_file = self.work / "gunicorn.log"
        Harness.current = self
        atexit.register(self.close)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _exit_on_signal)

    # -- environment, as bench/run.sh sets it --
    def environment(self):
        import secrets

        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",  # plain http on loopback
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            # Own key prefix instead of FLUSHDB: a bench/run.sh running at the
            # same time keeps its page cache (our keys are deleted in prepare()).
            "CACHE_KEY_PREFIX": "microloans-appbench",
            "PRIVATE_MEDIA_ROOT": str(self.work / "private_media"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
        # Unlike bench/run.sh, TASKS_BACKEND is left to production's default
        # (django_tasks_db): the receipt PDF is queued for the worker, as in
        # production. Callers may override it per gunicorn start.
        os.environ.pop("TASKS_BACKEND", None)
        return env

    def prepare(self):
        """Environment, database, Redis keys, static files. Call once."""
        for tool in ("psql", "createdb", "dropdb"):
            if shutil.which(tool) is None:
                die(f"{tool} is required but not installed")
        if not Path(PY).exists():
            die(f"{PY} not found: run `make install` first")
        os.environ.update(self.environment())
        (self.work / "private_media").mkdir(parents=True, exist_ok=True)
        self._database()
        self._clear_redis_keys()
        log("collectstatic")
        self.manage("collectstatic", "--noinput", "-v", "0")

    def manage(self, *args, timeout=600):
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True, timeout=timeout)

    def _database(self):
        u = urlsplit(self.database_url)
        if u.scheme not in ("postgres", "postgresql", "pgsql") or not u.path.strip("/"):
            die(f"BENCH_DATABASE_URL must be a postgres://user@host:port/name URL, got {self.database_url}")
        self.db_name = unquote(u.path.strip("/"))
        pg = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432),
              "-U", unquote(u.username or "postgres")]
        if u.password:
            os.environ["PGPASSWORD"] = unquote(u.password)
        if self.reuse_db:
            log(f"Reusing database {self.db_name} (BENCH_REUSE_DB=1)")
            return
        # The database is dropped: refuse names that do not look like a bench database.
        if "bench" not in self.db_name:
            die(f"refusing to drop database '{self.db_name}': its name must contain 'bench'")
        log(f"Recreating database {self.db_name}")
        subprocess.run(["dropdb", *pg, "--if-exists", "--force", self.db_name], check=True, timeout=60)
        subprocess.run(["createdb", *pg, self.db_name], check=True, timeout=60)
        log("migrate")
        self.manage("migrate", "--noinput", "-v", "0")
        log("seed_demo --quiet")
        self.manage("seed_demo", "--quiet")

    def _clear_redis_keys(self):
        import redis

        log(f"Deleting keys microloans-appbench:* in {self.redis_url}")
        client = redis.Redis.from_url(self.redis_url, socket_timeout=10)
        keys = list(client.scan_iter(match="microloans-appbench:*", count=1000))
        if keys:
            client.delete(*keys)

    # -- the ORM in this (client) process, on the same database and storage --
    def django(self):
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    # -- gunicorn --
    def start(self, workers, env=None, app="config.wsgi:application"):
        """Start gunicorn (``workers`` sync workers) serving ``app``; ``env``
        overrides the environment of the server only (e.g. TASKS_BACKEND)."""
        import requests

        self.stop()
        try:
            requests.get(self.base + "/", timeout=2)
        except requests.ConnectionError:
            pass
        else:
            die(f"something already listens on {self.host}:{self.port}; set BENCH_PORT")
        self.workers = workers
        self.gunicorn_env = dict(env or {})
        log(f"Starting gunicorn with {workers} sync worker(s) on {self.host}:{self.port} "
            f"{' '.join(self.gunicorn_extra)} {self.gunicorn_env or ''} {app}")
        with open(self.log_file, "ab") as out:
            self.gunicorn = subprocess.Popen(
                [PY, "-m", "gunicorn", app, "--workers", str(workers),
                 "--bind", f"{self.host}:{self.port}", "--error-logfile", str(self.log_file),
                 "--log-level", "warning", *self.gunicorn_extra],
                cwd=ROOT, env={**os.environ, **self.gunicorn_env}, stdout=out, stderr=out)
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.gunicorn.poll() is not None:
                self._print_log()
                die("gunicorn exited during start-up")
            if time.monotonic() > deadline:
                self._print_log()
                die("/healthz did not answer within 30 s")
            time.sleep(0.3)
        # Every worker must be up before anything is measured.
        deadline = time.monotonic() + 30
        while len(self.worker_pids()) < workers:
            if time.monotonic() > deadline:
                die(f"only {len(self.worker_pids())} of {workers} workers started")
            time.sleep(0.2)
        # The port matches no Site: Wagtail must fall back to the default site (Nordby).
        home = requests.get(self.base + "/", timeout=10)
        if home.status_code != 200 or "Nordby" not in home.text:
            die(f"home page answered {home.status_code} without 'Nordby': not the default site?")

    def worker_pids(self):
        if self.gunicorn is None:
            return []
        master = self.gunicorn.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:  # kernel without CONFIG_PROC_CHILDREN: scan /proc
            pids = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == master:
                    pids.append(int(stat.parent.name))
            return pids

    def cpu_seconds(self):
        """CPU time (user + system) used so far by gunicorn's master and workers."""
        total = 0
        for pid in [self.gunicorn.pid, *self.worker_pids()] if self.gunicorn else []:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / os.sysconf("SC_CLK_TCK")

    def check_log(self):
        """Warn about errors gunicorn logged; fail if it died."""
        if self.gunicorn is not None and self.gunicorn.poll() is not None:
            self._print_log()
            die("gunicorn died during the measurement")
        text = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
        if re.search(r"WORKER TIMEOUT|Traceback|\[ERROR\]", text):
            log("gunicorn logged errors during the run:")
            print("\n".join(text.splitlines()[-40:]), file=sys.stderr)
            return False
        return True

    def _print_log(self):
        if self.log_file.exists():
            print(self.log_file.read_text(errors="replace")[-8000:], file=sys.stderr)

    def stop(self):
        proc, self.gunicorn = self.gunicorn, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # graceful stop, at most 10 s
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def close(self):
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    # -- report --
    def meta(self, what):
        commit = _git("rev-parse", "--short", "HEAD") or "unknown"
        if _git("status", "--porcelain"):
            commit += " (uncommitted changes)"
        return [
            f"{what} of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}, "
            f"{os.cpu_count()} CPUs",
            f"settings: config.settings.production, PostgreSQL {self.db_name}, Redis {self.redis_url} "
            f"(key prefix microloans-appbench), gunicorn {self.workers} sync worker(s) on "
            f"{self.host}:{self.port} {' '.join(self.gunicorn_extra)}".rstrip(),
            f"load average before: {self.load_before}, after: {_loadavg()} "
            "(other processes on this machine skew the numbers)",
        ]


def control_wsgi_application():
    """gunicorn "bench.uploads:control_wsgi_application()", for --control only:
    Django keeps uploads up to 64 MB in memory instead of a temporary file,
    to show that the measurement sees a worker holding a whole file."""
    from config.wsgi import application  # sets Django up
    from django.conf import settings

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * MiB
    return application


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _loadavg():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _git(*args):
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def csrf(session):
    token = session.cookies.get("csrftoken")
    if not token:
        die("no csrftoken cookie")
    return token


def login(base, email=CITIZEN_EMAIL, password=CITIZEN_PASSWORD):
    """A requests.Session logged in through allauth's form."""
    import requests

    s = requests.Session()
    r = s.get(base + "/accounts/login/", timeout=30)
    if r.status_code != 200:
        die(f"GET /accounts/login/ answered {r.status_code}")
    r = s.post(base + "/accounts/login/", timeout=30, allow_redirects=False,
               data={"login": email, "password": password, "csrfmiddlewaretoken": csrf(s)})
    if r.status_code != 302 or "sessionid" not in s.cookies:
        die(f"login as {email} failed (HTTP {r.status_code})")
    return s


def start_draft(session, base):
    """POST /apply/ and return the new draft's id."""
    r = session.post(base + "/apply/", data={"csrfmiddlewaretoken": csrf(session)},
                     allow_redirects=False, timeout=30)
    match = re.fullmatch(r"/apply/([0-9a-f-]{36})/about-you/", urlsplit(r.headers.get("Location", "")).path)
    if r.status_code != 302 or not match:
        die(f"POST /apply/ answered {r.status_code} {r.headers.get('Location')}, "
            "expected a redirect to a draft")
    return match.group(1)


def write_section(name, lines):
    """Replace (or add) the section ``name`` of bench/results/application-latest.txt;
    the other script's section is kept."""
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    marker = f"===== {name} ====="
    sections, current = {}, None
    if RESULTS_FILE.exists():
        for line in RESULTS_FILE.read_text().splitlines():
            if line.startswith("===== ") and line.endswith(" ====="):
                current = line
                sections[current] = []
            elif current is not None:
                sections[current].append(line)
    sections[marker] = list(lines) + [""]
    order = [m for m in ("===== uploads =====", "===== submit latency =====") if m in sections]
    order += [m for m in sections if m not in order]
    RESULTS_FILE.write_text("\n".join(line for m in order for line in [m, *sections[m]]).rstrip() + "\n")


# --- Upload bodies, generated piece by piece ----------------------------------------------------

_PDF_HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
_PDF_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
]
_FILL = b"x" * MiB


def _pdf_tail(padding):
    """What tests.files.pdf_bytes(b"%" + b"x" * padding + b"\\n") writes
    after the comment: the objects, the cross-reference table, the trailer."""
    start = len(_PDF_HEADER) + padding + 2
    out, offsets = bytearray(), []
    for number, body in enumerate(_PDF_OBJECTS, start=1):
        offsets.append(start + len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = start + len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(_PDF_OBJECTS) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(_PDF_OBJECTS) + 1, xref)
    return bytes(out)


class StreamedPdf:
    """A valid one-page PDF of exactly ``size`` bytes, padded with a comment
    (the same bytes as tests.files.pdf_bytes with that comment), produced in
    1 MB pieces."""

    def __init__(self, size):
        padding = size - len(_PDF_HEADER) - 2 - len(_pdf_tail(0))
        for _ in range(3):  # the startxref number may gain a digit
            padding = size - len(_PDF_HEADER) - 2 - len(_pdf_tail(padding))
        self.padding, self.tail = padding, _pdf_tail(padding)
        self.size = len(_PDF_HEADER) + padding + 2 + len(self.tail)
        if self.size != size:
            raise ValueError(f"cannot build a PDF of exactly {size} bytes")

    def __iter__(self):
        yield _PDF_HEADER + b"%"
        left = self.padding
        while left:
            piece = _FILL if left >= MiB else _FILL[:left]
            left -= len(piece)
            yield piece
        yield b"\n" + self.tail

    def sha256(self):
        digest = hashlib.sha256()
        for piece in self:
            digest.update(piece)
        return digest.hexdigest()


def _check_pdf_generator():
    """The generated PDF must be byte for byte what tests/files.py builds."""
    sys.path.insert(0, str(ROOT))
    from tests.files import pdf_bytes

    for padding in (0, 1, 5000, 3 * MiB + 17):
        expected = pdf_bytes(b"%" + b"x" * padding + b"\n")
        made = StreamedPdf(len(expected))
        if made.padding != padding or b"".join(made) != expected:
            die("StreamedPdf does not reproduce tests.files.pdf_bytes")


class MultipartBody:
    """multipart/form-data with fields and one file, iterable with a known
    length, so requests sends Content-Length (Django needs it) and streams."""

    def __init__(self, fields, file_field, filename, content_type, content):
        self.boundary = f"----microloansbench{uuid.uuid4().hex}"
        b = self.boundary.encode()
        head = bytearray()
        for name, value in fields.items():
            head += b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (
                b, name.encode(), value.encode())
        head += (b"--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                 b"Content-Type: %s\r\n\r\n"
                 % (b, file_field.encode(), filename.encode(), content_type.encode()))
        self.head, self.content = bytes(head), content
        self.end = b"\r\n--%s--\r\n" % b
        self.length = len(self.head) + content.size + len(self.end)
        self.content_type = f"multipart/form-data; boundary={self.boundary}"

    def __len__(self):
        return self.length

    def __iter__(self):
        yield self.head
        yield from self.content
        yield self.end


# --- The measurement ----------------------------------------------------------------------------


def proc_status(pid):
    """VmRSS, VmHWM, RssAnon, RssFile of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            values[key] = int(rest.split()[0])
    return values


def reset_peak(pid):
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS


def mb(kb):
    return kb / 1024


def upload(session, base, draft_id, pid, size, label):
    """POST one file to the documents step; return the measurements."""
    from portal.models import DraftDocument

    url = f"{base}/apply/{draft_id}/documents/"
    pdf = StreamedPdf(size)
    body = MultipartBody({"csrfmiddlewaretoken": csrf(session), "action": "upload"},
                         "business_plan", f"forretningsplan-{label}.pdf", "application/pdf", pdf)
    documents_before = set(DraftDocument.objects.filter(draft_id=draft_id).values_list("pk", flat=True))
    time.sleep(0.5)  # let the worker settle after the previous request
    before = proc_status(pid)
    reset_peak(pid)
    after_reset = proc_status(pid)
    started = time.perf_counter()
    r = session.post(url, data=body, headers={"Content-Type": body.content_type},
                     allow_redirects=False, timeout=300)
    r.content  # noqa: B018 - the body is part of the request's time
    wall = time.perf_counter() - started
    after = proc_status(pid)
    new = list(DraftDocument.objects.filter(draft_id=draft_id).exclude(pk__in=documents_before))
    return {"label": label, "size": size, "pdf": pdf, "response": r, "wall_s": wall, "before": before,
            "after_reset": after_reset, "after": after, "new_documents": new, "body_length": len(body)}


def size_message(text):
    """The per-file size error shown on the page (Danish by default)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    match = re.search(r"(Filen '[^']*' fylder mere end .*?prøv igen\."
                      r"|The file '[^']*' is larger than .*?try again\.)", re.sub(r"\s+", " ", text))
    return match.group(1) if match else None


def measure_rounds(harness, n_rounds, accepted_size, refused_size, app="config.wsgi:application", env=None):
    """Start gunicorn with one worker, log in, and run ``n_rounds`` rounds of
    (accepted upload, refused upload), each on a fresh draft."""
    harness.start(workers=1, app=app, env=env)
    (pid,) = harness.worker_pids()
    base = harness.base
    session = login(base)
    log(f"Logged in as {CITIZEN_EMAIL}; worker pid {pid}")

    rounds, idle, failures = [], None, []
    for n in range(1, n_rounds + 1):
        draft_id = start_draft(session, base)
        r = session.get(f"{base}/apply/{draft_id}/documents/", timeout=30)
        if r.status_code != 200:
            die(f"GET documents step answered {r.status_code}")
        time.sleep(1)
        if idle is None:
            idle = proc_status(pid)
            log(f"Idle worker after the documents page: VmRSS {mb(idle['VmRSS']):.1f} MB, "
                f"VmHWM since start {mb(idle['VmHWM']):.1f} MB")
        for label, size, accept in ((f"{size_label(accepted_size)}", accepted_size, True),
                                    (f"{size_label(refused_size)}", refused_size, False)):
            log(f"[round {n}/{n_rounds}] uploading {size / MiB:g} MB "
                f"({'must be accepted' if accept else 'must be refused'})")
            m = upload(session, base, draft_id, pid, size, label)
            m.update(round=n, accept=accept, draft=draft_id)
            r = m["response"]
            if accept:
                stored = m["new_documents"]
                ok = (r.status_code == 302 and urlsplit(r.headers.get("Location", "")).path
                      == f"/apply/{draft_id}/documents/" and len(stored) == 1
                      and stored[0].size == size and stored[0].sha256 == m["pdf"].sha256())
                m["outcome"] = (f"accepted, stored {stored[0].size} bytes, SHA-256 matches" if ok else
                                f"NOT accepted as expected: HTTP {r.status_code}, "
                                f"{len(stored)} new document(s), {size_message(r.text) or ''}")
            else:
                message = size_message(r.text) if r.status_code == 200 else None
                ok = message is not None and not m["new_documents"]
                m["outcome"] = (f"refused: \"{message}\"" if ok else
                                f"NOT refused as expected: HTTP {r.status_code}, "
                                f"{len(m['new_documents'])} new document(s)")
            m["ok"] = ok
            if not ok:
                failures.append(f"round {n}, {size / MiB:g} MB: {m['outcome']}")
            log(f"  HTTP {r.status_code} in {m['wall_s']:.2f} s, "
                f"peak VmHWM {mb(m['after']['VmHWM']):.1f} MB; {m['outcome']}")
            rounds.append(m)
    clean_log = harness.check_log()
    harness.stop()
    return pid, idle, rounds, failures, clean_log


def size_label(size):
    return f"{size / MiB:g}mb"


class MotoS3:
    """moto's S3 in server mode on 127.0.0.1 (moto is in the virtualenv for
    tests/backoffice/test_s3_storage.py), with a private bucket; ``env`` is
    what a production process gets to store citizens' files there."""

    BUCKET, REGION = "microloans-appbench-private", "eu-north-1"

    def __init__(self, work, port):
        import boto3
        import requests

        self.url = f"http://127.0.0.1:{port}"
        self.log = open(work / "moto.log", "ab")
        command = [str(Path(PY).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=self.log)
        atexit.register(self.stop)
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(self.url, timeout=2)
                break
            except requests.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    die("moto_server did not start")
                time.sleep(0.2)
        self.env = {"AWS_PRIVATE_STORAGE_BUCKET_NAME": self.BUCKET, "AWS_S3_ENDPOINT_URL": self.url,
                    "AWS_S3_REGION_NAME": self.REGION, "AWS_ACCESS_KEY_ID": "bench",
                    "AWS_SECRET_ACCESS_KEY": "bench"}
        boto3.client("s3", endpoint_url=self.url, region_name=self.REGION, aws_access_key_id="bench",
                     aws_secret_access_key="bench").create_bucket(
            Bucket=self.BUCKET, CreateBucketConfiguration={"LocationConstraint": self.REGION})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def report_rounds(idle, rounds, limit):
    """The table of one run of rounds, and (lines, passed) for its verdicts."""
    lines = [
        "| round | upload  | result   | HTTP | wall s | RSS before MB | peak MB | peak - idle MB "
        "| peak - before MB | RSS after MB |",
        "|-------|---------|----------|------|--------|---------------|---------|----------------"
        "|------------------|--------------|",
    ]
    worst = {True: 0.0, False: 0.0}
    for m in rounds:
        peak = mb(m["after"]["VmHWM"])
        over_idle = peak - mb(idle["VmRSS"])
        worst[m["accept"]] = max(worst[m["accept"]], over_idle)
        result = ("accepted" if m["accept"] else "refused") if m["ok"] else "WRONG"
        lines.append(
            f"| {m['round']:5d} | {m['size'] / MiB:4g} MB | {result:8s} | {m['response'].status_code:4d} | "
            f"{m['wall_s']:6.2f} | {mb(m['before']['VmRSS']):13.1f} | {peak:7.1f} | {over_idle:14.1f} | "
            f"{peak - mb(m['after_reset']['VmRSS']):16.1f} | {mb(m['after']['VmRSS']):12.1f} |")
    lines.append("")
    lines.append(f"RSS after the last upload: {mb(rounds[-1]['after']['VmRSS']) - mb(idle['VmRSS']):.1f} MB "
                 "above idle (memory the worker keeps)")
    passed = True
    for accept in (True, False):
        size = next(m["size"] for m in rounds if m["accept"] == accept)
        ok = worst[accept] <= limit
        passed &= ok
        lines.append(f"Peak above idle, {size / MiB:g} MB {'accepted' if accept else 'refused'}: "
                     f"{worst[accept]:.1f} MB (target <= {limit:g} MB): {'PASS' if ok else 'FAIL'}")
    return lines, passed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_UPLOAD_ROUNDS", "5")),
                        help="rounds of (19 MB accepted, 100 MB refused) per storage, each on a fresh draft "
                             "(default 5: memory a worker keeps after an upload shows in the later rounds)")
    parser.add_argument("--accepted-mb", type=float, default=19)
    parser.add_argument("--refused-mb", type=float, default=100)
    parser.add_argument("--limit-mb", type=float,
                        default=float(os.environ.get("BENCH_MEMORY_LIMIT_MB", "30")),
                        help="allowed peak above the idle worker, in MB (default 30)")
    parser.add_argument("--s3", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure with the private storage on S3 (moto's S3 server on 127.0.0.1), "
                             "where production keeps citizens' files (default: on when moto_server exists)")
    parser.add_argument("--control", action="store_true",
                        help="afterwards, one round with Django keeping uploads up to 64 MB in memory, "
                             "to show that the measurement sees a worker holding the whole file")
    args = parser.parse_args(argv)

    harness = Harness()
    harness.prepare()
    harness.django()
    _check_pdf_generator()
    from django.conf import settings

    limit_bytes = settings.UPLOAD_MAX_FILE_BYTES
    accepted_size, refused_size = int(args.accepted_mb * MiB), int(args.refused_mb * MiB)
    if accepted_size > limit_bytes or refused_size <= limit_bytes:
        die(f"sizes must straddle UPLOAD_MAX_FILE_BYTES ({limit_bytes} bytes)")

    pid, idle, rounds, failures, clean_log = measure_rounds(harness, args.rounds, accepted_size, refused_size)
    s3 = None
    s3_skipped = args.s3 and not (Path(PY).parent / "moto_server").exists()
    if args.s3 and not s3_skipped:
        moto = MotoS3(harness.work, harness.port + 1)
        log(f"S3: private storage in bucket {moto.BUCKET} on moto's S3 server at {moto.url}")
        s3 = measure_rounds(harness, args.rounds, accepted_size, refused_size, env=moto.env)
        moto.stop()
    control = None
    if args.control:
        log("CONTROL: the same with FILE_UPLOAD_MAX_MEMORY_SIZE = 64 MB (uploads held in memory)")
        app = "bench.uploads:control_wsgi_application()"
        control = measure_rounds(harness, 1, accepted_size, refused_size, app=app)

    # --- report ---
    limit = args.limit_mb
    lines = harness.meta("Upload memory measurement")
    lines += [
        f"files: {args.accepted_mb:g} MB and {args.refused_mb:g} MB valid PDFs (MB = 2^20 bytes) to the "
        f"business_plan field, action=upload; per-file limit UPLOAD_MAX_FILE_BYTES = {limit_bytes} bytes "
        f"({limit_bytes / MiB:g} MB); FILE_UPLOAD_MAX_MEMORY_SIZE = "
        f"{settings.FILE_UPLOAD_MAX_MEMORY_SIZE} bytes",
        "peak = VmHWM after the response, reset to the current RSS (clear_refs 5) just before the upload; "
        "idle = VmRSS after login, a new draft and the GET of the documents step",
        "",
        f"Private storage in a local folder (PRIVATE_MEDIA_ROOT); idle worker (pid {pid}): "
        f"VmRSS {mb(idle['VmRSS']):.1f} MB (RssAnon {mb(idle['RssAnon']):.1f}, "
        f"RssFile {mb(idle['RssFile']):.1f})",
        "",
    ]
    table, passed = report_rounds(idle, rounds, limit)
    lines += table
    verdicts = [f"RESULT, local storage: {'PASS' if passed else 'FAIL'}"]
    if s3_skipped:
        lines += ["", "S3 not measured: moto_server is not in the virtualenv (make install installs it)."]
    if s3:
        s3_pid, s3_idle, s3_rounds, s3_failures, s3_clean = s3
        failures += [f"S3: {f}" for f in s3_failures]
        clean_log &= s3_clean
        lines += ["", "Private storage on S3 (django-storages S3Storage against moto's S3 server on "
                      "127.0.0.1, as production with AWS_PRIVATE_STORAGE_BUCKET_NAME); idle worker "
                      f"(pid {s3_pid}): VmRSS {mb(s3_idle['VmRSS']):.1f} MB", ""]
        table, s3_passed = report_rounds(s3_idle, s3_rounds, limit)
        lines += table
        passed &= s3_passed
        verdicts.append(f"RESULT, S3 storage: {'PASS' if s3_passed else 'FAIL'}")
    lines.append("")
    for m in rounds[:2]:
        lines.append(f"{m['size'] / MiB:g} MB, round 1: {m['outcome']}")
    if failures:
        passed = False
        lines += [f"Functional check failed: {f}" for f in failures]
    if not clean_log:
        lines.append("Note: gunicorn logged errors during the run (see above).")
    lines += verdicts
    lines.append(f"RESULT: {'PASS' if passed else 'FAIL'}")
    if control:
        c_pid, c_idle, c_rounds, c_failures, _ = control
        lines += ["", "CONTROL (not production; checks the method): FILE_UPLOAD_MAX_MEMORY_SIZE raised "
                      "to 64 MB in the worker, so Django holds an upload in memory instead of a "
                      "temporary file:"]
        for m in c_rounds:
            peak = mb(m["after"]["VmHWM"])
            result = ("accepted" if m["accept"] else "refused") if m["ok"] else "WRONG"
            lines.append(f"  {m['size'] / MiB:g} MB {result}: idle {mb(c_idle['VmRSS']):.1f} MB, "
                         f"RSS before {mb(m['before']['VmRSS']):.1f} MB, peak {peak:.1f} MB, "
                         f"peak - idle {peak - mb(c_idle['VmRSS']):.1f} MB, wall {m['wall_s']:.2f} s")
    print("\n".join(lines))
    write_section("uploads", lines)
    print(f"(written to {RESULTS_FILE.relative_to(ROOT)})")
    return 1 if failures else 0


def run(main):
    """Run ``main``; on a BenchError show gunicorn's log and exit 1."""
    try:
        sys.exit(main())
    except BenchError as error:
        if Harness.current is not None:
            log("gunicorn log:")
            Harness.current._print_log()
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    run(main)
