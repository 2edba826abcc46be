"""The steering group in a real browser: sign in with an authenticator code,
open the statistics overview, the evaluation report and every chart page;
axe on each page, screenshots at phone and desktop width. The pages show
counts only: no applicant's name appears."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from backoffice.models import BudgetLine, Case, Cohort, Expense, Municipality, TargetGroup

from ..backoffice.test_statistics import full_case, held_talk, make_case
from ..staff_login import add_totp, totp_code
from .conftest import screenshot, visit
from .test_casework import _sign_in, _submit_and_wait

pytestmark = pytest.mark.browser
User = get_user_model()
PERIOD = "?start=2025-01-01&end=2025-12-31"


@pytest.fixture
def mfa_required(settings):
    settings.STAFF_REQUIRE_MFA = True


@pytest.fixture
def statistics_data(demo_site):
    nordby = Municipality.objects.get(slug="nordby")
    coordinator = User.objects.get(email="koordinator@nordby.example")
    cohort = Cohort.objects.create(municipality=nordby, name="Hold forår 2025", starts_on=dt.date(2025, 1, 6),
                                   ends_on=dt.date(2025, 6, 27), capacity=20)
    groups = list(TargetGroup.objects.order_by("sort_order")[:3])
    for index in range(12):
        case = full_case(nordby, coordinator, cohort, index * 25)
        Case.objects.filter(pk=case.pk).update(target_group=groups[index % len(groups)] if groups else None)
    # Applicants who stopped earlier: the funnel narrows.
    for index in range(14):
        case = make_case(nordby, received_on=dt.date(2025, 1, 10) + dt.timedelta(days=index * 20))
        if index % 2:
            held_talk(case)
    for category, amount in (("coordinator", 500_000), ("consultant", 250_000),
                             ("courses_and_external", 800_000), ("loans", 400_000), ("allowances", 150_000)):
        BudgetLine.objects.create(municipality=nordby, year=2025, category=category, budget_dkk=amount)
    Expense.objects.create(municipality=nordby, spent_on=dt.date(2025, 3, 1), category="courses_and_external",
                           amount_dkk=310_000, note="Kursusforløb forår")
    Expense.objects.create(municipality=nordby, spent_on=dt.date(2025, 6, 30), category="coordinator",
                           amount_dkk=250_000, note="Løn første halvår")
    return nordby


def test_steering_group_opens_the_statistics(page, mfa_required, statistics_data):
    steering = User.objects.get(email="styregruppe@nordby.example")
    secret = add_totp(steering)
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    _sign_in(page, steering.email)
    page.locator("input[name=code]").fill(totp_code(secret))
    _submit_and_wait(page, page.locator("main form button.button--primary").first)
    expect(page).to_have_url(re.compile(r"/admin/$"))

    visit(page, "/admin/casework/statistics/" + PERIOD)
    expect(page.locator(".stats-card")).to_have_count(5)
    screenshot(page, "admin-statistics-overview")

    visit(page, "/admin/casework/statistics/evaluation/" + PERIOD)
    screenshot(page, "admin-statistics-evaluation")

    visit(page, "/admin/casework/statistics/funnel/" + PERIOD)
    expect(page.locator("svg[role=img]")).to_have_count(2)
    expect(page.get_by_text("Sæt målene for et år")).to_have_count(0)  # the steering group only looks
    screenshot(page, "admin-statistics-funnel")

    visit(page, "/admin/casework/statistics/business-accounts/" + PERIOD)
    expect(page.locator(".stats-alert")).to_be_visible()
    expect(page.get_by_role("link", name="Åbn sagen")).to_have_count(0)
    screenshot(page, "admin-statistics-accounts")

    visit(page, "/admin/casework/statistics/break-even/" + PERIOD)
    expect(page.locator(".stats-formula").first).to_be_visible()
    screenshot(page, "admin-statistics-break-even")

    visit(page, "/admin/casework/statistics/budget/" + PERIOD)
    expect(page.locator("svg[role=img]")).to_have_count(1)
    screenshot(page, "admin-statistics-budget")
    assert "Amina" not in page.content()
