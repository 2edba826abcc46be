"""Browser tests: Playwright (sync API) driving Debian's Chromium against
Django's live server, with the demo content seeded for every test.

- Without /usr/bin/chromium the tests are skipped locally and fail in CI
  (CI=true), so a broken CI image cannot pass silently.
- Every page a test visits is checked with axe-core (``assert_accessible``);
  serious and critical violations fail the test.
- Screenshots go to ``screenshots/`` at the repository root (git-ignored).
"""

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connections

# Playwright's sync API runs an asyncio event loop in the test thread; Django
# would otherwise refuse ORM calls from it (SynchronousOnlyOperation).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MISSING_CHROMIUM = "Debian's chromium is not installed: apt-get install chromium"

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parent.parent
SCREENSHOT_DIR = REPO_ROOT / "screenshots"

MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Impacts that fail a test; "minor" and "moderate" findings are only printed.
BLOCKING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(config, items):
    """Everything under tests/browser is a browser test (also when a module
    forgets its ``pytestmark``)."""
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            if item.get_closest_marker("browser") is None:
                item.add_marker(pytest.mark.browser)


# --- the live server -------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, bound to 127.0.0.1 (one per xdist worker).

    The host matters: Wagtail picks the site by host name. The demo's default
    site, Nordby, is registered as 127.0.0.1:8000, so 127.0.0.1 on any port
    resolves to Nordby. "localhost" (pytest-django's default) is Sydby's host
    name, and Wagtail prefers a unique host-name match over the default site,
    so tests on "localhost" would see Sydby instead.
    """
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


# The database blocker of the session, kept for restoring the snapshot after
# a test (see pytest_runtest_teardown below).
_db = {}


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker):
    """Seed the demo content once per test database (one per xdist worker) and
    make it the state that serialised rollback restores.

    Browser tests need transactional database access (the live server's thread
    must see what the test does, and the other way round), and a transactional
    test ends by emptying every table - also what migrations created, such as
    Wagtail's root page. pytest-django serialises the database right after the
    migrations, before tests/conftest.py seeds the demo; restoring that older
    snapshot on top of the seeded database would collide. So the snapshot is
    taken again here, after seeding, and each browser test starts from it."""
    with django_db_blocker.unblock():
        call_command("seed_demo", quiet=True, without_cases=True)
        for connection in connections.all():
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    _db["blocker"] = django_db_blocker


@pytest.fixture
def demo_site(demo_snapshot, live_server, transactional_db, django_db_serialized_rollback):
    """The live server, with the demo municipalities, sites, pages and users in
    the database (restored from the snapshot; seed_demo leaves what exists
    alone, so running it again only fills in anything that is missing)."""
    call_command("seed_demo", quiet=True, without_cases=True)
    mail.outbox.clear()
    return live_server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put the demo content back once a browser test has emptied the database.

    Under ``--dist loadfile`` xdist hands out whole files, largest first, so a
    worker may run ordinary ``db`` tests (which expect the seeded demo and
    Wagtail's root page) after the browser tests, despite pytest-django
    ordering transactional tests last."""
    result = yield
    blocker = _db.get("blocker")
    if nextitem is not None and blocker is not None and "demo_site" in getattr(item, "fixturenames", ()):
        with blocker.unblock():
            for connection in connections.all():
                contents = getattr(connection, "_test_serialized_contents", None)
                if contents:
                    connection.creation.deserialize_db_from_string(contents)
    return result


# --- the browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(MISSING_CHROMIUM, pytrace=False)
        pytest.skip(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, demo_site):
    """A fresh browser context (no cookies) at desktop width, with relative
    URLs resolved against the live server."""
    context = browser.new_context(base_url=demo_site.url, viewport=DESKTOP, locale="da-DK")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# --- helpers ---------------------------------------------------------------------

_axe = None


def _get_axe():
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    return _axe


def format_violations(violations):
    """Rule id, impact, help and every failing element of axe's violations."""
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            targets = (" ".join(t) if isinstance(t, list) else t for t in node["target"])
            lines.append(f"    {', '.join(targets)}")
            if node.get("failureSummary"):
                for summary_line in node["failureSummary"].splitlines():
                    lines.append(f"        {summary_line}")
    return "\n".join(lines)


def assert_accessible(page):
    """Run axe-core on the page as it is now; fail on serious or critical
    violations, naming the rule, its help text and the failing elements."""
    results = _get_axe().run(page)
    violations = results.response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    others = [v for v in violations if v["impact"] not in BLOCKING_IMPACTS]
    if others:
        print(f"axe (not failing) on {page.url}:\n{format_violations(others)}")
    assert not blocking, f"axe found accessibility violations on {page.url}:\n{format_violations(blocking)}"
    return results


def visit(page, path, expected_status=200):
    """Go to ``path`` on the live server, check the status and accessibility."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == expected_status, (
        f"{path} answered {response.status}, expected {expected_status}"
    )
    assert_accessible(page)
    return response


def screenshot(page, name):
    """Save ``name``-mobile.png (390×844) and ``name``-desktop.png (1280×900)
    of the current page, checking accessibility at phone width too, then
    restore the previous viewport."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    previous = page.viewport_size or DESKTOP
    for label, size in (("mobile", MOBILE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready.then(() => true)")
        if label == "mobile":
            assert_accessible(page)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(previous)


def path_of(url):
    """The part of an absolute URL after scheme and host, so that a link in an
    e-mail can be followed on the live server whatever host it names."""
    return re.sub(r"^https?://[^/]+", "", url)
