"""The subsistence allowance: recorded only after a final grant decision,
months from the loan policy (never longer), whole months from the 1st; one
payment per granted month, never above the monthly amount; only the
coordinator's permissions in the own municipality; audit entries on the Case
with ids and months; the staff views; and the case page section without
queries of its own."""

import datetime as dt

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice.models import Allowance, AllowancePayment, Case, DecisionKind, LoanPolicy
from backoffice.services import allowance as allowance_services
from backoffice.services.allowance import (
    AllowanceRefused, approve_allowance_payment, cancel_allowance_payment, grant_allowance,
    request_allowance_payment,
)
from backoffice.services.transitions import StaleCase
from backoffice.views.case import CASE_PAGE_QUERYSET

from .test_loans import final_decision, make_case, make_staff, user

S = Case.Status
GRANT = DecisionKind.GRANT_ALLOWANCE
DECLINE = DecisionKind.DECLINE_ALLOWANCE
START = dt.date(2026, 1, 1)
PAID_ON = dt.date(2026, 1, 5)
MONTHLY = 1_200_000  # 12.000 kr.

# The case page's own queryset loads what the section needs.
SECTION_QUERYSET = CASE_PAGE_QUERYSET


def entries(case, action):
    return ModelLogEntry.objects.filter(content_type__model="case", object_id=str(case.pk), action=action)


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


@pytest.fixture
def decided(nordby, coordinator):
    """A case after the course with a final decision to grant the allowance."""
    case = make_case(nordby, status=S.LOAN_GRANTED)
    final_decision(case, coordinator, GRANT)
    return case


@pytest.fixture
def granted(decided, coordinator):
    allowance = grant_allowance(decided, coordinator, monthly_amount_ore=MONTHLY, starts_on=START)
    return decided, allowance


# --- Grant ---------------------------------------------------------------------------------------


def test_grant_records_allowance_linked_to_decision_with_policy_months(decided, coordinator, nordby):
    LoanPolicy.objects.filter(municipality=nordby).update(allowance_months=4)
    version = decided.version
    allowance = grant_allowance(decided, coordinator, monthly_amount_ore=MONTHLY, starts_on=START,
                                expected_version=version)
    saved = Allowance.objects.get(case=decided)
    assert saved.pk == allowance.pk
    assert (saved.monthly_amount_ore, saved.months, saved.starts_on) == (MONTHLY, 4, START)
    assert saved.decision == decided.decisions.get(kind=GRANT)
    decided.refresh_from_db()
    assert decided.version == version + 1
    [entry] = entries(decided, allowance_services.ALLOWANCE_GRANTED_ACTION)
    assert entry.user_id == coordinator.pk
    assert entry.data == {"reference": decided.reference, "allowance": saved.pk, "decision": saved.decision_id,
                          "months": 4, "starts_on": "2026-01-01"}


def test_months_default_to_six_without_a_policy(decided, coordinator, nordby):
    LoanPolicy.objects.filter(municipality=nordby).delete()
    allowance = grant_allowance(decided, coordinator, monthly_amount_ore=MONTHLY, starts_on=START)
    assert allowance.months == 6


def test_fewer_months_allowed_more_than_policy_refused(decided, coordinator, nordby):
    months = nordby.loan_policy.allowance_months
    with pytest.raises(AllowanceRefused) as refused:
        grant_allowance(decided, coordinator, monthly_amount_ore=MONTHLY, months=months + 1, starts_on=START)
    assert refused.value.code == "months"
    with pytest.raises(AllowanceRefused):
        grant_allowance(decided, coordinator, monthly_amount_ore=MONTHLY, months=0, starts_on=START)
    assert grant_allowance(decided, coordinator, monthly_amount_ore=MONTHLY, months=2, starts_on=START).months == 2


def test_grant_requires_a_final_grant_decision(nordby, coordinator):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    with pytest.raises(AllowanceRefused) as refused:
        grant_allowance(case, coordinator, monthly_amount_ore=MONTHLY, starts_on=START)
    assert refused.value.code == "decision_required"
    # A grant decision still in draft does not count.
    case.decisions.create(kind=GRANT, fully_granted=True)
    with pytest.raises(AllowanceRefused):
        grant_allowance(case, coordinator, monthly_amount_ore=MONTHLY, starts_on=START)
    assert not Allowance.objects.filter(case=case).exists()
    assert not entries(case, allowance_services.ALLOWANCE_GRANTED_ACTION).exists()


def test_a_later_decline_wins_over_an_earlier_grant(decided, coordinator):
    decline = final_decision(decided, coordinator, DECLINE)
    decline.decided_at = timezone.now() + dt.timedelta(minutes=1)
    decline.save()
    with pytest.raises(AllowanceRefused) as refused:
        grant_allowance(decided, coordinator, monthly_amount_ore=MONTHLY, starts_on=START)
    assert refused.value.code == "decision_required"


def test_loan_decision_is_not_an_allowance_decision(nordby, coordinator):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    final_decision(case, coordinator, DecisionKind.GRANT_LOAN)
    with pytest.raises(AllowanceRefused):
        grant_allowance(case, coordinator, monthly_amount_ore=MONTHLY, starts_on=START)


@pytest.mark.parametrize("starts_on", [dt.date(2026, 1, 2), dt.date(2026, 1, 31), "2026-01-01", None])
def test_first_month_must_be_the_first_of_a_month(decided, coordinator, starts_on):
    with pytest.raises(AllowanceRefused) as refused:
        grant_allowance(decided, coordinator, monthly_amount_ore=MONTHLY, starts_on=starts_on)
    assert refused.value.code == "starts_on"


@pytest.mark.parametrize("amount", [0, -1, "1000", 1.5, True])
def test_monthly_amount_must_be_positive_whole_ore(decided, coordinator, amount):
    with pytest.raises(AllowanceRefused):
        grant_allowance(decided, coordinator, monthly_amount_ore=amount, starts_on=START)


def test_only_one_allowance_per_case(granted, coordinator):
    case, _ = granted
    with pytest.raises(AllowanceRefused) as refused:
        grant_allowance(case, coordinator, monthly_amount_ore=MONTHLY, starts_on=START)
    assert refused.value.code == "exists"


@pytest.mark.parametrize("status", [S.SUBMITTED, S.IN_COURSE, S.CLOSED, S.LOAN_DECLINED])
def test_grant_refused_in_wrong_status(nordby, coordinator, status):
    case = make_case(nordby, status=status)
    final_decision(case, coordinator, GRANT)
    with pytest.raises(AllowanceRefused) as refused:
        grant_allowance(case, coordinator, monthly_amount_ore=MONTHLY, starts_on=START)
    assert refused.value.code == "wrong_status"


@pytest.mark.parametrize("email", ["sagsbehandler@nordby.example", "erhvervskonsulent@nordby.example",
                                   "koordinator@sydby.example", "borger@nordby.example"])
def test_grant_permission(decided, email):
    with pytest.raises(PermissionDenied):
        grant_allowance(decided, user(email), monthly_amount_ore=MONTHLY, starts_on=START)
    assert not Allowance.objects.filter(case=decided).exists()


def test_grant_on_a_stale_page_is_refused(decided, coordinator):
    with pytest.raises(StaleCase):
        grant_allowance(decided, coordinator, monthly_amount_ore=MONTHLY, starts_on=START,
                        expected_version=decided.version - 1)
    assert not Allowance.objects.filter(case=decided).exists()


# --- Payments (four eyes) ------------------------------------------------------------------------


@pytest.fixture
def second(nordby):
    return make_staff(nordby, name="bogholder")


@pytest.fixture
def third(nordby):
    return make_staff(nordby, name="afdelingsleder")


def pay(allowance, requester, approver, month=START, amount_ore=MONTHLY, paid_on=PAID_ON):
    payment = request_allowance_payment(allowance, requester, month=month, amount_ore=amount_ore)
    return approve_allowance_payment(payment, approver, paid_on=paid_on)


def test_request_then_approve_by_another_person(granted, second, third):
    case, allowance = granted
    version = Case.objects.get(pk=case.pk).version
    payment = request_allowance_payment(allowance, second, month=START, amount_ore=MONTHLY,
                                        expected_version=version)
    saved = AllowancePayment.objects.get(pk=payment.pk)
    assert (saved.month, saved.amount_ore, saved.recorded_by_id, saved.paid_on, saved.approved_by_id) == (
        START, MONTHLY, second.pk, None, None)
    assert allowance_services.totals(Allowance.objects.get(pk=allowance.pk)).paid_ore == 0  # not paid yet
    [entry] = entries(case, allowance_services.ALLOWANCE_PAYMENT_ACTION)
    assert entry.user_id == second.pk
    assert entry.data == {"reference": case.reference, "allowance": allowance.pk, "payment": saved.pk,
                          "month": "2026-01"}
    approve_allowance_payment(saved, third, paid_on=PAID_ON, expected_version=version + 1)
    saved.refresh_from_db()
    assert (saved.approved_by_id, saved.paid_on, saved.is_approved) == (third.pk, PAID_ON, True)
    assert Case.objects.get(pk=case.pk).version == version + 2
    [approved] = entries(case, allowance_services.ALLOWANCE_PAYMENT_APPROVED_ACTION)
    assert approved.user_id == third.pk and approved.data["paid_on"] == "2026-01-05"
    assert allowance_services.totals(Allowance.objects.get(pk=allowance.pk)).paid_ore == MONTHLY
    with pytest.raises(StaleCase):  # approved already
        approve_allowance_payment(saved, third, paid_on=PAID_ON)


def test_four_eyes_neither_the_requester_nor_the_granter_may_approve(granted, coordinator, second):
    case, allowance = granted
    assert Allowance.objects.get(pk=allowance.pk).granted_by == coordinator
    payment = request_allowance_payment(allowance, second, month=START, amount_ore=MONTHLY)
    for person in (second, coordinator):  # the requester, the granter
        with pytest.raises(AllowanceRefused) as refused:
            approve_allowance_payment(payment, person, paid_on=PAID_ON)
        assert refused.value.code == "four_eyes" and "fire øjne" in str(refused.value.message)
    # The granter may ask for it; the requester (not the granter) may then approve.
    other = request_allowance_payment(allowance, coordinator, month=dt.date(2026, 2, 1), amount_ore=MONTHLY)
    approve_allowance_payment(other, second, paid_on=PAID_ON)
    assert not AllowancePayment.objects.get(pk=payment.pk).is_approved
    assert not entries(case, allowance_services.ALLOWANCE_PAYMENT_APPROVED_ACTION).filter(
        data__payment=payment.pk).exists()


def test_database_refuses_self_approval_and_approval_without_a_date(granted, second):
    from django.db import IntegrityError, transaction

    _, allowance = granted
    payment = request_allowance_payment(allowance, second, month=START, amount_ore=MONTHLY)
    with pytest.raises(IntegrityError), transaction.atomic():
        AllowancePayment.objects.filter(pk=payment.pk).update(approved_by=second, approved_at=timezone.now(),
                                                              paid_on=PAID_ON)
    with pytest.raises(IntegrityError), transaction.atomic():
        AllowancePayment.objects.filter(pk=payment.pk).update(approved_by=user("koordinator@nordby.example"),
                                                              approved_at=timezone.now())


def test_cancel_a_request_frees_the_month(granted, second, third):
    case, allowance = granted
    payment = request_allowance_payment(allowance, second, month=START, amount_ore=1000)
    cancel_allowance_payment(payment, third)
    assert not AllowancePayment.objects.exists()
    assert entries(case, allowance_services.ALLOWANCE_PAYMENT_CANCELLED_ACTION).get().data["month"] == "2026-01"
    approved = pay(allowance, second, third)
    with pytest.raises(AllowanceRefused) as refused:
        cancel_allowance_payment(approved, second)
    assert refused.value.code == "approved"


def test_a_payment_recorded_as_paid_before_four_eyes_can_be_approved_but_not_cancelled(granted, second, third):
    case, allowance = granted
    # As the single-person recording left it: paid, nobody approved.
    earlier = AllowancePayment.objects.create(allowance=allowance, month=START, amount_ore=MONTHLY,
                                              paid_on=START, recorded_by=second)
    with pytest.raises(AllowanceRefused) as refused:
        cancel_allowance_payment(earlier, third)
    assert refused.value.code == "paid" and AllowancePayment.objects.filter(pk=earlier.pk).exists()
    approve_allowance_payment(earlier, third, paid_on=START)
    earlier.refresh_from_db()
    assert earlier.is_approved and earlier.approved_by == third


def test_one_payment_per_month(granted, second, third):
    case, allowance = granted
    pay(allowance, second, third, amount_ore=1000)
    with pytest.raises(AllowanceRefused) as refused:
        request_allowance_payment(allowance, second, month=START, amount_ore=1000)
    assert refused.value.code == "already_paid"
    assert "allerede registreret" in str(refused.value.message)
    assert AllowancePayment.objects.filter(allowance=allowance).count() == 1
    assert entries(case, allowance_services.ALLOWANCE_PAYMENT_ACTION).count() == 1


def test_amount_cannot_exceed_monthly_amount(granted, second):
    _, allowance = granted
    with pytest.raises(AllowanceRefused) as refused:
        request_allowance_payment(allowance, second, month=START, amount_ore=MONTHLY + 1)
    assert refused.value.code == "amount_cap"
    assert "12.000,00" in str(refused.value.message)
    with pytest.raises(AllowanceRefused):
        request_allowance_payment(allowance, second, month=START, amount_ore=0)
    assert not AllowancePayment.objects.exists()


@pytest.mark.parametrize("month", [dt.date(2025, 12, 1), dt.date(2026, 7, 1)])
def test_month_must_be_within_granted_months(granted, second, month):
    _, allowance = granted  # six months: January to June 2026
    with pytest.raises(AllowanceRefused) as refused:
        request_allowance_payment(allowance, second, month=month, amount_ore=MONTHLY)
    assert refused.value.code == "month_outside"


def test_last_granted_month_can_be_paid(granted, second, third):
    _, allowance = granted
    assert pay(allowance, second, third, month=dt.date(2026, 6, 1), paid_on=dt.date(2026, 6, 3)).is_approved


def test_month_must_be_first_of_month(granted, second):
    _, allowance = granted
    with pytest.raises(AllowanceRefused) as refused:
        request_allowance_payment(allowance, second, month=dt.date(2026, 2, 15), amount_ore=MONTHLY)
    assert refused.value.code == "month"


def test_paid_on_cannot_be_in_the_future(granted, second, third):
    _, allowance = granted
    payment = request_allowance_payment(allowance, second, month=START, amount_ore=MONTHLY)
    with pytest.raises(AllowanceRefused) as refused:
        approve_allowance_payment(payment, third, paid_on=timezone.localdate() + dt.timedelta(days=1))
    assert refused.value.code == "paid_on"
    assert not AllowancePayment.objects.get(pk=payment.pk).is_approved


@pytest.mark.parametrize("email", ["sagsbehandler@nordby.example", "erhvervskonsulent@nordby.example",
                                   "koordinator@sydby.example", "borger@nordby.example"])
def test_payment_permission(granted, second, email):
    _, allowance = granted
    with pytest.raises(PermissionDenied):
        request_allowance_payment(allowance, user(email), month=START, amount_ore=MONTHLY)
    assert not AllowancePayment.objects.exists()
    payment = request_allowance_payment(allowance, second, month=START, amount_ore=MONTHLY)
    with pytest.raises(PermissionDenied):
        approve_allowance_payment(payment, user(email), paid_on=PAID_ON)
    with pytest.raises(PermissionDenied):
        cancel_allowance_payment(payment, user(email))
    assert not AllowancePayment.objects.get(pk=payment.pk).is_approved


def test_payment_on_a_stale_page_is_refused(granted, second):
    case, allowance = granted
    with pytest.raises(StaleCase):
        request_allowance_payment(allowance, second, month=START, amount_ore=MONTHLY, expected_version=1)
    assert not AllowancePayment.objects.exists()


def test_totals_count_only_approved_payments(granted, second, third):
    _, allowance = granted
    pay(allowance, second, third)
    pay(allowance, second, third, month=dt.date(2026, 3, 1), amount_ore=500_000, paid_on=dt.date(2026, 3, 2))
    request_allowance_payment(allowance, second, month=dt.date(2026, 4, 1), amount_ore=MONTHLY)  # waiting
    totals = allowance_services.totals(Allowance.objects.get(pk=allowance.pk))
    assert totals.granted_ore == 6 * MONTHLY
    assert totals.paid_ore == MONTHLY + 500_000
    assert (totals.months_paid, totals.months_left) == (2, 4)
    assert totals.left_ore == 6 * MONTHLY - MONTHLY - 500_000


# --- Views ---------------------------------------------------------------------------------------

FORBIDDEN = ["sagsbehandler@nordby.example", "erhvervskonsulent@nordby.example", "styregruppe@nordby.example",
             "redaktoer@nordby.example", "sagsbehandler@sydby.example"]


def outcome(response):
    """Wagtail answers PermissionDenied in the admin with a redirect home."""
    if response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"):
        return "denied"
    return response.status_code


def case_location(case):
    return reverse("backoffice:case", args=[case.pk]) + "#allowance-section"


def grant_post(client, case, **data):
    return client.post(reverse("backoffice:allowance_grant", args=[case.pk]), {
        "version": Case.objects.get(pk=case.pk).version, "monthly_amount": "12.000", "months": "3",
        "starts_on": "2026-02", **data})


def payment_post(client, case, **data):
    return client.post(reverse("backoffice:allowance_payment", args=[case.pk]), {
        "version": Case.objects.get(pk=case.pk).version, "month": "2026-01-01", "amount": "12.000,00", **data})


def approve_post(client, case, payment, **data):
    return payment_post(client, case, action="approve", payment=payment.pk, paid_on="2026-01-05", **data)


def test_grant_view(client, decided, coordinator):
    client.force_login(coordinator)
    response = grant_post(client, decided)
    assert response.status_code == 302 and response["Location"] == case_location(decided)
    allowance = Allowance.objects.get(case=decided)
    assert (allowance.monthly_amount_ore, allowance.months, allowance.starts_on) == (MONTHLY, 3, dt.date(2026, 2, 1))


def test_grant_view_shows_refusal_and_saves_nothing(client, nordby, coordinator):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    client.force_login(coordinator)
    response = grant_post(client, case)
    assert response.status_code == 302
    assert not Allowance.objects.filter(case=case).exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Træf først afgørelsen om at bevilge tilskud til forsørgelse" in m for m in messages)


def test_grant_view_stale_version(client, decided, coordinator):
    client.force_login(coordinator)
    response = grant_post(client, decided, version=decided.version - 1)
    assert response.status_code == 302
    assert not Allowance.objects.filter(case=decided).exists()
    assert [m.level_tag for m in response.wsgi_request._messages] == ["error"]


def test_grant_view_form_errors(client, decided, coordinator):
    client.force_login(coordinator)
    response = grant_post(client, decided, monthly_amount="tolv", starts_on="februar")
    assert response.status_code == 302
    assert not Allowance.objects.filter(case=decided).exists()
    assert len([m for m in response.wsgi_request._messages if m.level_tag == "error"]) == 2


def test_payment_view_request_approve_and_cancel(client, granted, coordinator, second, third):
    case, allowance = granted
    client.force_login(second)
    response = payment_post(client, case)
    assert response.status_code == 302 and response["Location"] == case_location(case)
    payment = AllowancePayment.objects.get(allowance=allowance)
    assert (payment.month, payment.amount_ore, payment.paid_on, payment.approved_by) == (START, MONTHLY, None, None)
    assert any("En anden person skal godkende" in str(m) for m in response.wsgi_request._messages)
    # A second request for the month is refused with a message, nothing saved.
    response = payment_post(client, case)
    assert AllowancePayment.objects.filter(allowance=allowance).count() == 1
    assert any("allerede registreret" in str(m) for m in response.wsgi_request._messages)
    # The requester cannot approve; the granter neither; a third person can.
    for person in (second, coordinator):
        client.force_login(person)
        response = approve_post(client, case, payment)
        assert any("fire øjne" in str(m) for m in response.wsgi_request._messages)
        assert not AllowancePayment.objects.get(pk=payment.pk).is_approved
    client.force_login(third)
    response = approve_post(client, case, payment)
    assert response["Location"] == case_location(case)
    payment.refresh_from_db()
    assert payment.approved_by == third and payment.paid_on == PAID_ON
    other = request_allowance_payment(allowance, second, month=dt.date(2026, 2, 1), amount_ore=MONTHLY)
    payment_post(client, case, action="cancel", payment=other.pk)
    assert not AllowancePayment.objects.filter(pk=other.pk).exists()


def test_payment_view_unknown_action_or_payment_is_404(client, granted, second, sydby):
    case, allowance = granted
    client.force_login(second)
    assert payment_post(client, case, action="delete").status_code == 404
    assert payment_post(client, case, action="approve", payment=999999, paid_on="2026-01-05").status_code == 404


def test_payment_view_accepts_a_month_picker_value(client, granted, second):
    case, allowance = granted
    client.force_login(second)
    payment_post(client, case, month="2026-02")
    assert AllowancePayment.objects.get(allowance=allowance).month == dt.date(2026, 2, 1)


def test_payment_view_without_allowance_is_404(client, decided, coordinator):
    client.force_login(coordinator)
    assert payment_post(client, decided).status_code == 404


@pytest.mark.parametrize("email", FORBIDDEN)
def test_views_refused_for_roles_without_permission(client, granted, second, email):
    case, allowance = granted
    payment = request_allowance_payment(allowance, second, month=dt.date(2026, 2, 1), amount_ore=MONTHLY)
    client.force_login(user(email))
    assert outcome(payment_post(client, case)) == "denied"
    assert outcome(approve_post(client, case, payment)) == "denied"
    assert outcome(grant_post(client, case)) == "denied"
    assert AllowancePayment.objects.get() == payment and not payment.is_approved


def test_views_other_municipality_is_404(client, granted, second):
    case, allowance = granted
    payment = request_allowance_payment(allowance, second, month=dt.date(2026, 2, 1), amount_ore=MONTHLY)
    client.force_login(user("koordinator@sydby.example"))
    assert payment_post(client, case).status_code == 404
    assert approve_post(client, case, payment).status_code == 404
    assert payment_post(client, case, action="cancel", payment=payment.pk).status_code == 404
    assert grant_post(client, case).status_code == 404
    assert AllowancePayment.objects.get() == payment and not AllowancePayment.objects.get().is_approved


@pytest.mark.parametrize("post", [payment_post, grant_post])
def test_views_citizen_and_visitor_not_let_in(client, granted, post):
    case, _ = granted
    response = post(client, case)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(user("borger@nordby.example"))
    response = post(client, case)
    assert response.status_code == 302 and "/casework/" not in response["Location"]
    assert not AllowancePayment.objects.exists()
    assert Allowance.objects.filter(case=case).count() == 1


def test_views_only_post(client, granted, coordinator):
    case, _ = granted
    client.force_login(coordinator)
    assert client.get(reverse("backoffice:allowance_payment", args=[case.pk])).status_code == 405
    assert client.get(reverse("backoffice:allowance_grant", args=[case.pk])).status_code == 405


# --- Case page section ---------------------------------------------------------------------------


def render_section(case, staff, django_assert_num_queries):
    from django.test import RequestFactory

    staff.has_perm("backoffice.manage_loan")  # fills the permission cache, as the case page has
    request = RequestFactory().get("/")
    request.user = staff
    with django_assert_num_queries(0):
        return render_to_string("backoffice/case/_allowance.html", {
            "case": case, "allowance_section": allowance_services.section(case), "perms": PermWrapper(staff),
            "request": request})


def test_section_with_payments_runs_no_queries(granted, coordinator, second, third, django_assert_num_queries):
    case, allowance = granted
    for month in (START, dt.date(2026, 2, 1)):
        pay(allowance, second, third, month=month)
    waiting = request_allowance_payment(allowance, second, month=dt.date(2026, 3, 1), amount_ore=MONTHLY)
    case = SECTION_QUERYSET.get(pk=case.pk)
    html = render_section(case, third, django_assert_num_queries)
    assert html.count("<tr>") == 1 + 6  # header and the six granted months
    assert "24.000,00" in html and "72.000,00" in html  # only the approved payments count as paid
    assert reverse("backoffice:allowance_payment", args=[case.pk]) in html
    assert 'value="2026-04-01"' in html and 'value="2026-01-01"' not in html  # only months not asked for
    assert f'name="payment" value="{waiting.pk}"' in html and 'value="approve"' in html
    # The requester and the granter are not offered the approval.
    for person in (second, coordinator):
        assert 'value="approve"' not in render_section(case, person, django_assert_num_queries)


def test_section_offers_grant_form_after_decision(decided, coordinator, nordby, django_assert_num_queries):
    case = SECTION_QUERYSET.get(pk=decided.pk)
    html = render_section(case, coordinator, django_assert_num_queries)
    assert reverse("backoffice:allowance_grant", args=[case.pk]) in html
    assert f'value="{nordby.loan_policy.allowance_months}"' in html


def test_section_without_decision_or_permission_has_no_forms(nordby, decided, granted,
                                                             django_assert_num_queries):
    case = SECTION_QUERYSET.get(pk=make_case(nordby, status=S.LOAN_GRANTED).pk)
    html = render_section(case, user("koordinator@nordby.example"), django_assert_num_queries)
    assert "<form" not in html
    caseworker = user("sagsbehandler@nordby.example")
    for shown in (decided, granted[0]):
        html = render_section(SECTION_QUERYSET.get(pk=shown.pk), caseworker, django_assert_num_queries)
        assert "<form" not in html


def test_section_in_danish(granted, coordinator, django_assert_num_queries):
    from django.utils import translation

    case = SECTION_QUERYSET.get(pk=granted[0].pk)
    with translation.override("da"):
        html = render_section(case, coordinator, django_assert_num_queries)
    assert "Tilskud til forsørgelse" in html and "Måneder tilbage" in html and "januar 2026" in html
