"""From admission to the first payout in a real browser: the coordinator
creates a cohort, enrols the admitted case and takes attendance; after the
course the loan is decided and recorded; the citizen registers the business
and its bank account with the bank's confirmation; staff verify it; one
coordinator asks for the payout and another approves it; the order to the
business's CVR NemKonto goes to the finance system as a file and its
confirmation comes back; the citizen sees the loan on My page. axe runs on
every page."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from backoffice import roles
from backoffice.models import Case, Cohort, Enrolment, Municipality, PaymentOrder, StaffMembership

from ..backoffice.de_minimis_setup import declare_no_other_aid
from ..backoffice.staff_cases import open_case
from ..files import pdf_bytes
from .conftest import assert_accessible, screenshot, visit
from .test_application import DEMO_PASSWORD
from .test_casework import _sign_in, _submit_and_wait

pytestmark = pytest.mark.browser
User = get_user_model()
S = Case.Status
VALID_CVR = "10150817"  # modulus 11


@pytest.fixture
def admitted_case(demo_site):
    nordby = Municipality.objects.get(slug="nordby")
    case = open_case(nordby, User.objects.get(email="borger@nordby.example"))
    Case.objects.filter(pk=case.pk).update(status=S.ADMITTED)
    return case


@pytest.fixture
def second_coordinator(demo_site):
    from django.contrib.auth.models import Group

    user = User.objects.create_user(username="koordinator2@nordby.example", email="koordinator2@nordby.example",
                                    password=DEMO_PASSWORD, first_name="Karin", last_name="Kontrol")
    user.groups.add(Group.objects.get(name=roles.ROLE_GROUP_NAMES[roles.COORDINATOR]))
    StaffMembership.objects.create(user=user, municipality=Municipality.objects.get(slug="nordby"))
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def citizen_page(browser, demo_site):
    context = browser.new_context(base_url=demo_site.url, viewport={"width": 390, "height": 844}, locale="da-DK")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _log_in(page, email):
    page.context.clear_cookies()
    visit(page, "/accounts/login/")
    _sign_in(page, email)


def _date(value):
    return value.isoformat()


def test_from_cohort_to_payout(page, citizen_page, admitted_case, second_coordinator, tmp_path):
    case = admitted_case
    today = timezone.localdate()
    _log_in(page, "koordinator@nordby.example")

    # A cohort that started last week, with yesterday's session.
    visit(page, "/admin/casework/cohorts/new/")
    page.locator("input[name=name]").fill("Hold forår")
    page.locator("input[name=starts_on]").fill(_date(today - dt.timedelta(days=7)))
    page.locator("input[name=ends_on]").fill(_date(today + dt.timedelta(days=150)))
    page.locator("input[name=place]").fill("Jobcentret, kursuslokale 1")
    screenshot(page, "admin-cohort-new")
    _submit_and_wait(page, page.locator("main form button[type=submit]").first)
    cohort = Cohort.objects.get(name="Hold forår")
    visit(page, f"/admin/casework/cohorts/{cohort.pk}/sessions/new/")
    page.locator("input[name=date]").fill(_date(today - dt.timedelta(days=1)))
    page.locator("input[name=start_time]").fill("09:00")
    page.locator("input[name=end_time]").fill("12:00")
    page.locator("input[name=title]").fill("Forretningsplanen")
    _submit_and_wait(page, page.locator("main form button[type=submit]").first)

    # Enrol the admitted case and take attendance.
    visit(page, f"/admin/casework/cohorts/{cohort.pk}/")
    page.locator("select[name=case]").select_option(str(case.pk))
    _submit_and_wait(page, page.locator(f"main form[action$='/cohorts/{cohort.pk}/enrol/'] button[type=submit]"))
    enrolment = Enrolment.objects.get(case=case)
    case.refresh_from_db()
    assert case.status == S.IN_COURSE and case.marked_from is not None
    _submit_and_wait(page, page.locator("a[href*='/attendance/']").first)
    page.locator(f"input[name=present-{enrolment.pk}]").check()
    _submit_and_wait(page, page.locator("main form button[type=submit]").first)
    assert enrolment.attendance.filter(present=True).count() == 1
    screenshot(page, "admin-cohort")

    # The course is completed.
    visit(page, f"/admin/casework/cohorts/{cohort.pk}/")
    end_form = page.locator(f"main form[action$='/enrolments/{enrolment.pk}/end/']").first
    end_form.locator("select[name=outcome]").select_option("completed")
    _submit_and_wait(page, end_form.locator("button[type=submit]"))
    case.refresh_from_db()
    assert case.status == S.COURSE_COMPLETED

    # The loan decision (fully granted: no consultation) and the loan's terms.
    visit(page, f"/admin/casework/{case.pk}/decisions/new/")
    page.locator("input[name=kind][value=grant_loan]").check()
    page.locator("textarea[name=reason]").fill("Lån på 40.000 kr. som søgt; forløbet er gennemført.")
    _submit_and_wait(page, page.locator("main form[action$='/decisions/new/'] button.button"))
    final = page.locator("main form[action$='/final/']")
    if final.locator("textarea[name=consultation_waived_reason]").count():
        final.locator("textarea[name=consultation_waived_reason]").fill(
            "Borgeren får det, der er søgt om; afgørelsen bygger ikke på nye oplysninger.")
    _submit_and_wait(page, final.locator("button[type=submit]"))
    case.refresh_from_db()
    assert case.status == S.LOAN_GRANTED
    declare_no_other_aid(case)  # the citizen's de minimis declaration (its own browser test: test_de_minimis)
    visit(page, f"/admin/casework/{case.pk}/")
    grant = page.locator("main form[action$='/loan/grant/']")
    grant.locator("input[name=amount]").fill("40000")
    _submit_and_wait(page, grant.locator("button[type=submit]"))
    assert case.loan.principal_ore == 40000 * 100

    # The citizen registers the business and its account, with the bank's confirmation.
    _log_in(citizen_page, "borger@nordby.example")
    visit(citizen_page, f"/my-page/cases/{case.reference}/business/")
    citizen_page.locator("input[name=name]").fill("Amina Syr ApS")
    citizen_page.locator("input[name=cvr_number]").fill(VALID_CVR)
    _submit_and_wait(citizen_page, citizen_page.locator(
        f"main form[action='/my-page/cases/{case.reference}/business/'] button[type=submit]"))
    proof = tmp_path / "Bekræftelse fra banken.pdf"
    proof.write_bytes(pdf_bytes())
    account = citizen_page.locator(f"main form[action='/my-page/cases/{case.reference}/business/account/']")
    account.locator("input[name=bank_name]").fill("Nordby Sparekasse")
    account.locator("input[name=requested_on]").fill(_date(today - dt.timedelta(days=20)))
    account.locator("input[name=opened_on]").fill(_date(today - dt.timedelta(days=2)))
    account.locator("input[name=registration_number]").fill("1234")
    account.locator("input[name=account_number]").fill("0012345678")
    account.locator("input[type=file]").set_input_files(str(proof))
    screenshot(citizen_page, "my-page-business")
    # Sent in the background with upload progress; the answer replaces the page.
    account.locator("button[type=submit]").click()
    expect(citizen_page.locator("main .alert--success").first).to_be_visible(timeout=20_000)
    assert_accessible(citizen_page)
    case.refresh_from_db()
    assert case.status == S.BUSINESS_SETUP and case.business.bank_account.proof_id is not None

    # Staff verify the account; one coordinator asks for the payout, another approves it.
    visit(page, f"/admin/casework/{case.pk}/")
    verify = page.locator("main form[action$='/business/verify/']")
    # The CVR register does not know this number: staff see it and confirm they checked.
    expect(verify.locator("[data-register-confirmation]")).to_be_visible()
    verify.locator("input[name=confirm_register_warnings]").check()
    _submit_and_wait(page, verify.locator("button[type=submit]"))
    case.business.bank_account.refresh_from_db()
    assert case.business.bank_account.verified_at is not None
    payout = page.locator("main form[action$='/loan/payouts/']")
    payout.locator("input[name=amount]").fill("40000")
    _submit_and_wait(page, payout.locator("button[type=submit]"))
    assert case.loan.disbursements.count() == 1, page.locator(".messages").inner_text()
    expect(page.locator("main form[action$='/approve/']")).to_have_count(0)  # not for the one who asked
    screenshot(page, "admin-case-loan")

    _log_in(page, second_coordinator.email)
    visit(page, f"/admin/casework/{case.pk}/")
    approve = page.locator("main form[action$='/approve/']")
    approve.locator("input[name=paid_on]").fill(_date(today))
    _submit_and_wait(page, approve.locator("button[type=submit]"))
    case.refresh_from_db()
    assert case.status == S.LOAN_DISBURSED

    # The approval made a payment order to the business's CVR NemKonto; the coordinator sends it to the
    # finance system as a file and uploads the finance system's confirmation.
    order = PaymentOrder.objects.get(disbursement__loan__case=case)
    assert (order.recipient_type, order.recipient_number, order.status) == ("cvr", VALID_CVR, "ready")
    visit(page, "/admin/casework/payments/")
    expect(page.locator(f"tr[data-order='{order.pk}'][data-status='ready']")).to_be_visible()
    _submit_and_wait(page, page.locator("main button[data-export]"))
    order.refresh_from_db()
    assert order.status == "exported"
    with page.expect_download() as download_info:
        page.locator(f"tr[data-batch='{order.batch_id}'] a[data-download]").click()
    exported = tmp_path / "orders.csv"
    download_info.value.save_as(exported)
    assert f"{order.pk};loan;CVR;{VALID_CVR};40000,00;" in exported.read_text(encoding="utf-8")
    screenshot(page, "admin-payment-orders")
    confirmation = tmp_path / "kvittering.csv"
    confirmation.write_text("order_id;status;booked_on;transaction_id;message\r\n"
                            f"{order.pk};paid;{today.isoformat()};OPUS-{order.pk};\r\n", encoding="utf-8")
    page.locator("main input[type=file][name=file]").set_input_files(str(confirmation))
    _submit_and_wait(page, page.locator("main button[data-import]"))
    order.refresh_from_db()
    assert (order.status, order.transaction_id) == ("confirmed", f"OPUS-{order.pk}")
    expect(page.locator(f"tr[data-order='{order.pk}']")).to_have_count(0)  # paid: no longer open
    screenshot(page, "admin-payment-orders-confirmed")
    visit(page, f"/admin/casework/{case.pk}/")
    expect(page.locator(f"[data-payment-order='{order.pk}'][data-order-status='confirmed']")).to_be_visible()

    # Monthly follow-ups for the first six months of the business.
    visit(page, f"/admin/casework/{case.pk}/follow-ups/plan/")
    page.locator("input[name=start]").fill(_date(today + dt.timedelta(days=14)))
    _submit_and_wait(page, page.locator("main form button[type=submit]").first)
    assert case.follow_ups.count() == 6

    # The citizen sees the loan, its repayment plan and the next follow-up on My page.
    visit(citizen_page, f"/my-page/cases/{case.reference}/")
    expect(citizen_page.locator("main")).to_contain_text(re.compile(r"40\.000"))
    screenshot(citizen_page, "my-page-loan-case")
    visit(citizen_page, f"/my-page/cases/{case.reference}/loan/")
    expect(citizen_page.locator("#schedule-heading")).to_be_visible()
    expect(citizen_page.locator("table.repayment-plan tbody tr")).to_have_count(case.loan.instalments.count())
    expect(citizen_page.locator("main")).to_contain_text("40.000,00 kr.")
    expect(citizen_page.locator(f"#payouts [data-paid-to='{VALID_CVR}']")).to_be_visible()
    expect(citizen_page.locator("#follow-up-heading")).to_be_visible()
    screenshot(citizen_page, "my-page-loan")
