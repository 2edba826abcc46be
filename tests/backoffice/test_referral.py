"""Referral to the ordinary employment effort after the course, without a
loan: the service (which statuses, who, which municipality, the marker, the
audit entry, the note kept out of the log) and the small form on the case
page (coordinator works, other municipality 404, steering group refused)."""

import datetime as dt

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice import admin_urls
from backoffice.models import Case, JournalNote
from backoffice.services import referral
from backoffice.services.referral import ReferralRefused, refer_to_ordinary_effort
from backoffice.services.transitions import StaleCase
from backoffice.views.referral import refer
from config import urls as config_urls

from .test_loans import make_case, user

S = Case.Status
TODAY = timezone.localdate()
STARTED = TODAY - dt.timedelta(days=200)
ENDED = TODAY - dt.timedelta(days=20)

# Until the lead adds the URL to backoffice/admin_urls.py, the view tests
# mount it here (``urls`` fixture) in a copy of the backoffice's URLs.
urlpatterns = [
    path("admin/casework/", include(([*admin_urls.urlpatterns,
                                      path("<int:case_pk>/refer/", refer, name="case_refer")], "backoffice"))),
    *config_urls.urlpatterns,
]


@pytest.fixture
def urls(settings):
    try:
        reverse("backoffice:case_refer", args=[1])
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__


def course_case(municipality, status=S.COURSE_COMPLETED, **fields):
    case = make_case(municipality, status=status)
    fields = {"course_started_on": STARTED, "marked_from": STARTED, **fields}
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


def entries(case):
    return ModelLogEntry.objects.filter(content_type__model="case", object_id=str(case.pk))


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


# --- The service ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(referral.REFERABLE_STATUSES))
def test_referral_closes_the_case_and_ends_the_marker(nordby, coordinator, status):
    case = course_case(nordby, status)
    version = case.version
    refer_to_ordinary_effort(case, coordinator, referred_on=ENDED, expected_version=version)
    case.refresh_from_db()
    assert case.status == S.CLOSED and case.referred_ordinary_effort_on == ENDED
    assert case.marked_until == ENDED and case.version == version + 1
    entry = entries(case).get()
    assert entry.user_id == coordinator.pk
    assert (entry.data["from"], entry.data["to"], entry.data["referred_on"]) == (status, "closed", ENDED.isoformat())


def test_caseworker_may_refer_and_the_note_stays_out_of_the_log(nordby):
    caseworker = user("sagsbehandler@nordby.example")
    case = course_case(nordby, marked_until=ENDED - dt.timedelta(days=3))
    refer_to_ordinary_effort(case, caseworker, note="  Ønsker hjælp til jobsøgning.  ")
    case.refresh_from_db()
    assert case.referred_ordinary_effort_on == TODAY
    assert case.marked_until == ENDED - dt.timedelta(days=3)  # an ended marker is left as it was
    assert JournalNote.objects.get(case=case).body == "Ønsker hjælp til jobsøgning."
    assert "jobsøgning" not in str(entries(case).get().data)


@pytest.mark.parametrize("status", [S.SCREENING, S.NOT_ADMITTED, S.IN_COURSE, S.LEFT_FOR_EMPLOYMENT,
                                    S.LOAN_GRANTED, S.LOAN_DISBURSED, S.CLOSED])
def test_other_statuses_are_refused(nordby, coordinator, status):
    case = course_case(nordby, status)
    with pytest.raises(ReferralRefused) as refused:
        refer_to_ordinary_effort(case, coordinator, referred_on=ENDED)
    assert refused.value.code == "wrong_status"
    case.refresh_from_db()
    assert case.status == status and case.referred_ordinary_effort_on is None and not entries(case).exists()


@pytest.mark.parametrize(("fields", "referred_on", "code"), [
    ({"loan_granted_on": ENDED}, ENDED, "loan"),
    ({"referred_ordinary_effort_on": ENDED}, ENDED, "already"),
    ({}, TODAY + dt.timedelta(days=1), "date"),
    ({}, STARTED - dt.timedelta(days=1), "date"),
])
def test_refusals(nordby, coordinator, fields, referred_on, code):
    case = course_case(nordby, S.LOAN_DECLINED, **fields)
    with pytest.raises(ReferralRefused) as refused:
        refer_to_ordinary_effort(case, coordinator, referred_on=referred_on)
    assert refused.value.code == code
    case.refresh_from_db()
    assert case.status == S.LOAN_DECLINED and not entries(case).exists()


@pytest.mark.parametrize("email", ["koordinator@sydby.example", "erhvervskonsulent@nordby.example",
                                   "styregruppe@nordby.example"])
def test_other_municipality_and_roles_without_permission(nordby, email):
    case = course_case(nordby)
    with pytest.raises(PermissionDenied):
        refer_to_ordinary_effort(case, user(email), referred_on=ENDED)
    case.refresh_from_db()
    assert case.status == S.COURSE_COMPLETED and case.referred_ordinary_effort_on is None


def test_stale_version_is_refused(nordby, coordinator):
    case = course_case(nordby)
    with pytest.raises(StaleCase):
        refer_to_ordinary_effort(case, coordinator, referred_on=ENDED, expected_version=case.version - 1)
    case.refresh_from_db()
    assert case.status == S.COURSE_COMPLETED


# --- The form on the case page ----------------------------------------------------------------------


def outcome(response):
    """Wagtail answers PermissionDenied in the admin with a redirect home."""
    if response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"):
        return "denied"
    return response.status_code


def test_coordinator_refers_through_the_form(client, urls, nordby, coordinator):
    case = course_case(nordby, S.DROPPED_OUT)
    url = reverse("backoffice:case_refer", args=[case.pk])
    client.force_login(coordinator)
    assert client.get(url).status_code == 405
    response = client.post(url, {"version": case.version, "referred_on": ENDED.isoformat(), "note": "Ringet op"})
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:case", args=[case.pk]) + "#referral-section"
    case.refresh_from_db()
    assert case.status == S.CLOSED and case.referred_ordinary_effort_on == ENDED
    assert JournalNote.objects.filter(case=case, body="Ringet op").exists()


@pytest.mark.parametrize(("email", "expected"), [("koordinator@sydby.example", 404),
                                                 ("styregruppe@nordby.example", ("denied", 403)),
                                                 ("erhvervskonsulent@nordby.example", ("denied", 403))])
def test_others_are_refused(client, urls, nordby, email, expected):
    case = course_case(nordby)
    client.force_login(user(email))
    response = client.post(reverse("backoffice:case_refer", args=[case.pk]),
                           {"version": case.version, "referred_on": ENDED.isoformat()})
    assert outcome(response) in (expected if isinstance(expected, tuple) else (expected,))
    case.refresh_from_db()
    assert case.status == S.COURSE_COMPLETED and case.referred_ordinary_effort_on is None


def test_a_refusal_is_a_message_and_nothing_changes(client, urls, nordby, coordinator):
    case = course_case(nordby, S.IN_COURSE)
    client.force_login(coordinator)
    response = client.post(reverse("backoffice:case_refer", args=[case.pk]),
                           {"version": case.version, "referred_on": ENDED.isoformat()}, follow=True)
    assert "passer ikke til sagen" in response.content.decode()
    case.refresh_from_db()
    assert case.status == S.IN_COURSE


def render_section(case, viewer):
    request = RequestFactory().get("/")
    request.user = viewer
    return render_to_string("backoffice/case/_referral.html", {
        "case": case, "perms": PermWrapper(viewer), "request": request}, request=request)


def test_section_shows_the_form_only_when_possible(urls, nordby, coordinator):
    case = course_case(nordby)
    html = render_section(case, coordinator)
    assert 'id="referral-section"' in html
    assert reverse("backoffice:case_refer", args=[case.pk]) in html and 'name="version"' in html
    assert render_section(case, user("erhvervskonsulent@nordby.example")).strip() == ""
    assert render_section(course_case(nordby, S.IN_COURSE), coordinator).strip() == ""
    assert render_section(course_case(nordby, loan_granted_on=ENDED), coordinator).strip() == ""
    refer_to_ordinary_effort(case, coordinator, referred_on=ENDED)
    case.refresh_from_db()
    html = render_section(case, coordinator)
    assert "<form" not in html and "almindelig beskæftigelsesrettet indsats" in html


@pytest.mark.parametrize("status", sorted(set(S) - {S.ANONYMISED}))
def test_section_offers_the_form_exactly_where_the_service_allows_it(urls, nordby, coordinator, status):
    case = course_case(nordby, status)
    assert ("<form" in render_section(case, coordinator)) == (status in referral.REFERABLE_STATUSES)
