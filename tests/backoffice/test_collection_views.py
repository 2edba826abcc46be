"""The collection screens for staff: the coordinator hands ready claims
over in one CSV file, defers, reschedules and records the claim's status
from the loan section; other roles are refused (403), another
municipality's coordinator gets 404; the stage shows on the case page, the
dashboard's arrears panel, and the budget statistics with its CSV."""

import datetime as dt

import pytest
from django.urls import reverse

from backoffice import panels
from backoffice.models import AccessLogEntry, ClaimHandover, CollectionStep, DecisionKind, ScheduleChange
from backoffice.services import collection

from .test_collection import day, in_arrears, run  # noqa: F401 (fixture)
from .test_loan_views import outcome
from .test_loans import coordinator, final_decision, second, third, user  # noqa: F401 (fixtures)

FORBIDDEN = ["sagsbehandler@nordby.example", "erhvervskonsulent@nordby.example", "styregruppe@nordby.example"]
HIDDEN = "koordinator@sydby.example"


@pytest.fixture
def noticed(in_arrears):
    """The loan after reminder 1, reminder 2 and the notice, whose deadline
    (25 March 2026) has passed: ready for handover."""
    for n in (10, 24, 38):
        run(day(n))
    return in_arrears


def test_collection_screen_lists_the_stage_and_hands_over(client, noticed, coordinator):
    case, loan = noticed
    client.force_login(coordinator)
    page = client.get(reverse("backoffice:collection")).content.decode()
    assert f'data-loan="{loan.pk}" data-stage="notice" data-ready="1"' in page
    response = client.post(reverse("backoffice:collection"), {"loan": [loan.pk]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("creditor_cvr,case_reference,claim_type")
    assert f"{case.reference},MIKROLAAN,1,instalment,CPR,0101901234,13333.33" in text
    assert ClaimHandover.objects.get(loan=loan).handed_over_by == coordinator
    assert AccessLogEntry.objects.filter(case=case, action=AccessLogEntry.Action.EXPORT).count() == 1
    page = client.get(reverse("backoffice:collection")).content.decode()
    assert f'data-loan="{loan.pk}" data-stage="handed_over" data-ready="0"' in page
    # Twice is refused: nothing new is recorded.
    response = client.post(reverse("backoffice:collection"), {"loan": [loan.pk]})
    assert response.status_code == 302 and ClaimHandover.objects.filter(loan=loan).count() == 1


@pytest.mark.parametrize("email", FORBIDDEN)
def test_collection_screen_is_refused_without_the_permission(client, noticed, email):
    _case, loan = noticed
    client.force_login(user(email))
    assert outcome(client.get(reverse("backoffice:collection"))) == "denied"
    assert outcome(client.post(reverse("backoffice:collection"), {"loan": [loan.pk]})) == "denied"
    assert not ClaimHandover.objects.exists()


def test_another_municipality_sees_nothing_and_gets_404(client, noticed, coordinator):
    case, loan = noticed
    client.force_login(user(HIDDEN))
    assert f'data-loan="{loan.pk}"' not in client.get(reverse("backoffice:collection")).content.decode()
    assert client.post(reverse("backoffice:collection"), {"loan": [loan.pk]}).status_code == 404
    [handover] = collection.hand_over([loan], coordinator, today=day(53))
    assert client.get(reverse("backoffice:loan_claim_file", args=[case.pk, handover.pk])).status_code == 404
    assert client.post(reverse("backoffice:loan_claim_status", args=[case.pk, handover.pk]),
                       {"version": case.version, "status": "accepted", "on": day(60).isoformat()}).status_code == 404
    assert not AccessLogEntry.objects.filter(case=case, action=AccessLogEntry.Action.EXPORT).exists()


def _deferral_post(case, loan, decision):
    first = loan.instalments.order_by("due_on").first()
    return reverse("backoffice:loan_defer", args=[case.pk]), {
        "version": case.version, "decision": decision.pk, "instalments": [first.pk],
        "until": (dt.date.today() + dt.timedelta(days=40)).isoformat(), "reason": "Sygdom"}


@pytest.mark.parametrize(("email", "expected"), [("koordinator@nordby.example", 302),
                                                 *[(e, "denied") for e in FORBIDDEN], (HIDDEN, 404)])
def test_deferral_view_matrix(client, noticed, coordinator, email, expected):
    case, loan = noticed
    decision = final_decision(case, coordinator, kind=DecisionKind.DEFER_LOAN)
    case.refresh_from_db()
    client.force_login(user(email))
    url, data = _deferral_post(case, loan, decision)
    response = client.post(url, data)
    assert outcome(response) == expected
    assert ScheduleChange.objects.filter(loan=loan).exists() == (expected == 302)
    if expected == 302:
        assert response["Location"].endswith("#loan-section")


@pytest.mark.parametrize(("email", "expected"), [("koordinator@nordby.example", 302),
                                                 ("sagsbehandler@nordby.example", "denied"), (HIDDEN, 404)])
def test_reschedule_view_matrix(client, noticed, coordinator, email, expected):
    case, loan = noticed
    decision = final_decision(case, coordinator, kind=DecisionKind.RESCHEDULE_LOAN)
    case.refresh_from_db()
    client.force_login(user(email))
    response = client.post(reverse("backoffice:loan_reschedule", args=[case.pk]), {
        "version": case.version, "decision": decision.pk, "months": 12, "reason": "Ny plan",
        "first_due_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()})
    assert outcome(response) == expected
    assert ScheduleChange.objects.filter(loan=loan, kind="rescheduling").exists() == (expected == 302)


def test_case_page_shows_the_collection_and_the_forms(client, noticed, coordinator):
    case, loan = noticed
    final_decision(case, coordinator, kind=DecisionKind.DEFER_LOAN)
    client.force_login(coordinator)
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert 'id="collection-section" aria-labelledby="collection-heading" data-stage="notice"' in page
    assert page.count('data-step="') == 3
    assert 'id="defer-form"' in page and 'id="reschedule-form"' in page
    assert reverse("backoffice:collection") in page  # ready for handover
    client.force_login(user("sagsbehandler@nordby.example"))
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert 'id="collection-section"' in page and 'id="defer-form"' not in page


def test_claim_status_through_the_form(client, noticed, coordinator):
    case, loan = noticed
    [handover] = collection.hand_over([loan], coordinator, today=day(53))
    case.refresh_from_db()
    client.force_login(coordinator)
    response = client.post(reverse("backoffice:loan_claim_status", args=[case.pk, handover.pk]),
                           {"version": case.version, "status": "accepted", "on": day(60).isoformat()})
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.status == ClaimHandover.Status.ACCEPTED
    file = client.get(reverse("backoffice:loan_claim_file", args=[case.pk, handover.pk]))
    assert file.status_code == 200 and b"MIKROLAAN" in file.content


def test_dashboard_panel_shows_the_stage_in_constant_queries(noticed, coordinator, django_assert_num_queries):
    _case, loan = noticed
    with django_assert_num_queries(2):
        _buckets, rows, _total = panels.arrears_overview(coordinator)
    [row] = [r for r in rows if r.pk == loan.pk]
    assert row.collection_stage == CollectionStep.Kind.NOTICE and not row.handed_over
    assert row.stage_label == collection.STAGE_LABELS[CollectionStep.Kind.NOTICE]


def test_budget_statistics_count_collection(client, noticed, coordinator):
    _case, loan = noticed
    collection.hand_over([loan], coordinator, today=day(53))
    client.force_login(coordinator)
    period = {"start": "2026-01-01", "end": "2026-12-31"}
    page = client.get(reverse("backoffice:statistics_budget"), period).content.decode()
    assert 'data-collection="reminders"' in page
    text = client.get(reverse("backoffice:statistics_budget"), {**period, "export": "csv"}).content.decode(
        "utf-8-sig")
    # The collection table follows the budget after an empty line: reminders, notices, claims handed
    # over, their amount (principal 40.000 kr. and three fees of 100 kr.), deferrals, new plans.
    lines = text.splitlines()
    table = lines[lines.index("") + 2:]
    assert [line.rsplit(",", 1)[1] for line in table] == ["2", "1", "1", "40300.00", "0", "0"]


def test_the_loan_policy_form_has_the_collection_fields(client, nordby, coordinator):
    from backoffice.models import LoanPolicy

    policy = LoanPolicy.objects.get(municipality=nordby)
    client.force_login(coordinator)
    html = client.get(reverse("loan_policy:edit", args=[policy.pk])).content.decode()
    for name in ("reminder_1_days", "reminder_2_days", "notice_days", "notice_deadline_days",
                 "reminder_spacing_days", "reminder_fee_dkk", "max_reminder_fees", "claim_type_code",
                 "debtor_is_business"):
        assert f'name="{name}"' in html
    assert (policy.reminder_fee_dkk, policy.reminder_spacing_days, policy.max_reminder_fees) == (100, 10, 3)
