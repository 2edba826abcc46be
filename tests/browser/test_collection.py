"""Collection in a real browser: two loans in arrears have had reminder 1,
reminder 2 and the written notice (sent by the daily run). The coordinator
defers one loan's first instalment from the loan section (after the
decision), sees it paused on the collection screen, and hands the other
over to Gældsstyrelsen, downloading the file. axe runs on every page."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from backoffice.models import ClaimHandover, DecisionKind, Municipality, ScheduleChange
from backoffice.services import collection

from ..backoffice.test_loans import S, disburse, final_decision, granted_case, make_staff
from .conftest import assert_accessible, screenshot, visit
from .test_casework import _submit_and_wait
from .test_course_and_loan import _log_in

pytestmark = pytest.mark.browser
User = get_user_model()
FIRST_DUE = dt.date(2026, 2, 1)  # granted_case grants 14 January 2026, no grace: due monthly from 1 February


@pytest.fixture
def two_noticed_loans(demo_site):
    nordby = Municipality.objects.get(slug="nordby")
    coordinator = User.objects.get(email="koordinator@nordby.example")
    second, third = make_staff(nordby, name="anden"), make_staff(nordby, name="tredje")
    made = []
    for _ in range(2):
        case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                                  grace_months=0, repayment_months=3)
        disburse(loan, second, third, paid_on=dt.date(2026, 1, 14))
        made.append((case, loan))
    for days in (10, 24, 38):
        collection.run_collection(today=FIRST_DUE + dt.timedelta(days=days))
    deferred_case, _loan = made[0]
    final_decision(deferred_case, coordinator, kind=DecisionKind.DEFER_LOAN)
    return made


def test_deferral_and_handover(page, two_noticed_loans, tmp_path):
    (deferred_case, deferred_loan), (handed_case, handed_loan) = two_noticed_loans
    _log_in(page, "koordinator@nordby.example")

    # The loan section shows the three letters and the stage; defer the first instalment.
    visit(page, f"/admin/casework/{deferred_case.pk}/#loan-section")
    section = page.locator("#collection-section")
    expect(section).to_have_attribute("data-stage", "notice")
    expect(section.locator("tr[data-step]")).to_have_count(3)
    page.locator("#defer-form summary").click()
    form = page.locator("#defer-form form")
    form.locator("input[name=instalments]").first.check()
    until = timezone.localdate() + dt.timedelta(days=30)
    form.locator("input[name=until]").fill(until.isoformat())
    form.locator("textarea[name=reason]").fill("Sygdom i familien i to måneder.")
    assert_accessible(page)
    _submit_and_wait(page, form.locator("button[type=submit]"))
    expect(page.locator(".messages .success")).to_have_count(1)
    expect(page.locator("#schedule-changes tr[data-change=deferral]")).to_have_count(1)
    expect(page.locator("#schedule-changes del")).to_have_count(1)  # the replaced instalment, kept
    assert ScheduleChange.objects.get(loan=deferred_loan).deferred_until == until
    page.locator("#loan-section").scroll_into_view_if_needed()
    screenshot(page, "admin-loan-deferral")

    # The collection screen: the deferred loan is paused, the other is ready.
    visit(page, "/admin/casework/loans/collection/")
    deferred_row = page.locator(f"tr[data-loan='{deferred_loan.pk}']")
    expect(deferred_row).to_have_attribute("data-ready", "0")
    expect(page.locator(f"tr[data-loan='{handed_loan.pk}']")).to_have_attribute("data-ready", "1")
    screenshot(page, "admin-collection")
    page.locator(f"#hand-over-{handed_loan.pk}").check()
    with page.expect_download() as download_info:
        page.locator("#collection-handover button[type=submit]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(f"{handed_case.reference}.csv")
    path = tmp_path / "handover.csv"
    download.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("creditor_cvr,case_reference,claim_type,line,line_type,debtor_id_type")
    assert len(lines) == 1 + 3 + 3  # three instalments and three fees
    assert all(f",{handed_case.reference},MIKROLAAN," in line for line in lines[1:])
    assert ClaimHandover.objects.get(loan=handed_loan).status == ClaimHandover.Status.HANDED_OVER

    visit(page, "/admin/casework/loans/collection/")
    expect(page.locator(f"tr[data-loan='{handed_loan.pk}']")).to_have_attribute("data-stage", "handed_over")
    expect(page.locator("#collection-handovers tr[data-status=handed_over]")).to_have_count(1)
    screenshot(page, "admin-collection-handed-over")
