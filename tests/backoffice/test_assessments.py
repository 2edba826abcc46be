"""The assessment against the five criteria: one per case and role, the
role from the staff member's group, every rating with a written reason and
a recommendation on submit (checked with clear field errors before the
database's own check), reopened only by its author, audited on the case
without the ratings or reasons; and the two assessors do not see each
other's draft."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice.models import Assessment, Case
from backoffice.services import assessments as services
from backoffice.services.transitions import StaleCase

S = Case.Status
R = Assessment.Role
User = get_user_model()
HEALTH_REASON = "Borgeren har en kronisk sygdom, men den er velbehandlet"


def user(email):
    return User.objects.get(email=email)


@pytest.fixture
def caseworker(demo):
    return user("sagsbehandler@nordby.example")


@pytest.fixture
def consultant(demo):
    return user("erhvervskonsulent@nordby.example")


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


def make_case(municipality, status=S.SCREENING):
    return Case.objects.create(municipality=municipality, status=status, submitted_at=timezone.now(),
                               reference=f"NOR-2026-{Case.objects.count() + 80001:05d}")


@pytest.fixture
def case(nordby):
    return make_case(nordby)


def full(**overrides):
    data = {}
    for criterion in Assessment.CRITERIA:
        data[f"{criterion}_rating"] = Assessment.Rating.ADEQUATE
        data[f"{criterion}_reason"] = f"Begrundelse for {criterion}"
    data["health_reason"] = HEALTH_REASON
    data["recommendation"] = Assessment.Recommendation.ADMIT
    data.update(overrides)
    return data


def entries(case, action=None):
    qs = ModelLogEntry.objects.filter(content_type__model="case", object_id=str(case.pk))
    return qs.filter(action=action) if action else qs


# --- Roles ----------------------------------------------------------------------------------------


def test_the_role_comes_from_the_group(caseworker, consultant, coordinator, demo):
    assert services.assessment_roles(caseworker) == [R.CASEWORKER]
    assert services.assessment_roles(consultant) == [R.BUSINESS_CONSULTANT]
    assert services.assessment_roles(coordinator) == [R.CASEWORKER, R.BUSINESS_CONSULTANT]
    assert services.assessment_roles(user("admin@mikrolaan.example")) == list(R)
    for email in ("styregruppe@nordby.example", "redaktoer@nordby.example", "borger@nordby.example"):
        assert services.assessment_roles(user(email)) == []


def test_nobody_writes_another_roles_or_another_municipalitys_assessment(case, caseworker, consultant, demo):
    with pytest.raises(PermissionDenied):
        services.save_assessment(case, caseworker, R.BUSINESS_CONSULTANT, full())
    with pytest.raises(PermissionDenied):
        services.save_assessment(case, consultant, R.CASEWORKER, full())
    for email in ("sagsbehandler@sydby.example", "koordinator@sydby.example", "styregruppe@nordby.example"):
        with pytest.raises(PermissionDenied):
            services.save_assessment(case, user(email), R.CASEWORKER, full())
    assert not Assessment.objects.exists() and not entries(case).exists()


# --- Drafts and submitting ------------------------------------------------------------------------


def test_a_draft_is_saved_as_it_is_and_audited_without_its_content(case, caseworker):
    assessment = services.save_assessment(case, caseworker, R.CASEWORKER,
                                          {"health_rating": 2, "health_reason": ""}, expected_version=1)
    assessment.refresh_from_db()
    case.refresh_from_db()
    assert assessment.submitted_at is None and assessment.health_rating == 2
    assert assessment.assessor == caseworker
    assert assessment.recommendation == Assessment.Recommendation.UNDECIDED
    assert case.version == 2
    entry = entries(case, services.ASSESSMENT_SAVED_ACTION).get()
    assert entry.data["changed"] == ["health_rating"] and entry.data["role"] == "caseworker"

    services.save_assessment(case, caseworker, R.CASEWORKER, full(), expected_version=2)
    dumped = json.dumps([e.data for e in entries(case)], ensure_ascii=False)
    assert HEALTH_REASON not in dumped and "Begrundelse" not in dumped and "_rating\": 3" not in dumped
    assert Assessment.objects.filter(case=case).count() == 1


def test_assessing_a_new_application_puts_it_in_screening(nordby, consultant):
    case = make_case(nordby, S.SUBMITTED)
    services.save_assessment(case, consultant, R.BUSINESS_CONSULTANT, full())
    case.refresh_from_db()
    assert case.status == S.SCREENING
    assert entries(case, "backoffice.case.status_changed").get().data["reason"] == "assessment_started"


@pytest.mark.parametrize(("data", "field"), [
    (full(health_reason="  "), "health_reason"),
    (full(competences_reason=""), "competences_reason"),
    (full(recommendation=""), "recommendation"),
    (full(recommendation=Assessment.Recommendation.UNDECIDED), "recommendation"),
    ({**{f"{c}_rating": None for c in Assessment.CRITERIA}, "recommendation": "admit"}, "__all__"),
    (full(health_rating=7), "health_rating"),
])
def test_a_submission_needs_reasons_a_rating_and_a_recommendation(case, caseworker, data, field):
    with pytest.raises(ValidationError) as error:
        services.save_assessment(case, caseworker, R.CASEWORKER, data, submit=True)
    assert field in error.value.message_dict
    assert not Assessment.objects.filter(case=case).exists()


def test_an_unrated_criterion_needs_no_reason(case, consultant):
    assessment = services.save_assessment(case, consultant, R.BUSINESS_CONSULTANT,
                                          full(health_rating=None, health_reason=""), submit=True)
    assert assessment.submitted_at is not None and assessment.health_rating is None


def test_the_database_refuses_a_submitted_rating_without_reason(case, caseworker):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(case=case, role=R.CASEWORKER, assessor=caseworker, health_rating=2,
                                  submitted_at=timezone.now())


def test_submitted_is_locked_and_only_its_author_reopens_it(case, caseworker, coordinator):
    assessment = services.save_assessment(case, caseworker, R.CASEWORKER, full(), submit=True)
    case.refresh_from_db()
    submitted = entries(case, services.ASSESSMENT_SUBMITTED_ACTION).get()
    assert submitted.data["recommendation"] == "admit" and submitted.user == caseworker

    with pytest.raises(services.AssessmentRefused):
        services.save_assessment(case, caseworker, R.CASEWORKER, full(recommendation="refer"))
    with pytest.raises(services.AssessmentRefused):
        services.reopen_assessment(assessment, coordinator)
    with pytest.raises(StaleCase):
        services.reopen_assessment(assessment, caseworker, expected_version=case.version - 1)

    services.reopen_assessment(assessment, caseworker, expected_version=case.version)
    assessment.refresh_from_db()
    assert assessment.submitted_at is None
    reopened = entries(case, services.ASSESSMENT_REOPENED_ACTION).get()
    assert reopened.user == caseworker and reopened.data["assessment"] == assessment.pk
    with pytest.raises(services.AssessmentRefused):
        services.reopen_assessment(assessment, caseworker)
    services.save_assessment(case, caseworker, R.CASEWORKER, full(recommendation="refer"), submit=True)
    assert Assessment.objects.get(pk=assessment.pk).recommendation == "refer"


def test_an_outdated_page_or_a_decided_case_is_refused(nordby, caseworker):
    case = make_case(nordby)
    services.save_assessment(case, caseworker, R.CASEWORKER, full(), expected_version=1)
    with pytest.raises(StaleCase):
        services.save_assessment(case, caseworker, R.CASEWORKER, full(recommendation="refer"),
                                 expected_version=1)
    assert Assessment.objects.get(case=case).recommendation == "admit"
    decided = make_case(nordby, S.ADMITTED)
    with pytest.raises(services.AssessmentRefused):
        services.save_assessment(decided, caseworker, R.CASEWORKER, full())


def test_the_coordinator_writes_either_role(case, coordinator):
    services.save_assessment(case, coordinator, R.CASEWORKER, full())
    services.save_assessment(case, coordinator, R.BUSINESS_CONSULTANT, full())
    assert set(Assessment.objects.filter(case=case).values_list("role", flat=True)) == set(R.values)


# --- Views ----------------------------------------------------------------------------------------

ALLOWED = ["sagsbehandler@nordby.example", "erhvervskonsulent@nordby.example", "koordinator@nordby.example"]
FORBIDDEN = ["styregruppe@nordby.example", "redaktoer@nordby.example"]
HIDDEN = ["sagsbehandler@sydby.example", "erhvervskonsulent@sydby.example", "koordinator@sydby.example"]


def url(case, role):
    return reverse("backoffice:assessment", args=[case.pk, role])


def outcome(response):
    if response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"):
        return "denied"  # Wagtail's answer to PermissionDenied in the admin
    return response.status_code


@pytest.mark.parametrize("role", R.values)
@pytest.mark.parametrize(("email", "expected"), [*[(e, 200) for e in ALLOWED],
                                                 *[(e, "denied") for e in FORBIDDEN],
                                                 *[(e, 404) for e in HIDDEN]])
def test_staff_permission_matrix(client, case, role, email, expected):
    client.force_login(user(email))
    assert outcome(client.get(url(case, role))) == expected
    response = client.post(url(case, role), {**full(), "version": case.version, "action": "draft"})
    writes = role in services.assessment_roles(user(email)) and expected == 200
    assert outcome(response) == (302 if writes else "denied" if expected == 200 else expected)
    assert Assessment.objects.filter(case=case, role=role).exists() == writes


def test_citizens_and_anonymous_visitors_do_not_get_in(client, case):
    response = client.get(url(case, "caseworker"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(user("borger@nordby.example"))
    response = client.get(url(case, "caseworker"))
    assert response.status_code == 302 and "/casework/" not in response["Location"]


def test_an_unknown_role_is_not_found(client, case, caseworker):
    client.force_login(caseworker)
    assert client.get(url(case, "judge")).status_code == 404


def test_the_form_has_five_criteria_each_with_rating_and_reason(client, case, caseworker):
    client.force_login(caseworker)
    html = client.get(url(case, "caseworker")).content.decode()
    for criterion in Assessment.CRITERIA:
        assert f'name="{criterion}_rating"' in html and f'name="{criterion}_reason"' in html
        assert html.count(f'name="{criterion}_rating"') == 4  # one radio per rating
    assert 'value="draft"' in html and 'value="submit"' in html
    assert 'name="recommendation" value="undecided"' not in html


def test_errors_are_shown_next_to_their_fields_and_nothing_is_saved(client, case, caseworker):
    client.force_login(caseworker)
    response = client.post(url(case, "caseworker"), {
        **full(health_reason="", recommendation=""), "version": case.version, "action": "submit"})
    assert response.status_code == 400
    html = response.content.decode()
    # The error sits in the health reason's own field wrapper, before its textarea.
    health = re.search(r'w-field--error[^>]*data-contentpath="health_reason".*?</textarea>', html, re.S)
    assert health and "Skriv begrundelsen for din vurdering." in health.group(0)
    recommendation = re.search(r'w-field--error[^>]*data-contentpath="recommendation"', html)
    assert recommendation and "Vælg din indstilling" in html
    assert "Begrundelse for competences" in html  # what was typed is kept
    assert not Assessment.objects.filter(case=case).exists()


def test_saving_a_draft_stays_on_the_form_and_submitting_returns_to_the_case(client, case, caseworker):
    client.force_login(caseworker)
    response = client.post(url(case, "caseworker"), {**full(), "version": case.version, "action": "draft"})
    assert response.status_code == 302 and response["Location"] == url(case, "caseworker")
    case.refresh_from_db()
    html = client.get(url(case, "caseworker")).content.decode()
    assert HEALTH_REASON in html and 'value="submit"' in html
    response = client.post(url(case, "caseworker"), {**full(), "version": case.version, "action": "submit"})
    assert response["Location"] == reverse("backoffice:case", args=[case.pk]) + "#assessments-section"
    html = client.get(url(case, "caseworker")).content.decode()
    assert 'value="submit"' not in html and 'value="reopen"' in html and HEALTH_REASON in html


def test_a_stale_form_is_refused_with_a_message(client, case, caseworker):
    client.force_login(caseworker)
    version = case.version
    Case.objects.filter(pk=case.pk).update(version=version + 1)
    response = client.post(url(case, "caseworker"), {**full(), "version": version, "action": "draft"})
    assert response.status_code == 400 and "Genindlæs siden" in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_assessors_do_not_see_each_others_drafts(client, case, caseworker, consultant):
    services.save_assessment(case, consultant, R.BUSINESS_CONSULTANT,
                             full(profitability_reason="Konsulentens hemmelige kladde"))
    client.force_login(caseworker)
    own_page = client.get(url(case, "caseworker")).content.decode()
    other_page = client.get(url(case, "business_consultant")).content.decode()
    for html in (own_page, other_page):
        assert "Konsulentens hemmelige kladde" not in html
    assert "Ikke afgivet endnu" in own_page
    assert 'name="profitability_reason"' not in other_page  # read-only for another role

    case.refresh_from_db()
    services.save_assessment(case, consultant, R.BUSINESS_CONSULTANT,
                             full(profitability_reason="Konsulentens afgivne vurdering"), submit=True)
    own_page = client.get(url(case, "caseworker")).content.decode()
    other_page = client.get(url(case, "business_consultant")).content.decode()
    assert "Konsulentens afgivne vurdering" in own_page and "Konsulentens afgivne vurdering" in other_page
    assert 'value="reopen"' not in other_page  # not the caseworker's to reopen


def test_the_case_page_section_shows_ratings_only_when_submitted(case, caseworker, consultant):
    services.save_assessment(case, caseworker, R.CASEWORKER, full(health_rating=1))
    services.save_assessment(case, consultant, R.BUSINESS_CONSULTANT, full(health_rating=4), submit=True)
    request = RequestFactory().get("/")
    request.user = caseworker
    loaded = Case.objects.prefetch_related("assessments__assessor").get(pk=case.pk)
    html = render_to_string("backoffice/case/_assessments.html", {"case": loaded}, request=request)
    assert html.count("<section") == 1 and "<h2" in html
    assert "Stærk" in html and "Utilstrækkelig" not in html  # the draft's rating is not shown
    assert "Kladde" in html and "Optag på forløbet" in html
    assert url(case, "caseworker") in html and url(case, "business_consultant") in html

    request.user = user("styregruppe@nordby.example")
    html = render_to_string("backoffice/case/_assessments.html", {"case": loaded}, request=request)
    assert url(case, "caseworker") not in html
