"""The decision screens in the admin: who may open and use them (own
municipality allowed, another municipality's staff 404, a role without the
permission 403, citizens and anonymous visitors kept out), a refusal made
through consultation from the screens, the case page section, and the
coordinator's decision texts."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from backoffice.deadlines import next_working_day
from backoffice.models import Case, Decision, DecisionKind, DecisionTemplate, Document, JournalNote
from backoffice.services import decisions as services
from backoffice.services.cases import ApplicationSubmission, submit_application

User = get_user_model()
S = Case.Status
K = DecisionKind
REASON = "Forretningsplanen viser ikke, hvordan du får kunder nok til at kunne leve af virksomheden."


def user(email):
    return User.objects.get(email=email)


@pytest.fixture(autouse=True)
def danish(settings):
    settings.LANGUAGE_CODE = "da"


@pytest.fixture
def caseworker(demo):
    return user("sagsbehandler@nordby.example")


@pytest.fixture
def case(nordby, demo):
    case, _created = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=nordby, citizen=user("borger@nordby.example"),
        answers={"full_name": "Bo Borger", "cpr_number": "010190-1234", "email": "borger@nordby.example"},
    ))
    Case.objects.filter(pk=case.pk).update(status=S.SCREENING)
    case.refresh_from_db()
    return case


@pytest.fixture
def draft(case, caseworker):
    decision = services.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    case.refresh_from_db()
    return decision


def version(case):
    return Case.objects.get(pk=case.pk).version


def case_page(case, anchor="decisions"):
    return reverse("backoffice:case", args=[case.pk]) + f"#{anchor}"


# --- Permission matrix ----------------------------------------------------------------------------

ALLOWED = "allowed"
ROLES = {
    "caseworker": "sagsbehandler@nordby.example",
    "coordinator": "koordinator@nordby.example",
    "consultant": "erhvervskonsulent@nordby.example",
    "editor": "redaktoer@nordby.example",
    "steering": "styregruppe@nordby.example",
    "other_caseworker": "sagsbehandler@sydby.example",
    "other_coordinator": "koordinator@sydby.example",
    "citizen": "borger@nordby.example",
    "anonymous": None,
}
# role -> (GET new, GET decision, POST actions that change the decision)
EXPECTED = {
    "caseworker": (ALLOWED, 200, ALLOWED),
    "coordinator": (ALLOWED, 200, ALLOWED),
    "consultant": ("denied", 200, "denied"),
    "editor": (404, 404, 404),
    "steering": (404, 404, 404),
    "other_caseworker": (404, 404, 404),
    "other_coordinator": (404, 404, 404),
    "citizen": ("out", "out", "out"),
    "anonymous": ("login", "login", "login"),
}


def _client(client, role):
    if ROLES[role]:
        client.force_login(user(ROLES[role]))
    return client


def _check(response, expected):
    if expected == "login":
        # The admin sends anonymous visitors to log in ...
        assert response.status_code == 302 and "login" in response["Location"]
    elif expected == "out":
        # ... and a logged-in user without admin access away from it.
        assert response.status_code == 302 and "/admin/casework/" not in response["Location"]
    elif expected == "denied":
        # A 403 inside the admin is Wagtail's redirect home with a message.
        assert response.status_code == 302 and response["Location"] == "/admin/"
    elif expected == ALLOWED:
        # Done, or refused for a reason in the data (a form error), not for who is asking.
        assert response.status_code in (200, 302, 400)
        if response.status_code == 302:
            assert "login" not in response["Location"] and response["Location"] != "/admin/"
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", list(ROLES))
def test_permission_matrix(client, role, case, draft):
    new_expected, view_expected, change_expected = EXPECTED[role]
    client = _client(client, role)
    _check(client.get(reverse("backoffice:decision_new", args=[case.pk])), new_expected)
    _check(client.get(reverse("backoffice:decision", args=[case.pk, draft.pk])), view_expected)

    posts = [
        ("backoffice:decision", {"version": version(case), "kind": draft.kind,
                                 "reason": REASON + " Rettet."}),
        ("backoffice:decision_consultation", {"version": version(case), "deadline": "2000-01-01"}),
        ("backoffice:decision_finalise", {"version": version(case), "consultation_waived_reason": ""}),
        ("backoffice:decision_discard", {"version": version(case) + 99}),
    ]
    for name, data in posts:
        _check(client.post(reverse(name, args=[case.pk, draft.pk]), data), change_expected)
    _check(client.post(reverse("backoffice:decision_new", args=[case.pk]),
                       {"version": version(case), "kind": K.ADMIT_TO_COURSE}), change_expected)
    draft.refresh_from_db()
    assert draft.status == Decision.Status.DRAFT  # nothing above was valid enough to decide
    if change_expected != ALLOWED:
        assert draft.reason == REASON


def test_unknown_decision_and_decision_of_another_case_are_404(client, case, draft, nordby, caseworker):
    other, _ = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=nordby, citizen=None, answers={"full_name": "Anden"}))
    client.force_login(caseworker)
    assert client.get(reverse("backoffice:decision", args=[case.pk, draft.pk + 999])).status_code == 404
    assert client.get(reverse("backoffice:decision", args=[other.pk, draft.pk])).status_code == 404


# --- The screens ----------------------------------------------------------------------------------


def test_refusal_through_consultation_from_the_screens(client, case, caseworker,
                                                       django_capture_on_commit_callbacks):
    client.force_login(caseworker)
    page = client.get(reverse("backoffice:decision_new", args=[case.pk]))
    assert page.status_code == 200
    assert "Henvisning til almindelig beskæftigelsesrettet indsats" in page.content.decode()

    response = client.post(reverse("backoffice:decision_new", args=[case.pk]), {
        "version": version(case), "kind": K.REFER_TO_ORDINARY_EFFORT, "reason": ""})
    decision = Decision.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:decision", args=[case.pk, decision.pk])

    page = client.get(response["Location"]).content.decode()
    assert "Send i partshøring" in page and "Træf den endelige afgørelse" in page
    assert "Hvorfor er partshøring ikke nødvendig?" in page

    # Without reasons the draft cannot be sent: shown, nothing saved.
    response = client.post(reverse("backoffice:decision_consultation", args=[case.pk, decision.pk]), {
        "version": version(case), "deadline": (timezone.localdate() + dt.timedelta(days=14)).isoformat()},
        follow=True)
    assert "Skriv udkastet til begrundelse først" in response.content.decode()

    response = client.post(reverse("backoffice:decision", args=[case.pk, decision.pk]), {
        "version": version(case), "kind": K.REFER_TO_ORDINARY_EFFORT, "reason": REASON})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.reason == REASON

    deadline = next_working_day(timezone.localdate() + dt.timedelta(days=14))  # kept as it is
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("backoffice:decision_consultation", args=[case.pk, decision.pk]), {
            "version": version(case), "deadline": deadline.isoformat()})
    assert response.status_code == 302 and response["Location"] == case_page(case)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.IN_CONSULTATION and decision.consultation_deadline == deadline

    page = client.get(reverse("backoffice:decision", args=[case.pk, decision.pk])).content.decode()
    assert "Ingen bemærkninger endnu" in page
    assert reverse("backoffice:document", args=[case.pk, decision.letter_id]) in page

    services.record_consultation_reply(decision, user("borger@nordby.example"), "Jeg har tre faste kunder.")
    page = client.get(reverse("backoffice:decision", args=[case.pk, decision.pk])).content.decode()
    assert "Jeg har tre faste kunder." in page

    response = client.post(reverse("backoffice:decision_finalise", args=[case.pk, decision.pk]),
                           {"version": version(case)})
    assert response.status_code == 302 and response["Location"] == case_page(case)
    decision.refresh_from_db()
    case.refresh_from_db()
    assert decision.status == Decision.Status.FINAL and case.status == S.NOT_ADMITTED
    letter = client.get(reverse("backoffice:document", args=[case.pk, decision.letter_id]))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"


def test_finalising_without_consultation_asks_why(client, case, draft, caseworker):
    client.force_login(caseworker)
    url = reverse("backoffice:decision_finalise", args=[case.pk, draft.pk])
    response = client.post(url, {"version": version(case), "consultation_waived_reason": ""})
    assert response.status_code == 400
    assert "Borgeren skal partshøres før denne afgørelse" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Decision.Status.DRAFT

    waiver = "Borgeren kender og har kommenteret oplysningerne."
    response = client.post(url, {"version": version(case), "consultation_waived_reason": waiver})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.NOT_ADMITTED
    assert JournalNote.objects.filter(case=case, body__contains="kender og har kommenteret").exists()


def test_stale_form_is_refused_with_a_message(client, case, draft, caseworker):
    client.force_login(caseworker)
    stale = version(case) - 1
    response = client.post(reverse("backoffice:decision_finalise", args=[case.pk, draft.pk]), {
        "version": stale, "consultation_waived_reason": "Kendt."}, follow=True)
    assert "En anden har ændret sagen" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Decision.Status.DRAFT


def test_past_deadline_is_a_form_error(client, case, draft, caseworker):
    client.force_login(caseworker)
    response = client.post(reverse("backoffice:decision_consultation", args=[case.pk, draft.pk]), {
        "version": version(case), "deadline": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert "Fristen for bemærkninger skal være en dato efter i dag." in response.content.decode()


def test_new_decision_when_none_can_be_made_goes_back_to_the_case(client, case, draft, caseworker):
    client.force_login(caseworker)
    response = client.get(reverse("backoffice:decision_new", args=[case.pk]))
    assert response.status_code == 302 and response["Location"] == case_page(case)


def test_delete_a_draft(client, case, draft, caseworker):
    client.force_login(caseworker)
    response = client.post(reverse("backoffice:decision_discard", args=[case.pk, draft.pk]),
                           {"version": version(case)})
    assert response.status_code == 302
    assert not Decision.objects.filter(pk=draft.pk).exists()


def test_viewing_a_decision_is_logged(client, case, draft, caseworker):
    from backoffice.models import AccessLogEntry

    client.force_login(caseworker)
    client.get(reverse("backoffice:decision", args=[case.pk, draft.pk]))
    assert AccessLogEntry.objects.filter(case=case, user=caseworker, action="view_case").exists()


# --- The case page section ------------------------------------------------------------------------


def test_case_page_shows_the_decisions_section(client, case, caseworker):
    client.force_login(caseworker)
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert 'id="decisions"' in page and "Ingen afgørelser endnu." in page
    assert reverse("backoffice:decision_new", args=[case.pk]) in page

    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    services.finalise_decision(decision, caseworker, expected_version=version(case))
    decision.refresh_from_db()
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert "Optagelse på forløbet" in page
    assert reverse("backoffice:document", args=[case.pk, decision.letter_id]) in page
    assert reverse("backoffice:decision", args=[case.pk, decision.pk]) in page


def test_business_consultant_sees_no_new_decision_button(client, case):
    client.force_login(user("erhvervskonsulent@nordby.example"))
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert 'id="decisions"' in page
    assert reverse("backoffice:decision_new", args=[case.pk]) not in page


# --- Decision texts in the admin ------------------------------------------------------------------


def test_coordinator_edits_own_decision_texts(client, nordby, sydby):
    client.force_login(user("koordinator@nordby.example"))
    index = client.get("/admin/decision_templates/")
    assert index.status_code == 200
    body = index.content.decode()
    assert "Nordby Kommune" in body and "Sydby Kommune" not in body

    template = DecisionTemplate.objects.get(municipality=nordby, kind=K.REFER_TO_ORDINARY_EFFORT)
    url = f"/admin/decision_templates/edit/{template.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "legal_basis": "Nyt lovgrundlag.", "appeal_body": "Ankestyrelsen",
        "appeal_guidance": "Klag inden {deadline_weeks} uger til {appeal_body}.", "appeal_deadline_weeks": 6,
    })
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.legal_basis == "Nyt lovgrundlag." and template.appeal_deadline_weeks == 6


def test_new_decisions_use_the_edited_texts(nordby, case, caseworker):
    DecisionTemplate.objects.filter(municipality=nordby, kind=K.REFER_TO_ORDINARY_EFFORT).update(
        appeal_guidance="Klag inden {deadline_weeks} uger til {appeal_body}.", appeal_deadline_weeks=6,
        appeal_body="Klageinstansen")
    decision = services.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    assert decision.appeal_guidance == "Klag inden 6 uger til Klageinstansen."


def test_unknown_placeholder_is_refused(client, nordby):
    client.force_login(user("koordinator@nordby.example"))
    template = DecisionTemplate.objects.get(municipality=nordby, kind=K.ADMIT_TO_COURSE)
    response = client.post(f"/admin/decision_templates/edit/{template.pk}/", {
        "legal_basis": "Lov.", "appeal_body": "Ankestyrelsen", "appeal_guidance": "Klag inden {frist} uger.",
        "appeal_deadline_weeks": 4,
    })
    assert response.status_code == 200
    assert "{frist}" in response.content.decode()
    template.refresh_from_db()
    assert template.legal_basis != "Lov."


def test_another_municipalitys_texts_are_404(client, sydby):
    client.force_login(user("koordinator@nordby.example"))
    template = DecisionTemplate.objects.get(municipality=sydby, kind=K.ADMIT_TO_COURSE)
    assert client.get(f"/admin/decision_templates/edit/{template.pk}/").status_code == 404
    assert client.get(f"/admin/decision_templates/history/{template.pk}/").status_code == 404


@pytest.mark.parametrize("email", ["sagsbehandler@nordby.example", "redaktoer@nordby.example",
                                   "borger@nordby.example"])
def test_other_roles_cannot_edit_decision_texts(client, nordby, email):
    client.force_login(user(email))
    template = DecisionTemplate.objects.get(municipality=nordby, kind=K.ADMIT_TO_COURSE)
    assert client.get(f"/admin/decision_templates/edit/{template.pk}/").status_code in (302, 403)


def test_letters_are_not_citizen_uploads(case, caseworker):
    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    services.finalise_decision(decision, caseworker, expected_version=version(case))
    letter = Document.objects.get(case=case, kind=Document.Kind.DECISION_LETTER)
    assert letter.uploaded_by == caseworker and letter.visible_to_citizen


def test_appeal_deadline_of_zero_weeks_is_refused(client, nordby):
    client.force_login(user("koordinator@nordby.example"))
    template = DecisionTemplate.objects.get(municipality=nordby, kind=K.ADMIT_TO_COURSE)
    response = client.post(f"/admin/decision_templates/edit/{template.pk}/", {
        "legal_basis": "Lov.", "appeal_body": "Ankestyrelsen", "appeal_guidance": "Klag.",
        "appeal_deadline_weeks": 0,
    })
    assert response.status_code == 200
    template.refresh_from_db()
    assert template.appeal_deadline_weeks == 4
