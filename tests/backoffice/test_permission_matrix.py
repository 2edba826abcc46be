"""Every backoffice page × every role, in the case's own municipality and in
the other one, plus a citizen and an anonymous visitor.

Own municipality: the roles named for the page get it (200); other roles are
refused (Wagtail's redirect with a message, 403, or 404 where the role sees
no cases at all). Another municipality's staff get 404 on every page of a
case: they learn nothing, not even that the case exists. Citizens and
anonymous visitors never get into the admin."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.models import BudgetLine, Case, Cohort, Decision, Expense, ScreeningTalk, YearlyTarget

from .staff_cases import add_document, open_case, staff

CASEWORKER, CONSULTANT, COORDINATOR, EDITOR, STEERING = (
    "sagsbehandler", "erhvervskonsulent", "koordinator", "redaktoer", "styregruppe")
ROLES = (CASEWORKER, CONSULTANT, COORDINATOR, EDITOR, STEERING)
CASE_WORK = {CASEWORKER, CONSULTANT, COORDINATOR}
STATISTICS = {COORDINATOR, STEERING}
REFUSED = {302, 403, 404}

# name: (url builder, roles of the own municipality that get the page, bound to a case?)
PAGES = {
    "queue": (lambda o: "/admin/cases/", CASE_WORK, False),
    "find_by_cpr": (lambda o: reverse("backoffice:find_by_cpr"), CASE_WORK, False),
    "audit_staff": (lambda o: reverse("backoffice:audit_staff"), {COORDINATOR}, False),
    "audit_user": (lambda o: reverse("backoffice:audit_user", args=[o["caseworker"].pk]), {COORDINATOR}, True),
    "case": (lambda o: reverse("backoffice:case", args=[o["case"].pk]), CASE_WORK, True),
    "case_log": (lambda o: reverse("backoffice:case_log", args=[o["case"].pk]), {COORDINATOR}, True),
    "document": (lambda o: reverse("backoffice:document", args=[o["case"].pk, o["document"].pk]),
                 CASE_WORK, True),
    "document_preview": (lambda o: reverse("backoffice:document_preview",
                                           args=[o["case"].pk, o["document"].pk]), CASE_WORK, True),
    "document_inline": (lambda o: reverse("backoffice:document_inline",
                                          args=[o["case"].pk, o["document"].pk]), CASE_WORK, True),
    "talk_new": (lambda o: reverse("backoffice:talk_new", args=[o["case"].pk]), CASE_WORK, True),
    "talk": (lambda o: reverse("backoffice:talk", args=[o["case"].pk, o["talk"].pk]), CASE_WORK, True),
    "talk_ics": (lambda o: reverse("backoffice:talk_ics", args=[o["case"].pk, o["talk"].pk]), CASE_WORK, True),
    "assessment": (lambda o: reverse("backoffice:assessment", args=[o["case"].pk, "caseworker"]),
                   CASE_WORK, True),  # the other role's assessment is shown read-only
    "decision_new": (lambda o: reverse("backoffice:decision_new", args=[o["assessed_case"].pk]),
                     {CASEWORKER, COORDINATOR}, True),
    "decision": (lambda o: reverse("backoffice:decision", args=[o["case"].pk, o["decision"].pk]),
                 CASE_WORK, True),
    "business_waiting": (lambda o: reverse("backoffice:business_waiting"), CASE_WORK, False),
    "follow_up_plan": (lambda o: reverse("backoffice:follow_up_plan", args=[o["case"].pk]), CASE_WORK, True),
    "cohorts": (lambda o: reverse("backoffice:cohorts"), CASE_WORK, False),
    "cohort_new": (lambda o: reverse("backoffice:cohort_new"), {CONSULTANT, COORDINATOR}, False),
    "cohort": (lambda o: reverse("backoffice:cohort", args=[o["cohort"].pk]), CASE_WORK, True),
    "cohort_edit": (lambda o: reverse("backoffice:cohort_edit", args=[o["cohort"].pk]),
                    {CONSULTANT, COORDINATOR}, True),
    "loan_import": (lambda o: reverse("backoffice:loan_import"), {COORDINATOR}, False),
    "collection": (lambda o: reverse("backoffice:collection"), {COORDINATOR}, False),
    "payment_orders": (lambda o: reverse("backoffice:payment_orders"), {COORDINATOR}, False),
    # Statistics: counts only, for the coordinator and the steering group of every municipality.
    **{name: ((lambda o, name=name: reverse(f"backoffice:{name}")), STATISTICS, False) for name in (
        "statistics_index", "statistics_evaluation", "statistics_funnel", "statistics_accounts",
        "statistics_break_even", "statistics_budget")},
    # The evaluation's parameters: the coordinator of the rows' own municipality only.
    "statistics_break_even_parameters": (lambda o: reverse("backoffice:statistics_break_even_parameters"),
                                         {COORDINATOR}, False),
    "statistics_target": (lambda o: reverse("backoffice:statistics_target", args=[o["target"].pk]),
                          {COORDINATOR}, True),
    "statistics_budget_line": (lambda o: reverse("backoffice:statistics_budget_line", args=[o["budget_line"].pk]),
                               {COORDINATOR}, True),
    "statistics_expense": (lambda o: reverse("backoffice:statistics_expense", args=[o["expense"].pk]),
                           {COORDINATOR}, True),
}


@pytest.fixture
def objects(demo, nordby):
    caseworker = staff("sagsbehandler@nordby.example")
    case = open_case(nordby, staff("borger@nordby.example"))
    start = timezone.now() + dt.timedelta(days=3)
    talk = ScreeningTalk.objects.create(case=case, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                                        location="Jobcentret, mødelokale 2")
    decision = Decision.objects.create(case=case, kind=Decision.Kind.REFER_TO_ORDINARY_EFFORT,
                                       reason="Udkast")
    cohort = Cohort.objects.create(municipality=nordby, name="Hold 1", starts_on=dt.date(2027, 1, 4),
                                   ends_on=dt.date(2027, 6, 25))
    assessed_case = open_case(nordby, None, full_name="Bent Jensen")
    Case.objects.filter(pk=assessed_case.pk).update(status=Case.Status.SCREENING)
    target = YearlyTarget.objects.create(municipality=nordby, year=2027, participants_target=40)
    budget_line = BudgetLine.objects.create(municipality=nordby, year=2027, category="loans", budget_dkk=400_000)
    expense = Expense.objects.create(municipality=nordby, spent_on=dt.date(2027, 2, 1), category="other",
                                     amount_dkk=1_000)
    return {"case": case, "document": add_document(case), "talk": talk, "decision": decision,
            "caseworker": caseworker, "assessed_case": assessed_case, "cohort": cohort,
            "target": target, "budget_line": budget_line, "expense": expense}


@pytest.mark.parametrize("municipality", ["nordby", "sydby"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_staff(client, objects, page, role, municipality):
    url, allowed, bound_to_case = PAGES[page]
    client.force_login(staff(f"{role}@{municipality}.example"))
    status = client.get(url(objects)).status_code
    if municipality == "nordby":
        assert (status == 200) == (role in allowed), f"{role}: {status}"
        assert status in REFUSED | {200}
    elif bound_to_case:
        # Roles that may use the page get 404; others are refused before that.
        assert status == 404 if role in allowed else status in REFUSED, f"{role}: {status}"
    else:
        assert (status == 200) == (role in allowed), f"{role}: {status}"


@pytest.mark.parametrize("page", PAGES)
def test_citizens_and_anonymous_visitors_never_get_in(client, objects, page):
    url = PAGES[page][0](objects)
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(staff("borger@nordby.example"))  # the case's own citizen
    response = client.get(url)
    assert response.status_code in (302, 403)
    assert objects["case"].reference.encode() not in response.content


STATISTICS_PAGES = ("statistics_index", "statistics_evaluation", "statistics_funnel", "statistics_accounts",
                    "statistics_break_even", "statistics_budget")


def _text(response):
    """The page or download as text (an XLSX's cells joined)."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import io

        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(response.content))
        return " ".join(str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows()
                        for cell in row if cell.value is not None)
    return response.content.decode("utf-8-sig", errors="replace")


def test_steering_group_sees_no_personal_data(client, demo, nordby):
    """Applicants at every stage the statistics count: their names, CPR
    numbers and case numbers appear on no statistics page and in no download."""
    from backoffice.models import Business, BusinessAccount, Outcome

    people = [("Amina Hansen", "010190-1234"), ("Jonas Nielsen", "020285-4321"), ("Fatima Ali", "030378-5678")]
    cases = []
    for index, (name, cpr) in enumerate(people):
        case = open_case(nordby, None, full_name=name, cpr_number=cpr)
        day = dt.date(2026, 1, 5 + index)
        Case.objects.filter(pk=case.pk).update(
            status=Case.Status.BUSINESS_SETUP, received_on=day, course_started_on=day,
            course_completed_on=day, loan_granted_on=day)
        business = Business.objects.create(case=case, name=f"{name} ApS", started_on=day)
        BusinessAccount.objects.create(business=business, bank_name="Nordby Sparekasse", requested_on=day,
                                       opened_on=day + dt.timedelta(days=20) if index else None)
        Outcome.objects.create(case=case, checkpoint=Outcome.Checkpoint.MONTHS_12,
                               result=Outcome.Result.SELF_SUFFICIENT_BUSINESS, recorded_on=day)
        case.refresh_from_db()
        cases.append(case)
    client.force_login(staff("styregruppe@nordby.example"))
    period = {"start": "2026-01-01", "end": "2026-12-31"}
    forbidden = [word for name, cpr in people for word in (name, *name.split(), cpr, cpr.replace("-", ""))]
    forbidden += [case.reference for case in cases]
    for page in STATISTICS_PAGES:
        url = reverse(f"backoffice:{page}")
        for extra in ({}, {"export": "csv"}, {"export": "xlsx"}):
            response = client.get(url, {**period, **extra})
            assert response.status_code == 200, (page, extra)
            text = _text(response)
            for word in forbidden:
                assert word not in text, f"{word!r} on {page} {extra}"
    # The figures are there, as counts.
    accounts = client.get(reverse("backoffice:statistics_accounts"), period).content.decode()
    assert "Nordby Sparekasse" in accounts and "stats-alert" in accounts
