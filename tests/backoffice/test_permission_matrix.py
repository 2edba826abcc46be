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

from backoffice.models import Case, Cohort, Decision, ScreeningTalk

from .staff_cases import add_document, open_case, staff

CASEWORKER, CONSULTANT, COORDINATOR, EDITOR, STEERING = (
    "sagsbehandler", "erhvervskonsulent", "koordinator", "redaktoer", "styregruppe")
ROLES = (CASEWORKER, CONSULTANT, COORDINATOR, EDITOR, STEERING)
CASE_WORK = {CASEWORKER, CONSULTANT, COORDINATOR}
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
    return {"case": case, "document": add_document(case), "talk": talk, "decision": decision,
            "caseworker": caseworker, "assessed_case": assessed_case, "cohort": cohort}


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
