"""Deadlines in working days with the Danish holiday calendar: the calendar
itself (Easter, Ascension, Whitsun, Christmas, New Year, weekends, the
extra closing days of the setting, Store Bededag abolished from 2024),
the appeal deadline, and the services, letters and My page that use it."""

import datetime as dt
import io
import uuid

import holidays
import pytest
from dateutil.easter import easter
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from backoffice.deadlines import (
    add_working_days, appeal_deadline, appeal_weeks, deadline_after, is_working_day, next_working_day,
)
from backoffice.models import (
    Case, CaseApplication, DecisionKind, DecisionTemplate, InformationRequest, LetterDispatch,
)
from backoffice.services import casework, followup
from backoffice.services import decisions as services
from backoffice.services.cases import ApplicationSubmission, submit_application
from backoffice.services.letters import letter_date

User = get_user_model()
S = Case.Status
K = DecisionKind
D = dt.date
REASON = "Forretningsplanen viser ikke, hvordan du får kunder nok til at kunne leve af virksomheden."
WAIVER = "Borgeren kender oplysningerne og vores vurdering fra samtalen og har kommenteret dem."


# --- The calendar ---------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [
    D(2026, 4, 2),  # Skærtorsdag
    D(2026, 4, 3),  # Langfredag
    D(2026, 4, 6),  # 2. påskedag
    D(2026, 5, 14),  # Kristi himmelfartsdag
    D(2026, 5, 25),  # 2. pinsedag
    D(2026, 12, 25), D(2025, 12, 26),  # juledag, 2. juledag (a Friday)
    D(2027, 1, 1),  # nytårsdag, a Friday
    D(2026, 12, 5), D(2026, 12, 6),  # a weekend
])
def test_public_holidays_and_weekends_are_not_working_days(day):
    assert not is_working_day(day)


def test_ordinary_weekdays_are_working_days():
    for day in (D(2026, 4, 1), D(2026, 4, 7), D(2026, 5, 15), D(2026, 12, 7), D(2026, 12, 28)):
        assert is_working_day(day), day


def test_next_working_day_skips_easter_and_whitsun():
    assert next_working_day(D(2026, 4, 1)) == D(2026, 4, 1)  # already one
    assert next_working_day(D(2026, 4, 2)) == D(2026, 4, 7)  # Thursday to Tuesday after Easter Monday
    assert next_working_day(D(2026, 5, 23)) == D(2026, 5, 26)  # Whitsun weekend and Monday
    assert next_working_day(D(2026, 5, 14)) == D(2026, 5, 15)


def test_grundlovsdag_and_24_and_31_december_follow_the_setting(settings):
    days = [D(2026, 6, 5), D(2025, 12, 24), D(2025, 12, 31)]  # a Friday and two Wednesdays
    # Not public holidays by law: the package only has them as "optional".
    assert not any(day in holidays.country_holidays("DK", years=day.year) for day in days)
    assert settings.DEADLINE_EXTRA_CLOSED_DAYS == ["06-05", "12-24", "12-31"]
    assert not any(is_working_day(day) for day in days)
    assert next_working_day(D(2026, 6, 5)) == D(2026, 6, 8)
    assert next_working_day(D(2025, 12, 24)) == D(2025, 12, 29)
    assert next_working_day(D(2025, 12, 31)) == D(2026, 1, 2)

    settings.DEADLINE_EXTRA_CLOSED_DAYS = []
    assert all(is_working_day(day) for day in days)
    settings.DEADLINE_EXTRA_CLOSED_DAYS = ["12-24"]
    assert is_working_day(D(2026, 6, 5)) and not is_working_day(D(2025, 12, 24))


def test_store_bededag_is_a_working_day_from_2024():
    # The fourth Friday after Easter; abolished by Act no. 214 of 6 March 2023.
    assert "Store bededag" in holidays.country_holidays("DK", years=2023, language="da").values()
    assert not is_working_day(D(2023, 5, 5))
    for year in (2024, 2025, 2026):
        store_bededag = easter(year) + dt.timedelta(days=26)
        assert store_bededag.weekday() == 4
        assert "Store bededag" not in holidays.country_holidays("DK", years=year, language="da").values()
        assert is_working_day(store_bededag), year


def test_add_working_days_across_easter_and_christmas():
    assert add_working_days(D(2026, 4, 1), 0) == D(2026, 4, 1)
    assert add_working_days(D(2026, 4, 1), 1) == D(2026, 4, 7)
    assert add_working_days(D(2026, 4, 1), 3) == D(2026, 4, 9)
    assert add_working_days(D(2026, 3, 28), 0) == D(2026, 3, 30)  # a Saturday counts from Monday
    # 24 (closed), 25, 26 December, the weekend; 31 December, 1 January, the weekend.
    assert add_working_days(D(2026, 12, 23), 1) == D(2026, 12, 28)
    assert add_working_days(D(2026, 12, 23), 4) == D(2027, 1, 4)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 4, 1), -1)


def test_deadline_after_counts_calendar_time_then_moves_to_a_working_day():
    assert deadline_after(D(2026, 3, 3), weeks=4) == D(2026, 3, 31)  # a Tuesday stays
    assert deadline_after(D(2026, 3, 5), weeks=4) == D(2026, 4, 7)  # Skærtorsdag → after Easter
    assert deadline_after(D(2026, 11, 13), weeks=2) == D(2026, 11, 27)
    assert deadline_after(D(2026, 11, 14), days=14) == D(2026, 11, 30)  # Saturday → Monday
    assert deadline_after(D(2026, 1, 31), months=1) == D(2026, 3, 2)  # 28 February is a Saturday
    # A datetime counts by its date in Copenhagen: 23:30 UTC is already the next day there.
    late_evening = dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.UTC)
    assert deadline_after(late_evening, weeks=4) == D(2026, 4, 7)


# --- Cases and decisions --------------------------------------------------------------------------


def user(email):
    return User.objects.get(email=email)


@pytest.fixture(autouse=True)
def danish(settings):
    settings.LANGUAGE_CODE = "da"


@pytest.fixture
def caseworker(demo):
    return user("sagsbehandler@nordby.example")


@pytest.fixture
def citizen(demo):
    return user("borger@nordby.example")


@pytest.fixture
def case(nordby, citizen):
    case, _created = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=nordby, citizen=citizen,
        answers={"full_name": "Bo Borger", "cpr_number": "010190-1234", "email": "borger@nordby.example"},
    ))
    Case.objects.filter(pk=case.pk).update(status=S.SCREENING)
    case.refresh_from_db()
    return case


def aware(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def refused(case, caseworker, *, decided_on):
    """A final refusal (admission not granted) made on ``decided_on``."""
    decision = services.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    case.refresh_from_db()
    return services.finalise_decision(decision, caseworker, expected_version=case.version,
                                      consultation_waived_reason=WAIVER, now=aware(decided_on))


def make_available(decision, at):
    """The letter reached the citizen's Digital Post inbox ``at``."""
    LetterDispatch.objects.update_or_create(
        document=decision.letter, defaults={"case": decision.case, "kind": LetterDispatch.Kind.DECISION,
                                            "available_at": at})


def pdf_text(document):
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def easter_saturday_ahead():
    """The Saturday before the next Easter that is at least two days away:
    its deadline moves over Easter Sunday and Monday to the Tuesday."""
    year = timezone.localdate().year
    while (saturday := easter(year) - dt.timedelta(days=1)) <= timezone.localdate() + dt.timedelta(days=1):
        year += 1
    return saturday


def plain_saturday_ahead():
    """A Saturday at least two days away whose Monday is a working day."""
    day = timezone.localdate() + dt.timedelta(days=2)
    while day.weekday() != 5 or not is_working_day(day + dt.timedelta(days=2)):
        day += dt.timedelta(days=1)
    return day


def test_appeal_deadline_is_4_weeks_from_the_decision_and_moves_off_a_holiday(case, caseworker):
    decision = refused(case, caseworker, decided_on=D(2026, 3, 5))
    assert appeal_deadline(decision) == D(2026, 4, 7)  # 2 April is Skærtorsdag
    # A letter with no dispatch row at all (printed by hand, or from before Digital Post).
    LetterDispatch.objects.filter(document=decision.letter).delete()
    decision = type(decision).objects.get(pk=decision.pk)
    assert appeal_deadline(decision) == D(2026, 4, 7)


def test_appeal_deadline_counts_from_when_the_letter_became_available(case, caseworker):
    decision = refused(case, caseworker, decided_on=D(2026, 3, 3))
    assert appeal_deadline(decision) == D(2026, 3, 31)
    make_available(decision, aware(D(2026, 3, 6)))
    decision.refresh_from_db()
    assert appeal_deadline(decision) == D(2026, 4, 7)  # 3 April is Langfredag, then Easter
    LetterDispatch.objects.filter(document=decision.letter).update(available_at=None)
    decision.refresh_from_db()
    assert appeal_deadline(decision) == D(2026, 3, 31)  # not yet available: from the decision


def test_the_appeal_period_is_the_decision_templates(case, caseworker):
    # The letter's appeal guidance states the template's period; the date must agree with it.
    DecisionTemplate.objects.filter(municipality=case.municipality, kind=K.REFER_TO_ORDINARY_EFFORT).update(
        appeal_deadline_weeks=6)
    decision = refused(case, caseworker, decided_on=D(2026, 3, 5))
    assert appeal_weeks(decision) == 6 and appeal_deadline(decision) == D(2026, 4, 16)
    assert letter_date(D(2026, 4, 16)) in pdf_text(decision.letter)


def test_a_full_grant_or_an_open_decision_has_no_appeal_deadline(case, caseworker):
    decision = services.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    assert appeal_deadline(decision) is None  # a draft
    decision.status, decision.decided_at = decision.Status.FINAL, aware(D(2026, 3, 3))
    assert appeal_deadline(decision) == D(2026, 3, 31)
    decision.fully_granted = True  # nothing to complain about
    assert appeal_deadline(decision) is None


def test_consultation_deadline_on_a_saturday_moves_to_monday_and_after_easter_to_tuesday(case, caseworker):
    saturday = plain_saturday_ahead()
    decision = services.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    case.refresh_from_db()
    services.send_for_consultation(decision, caseworker, deadline=saturday, expected_version=case.version)
    decision.refresh_from_db()
    assert decision.consultation_deadline == saturday + dt.timedelta(days=2)
    text = pdf_text(decision.letter)
    assert letter_date(saturday + dt.timedelta(days=2)) in text and letter_date(saturday) not in text

    easter_saturday = easter_saturday_ahead()
    second = _second_case(case)  # one draft per case
    draft = services.draft_decision(second, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    second.refresh_from_db()
    services.send_for_consultation(draft, caseworker, deadline=easter_saturday,
                                   expected_version=second.version)
    draft.refresh_from_db()
    assert draft.consultation_deadline == easter_saturday + dt.timedelta(days=3)


def _second_case(case):
    other, _created = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=case.municipality, citizen=case.citizen,
        answers={"full_name": "Bo Borger", "cpr_number": "010190-1234", "email": "borger@nordby.example"},
    ))
    Case.objects.filter(pk=other.pk).update(status=S.SCREENING)
    other.refresh_from_db()
    return other


def test_information_deadline_on_a_saturday_moves_to_the_next_working_day(case, caseworker):
    saturday = plain_saturday_ahead()
    request = casework.request_information(case, caseworker, "Send os dit budget.", saturday)
    assert request.due_on == saturday + dt.timedelta(days=2)
    easter_saturday = easter_saturday_ahead()
    request = casework.request_information(case, caseworker, "Og dit CV.", easter_saturday)
    assert InformationRequest.objects.get(pk=request.pk).due_on == easter_saturday + dt.timedelta(days=3)


def test_the_staff_are_told_the_date_actually_used(client, case, caseworker):
    saturday = plain_saturday_ahead()
    monday = saturday + dt.timedelta(days=2)
    client.force_login(caseworker)
    response = client.post(reverse("backoffice:case_request", args=[case.pk]), {
        "version": case.version, "question": "Send os dit budget.", "due_on": saturday.isoformat()})
    assert response.status_code == 302
    assert InformationRequest.objects.get(case=case).due_on == monday
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    with translation.override("da"):
        assert formats.date_format(monday) in message and formats.date_format(saturday) in message
    client.get(response["Location"])  # shows (and so uses up) the message

    decision = services.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    response = client.post(reverse("backoffice:decision_consultation", args=[case.pk, decision.pk]), {
        "version": Case.objects.get(pk=case.pk).version, "deadline": saturday.isoformat()})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.consultation_deadline == monday
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    with translation.override("da"):
        assert formats.date_format(monday) in message and formats.date_format(saturday) in message


def test_the_proposed_deadlines_are_working_days(client, case, caseworker):
    from backoffice.forms import InformationRequestForm
    from backoffice.views.decisions import ConsultationForm

    proposed = [InformationRequestForm(case=case).fields["due_on"].initial,
                ConsultationForm(case=case).fields["deadline"].initial]
    for day in proposed:
        assert is_working_day(day) and day >= timezone.localdate() + dt.timedelta(days=14)
        assert day == next_working_day(timezone.localdate() + dt.timedelta(days=14))


def test_planned_follow_ups_move_off_weekends_and_holidays(nordby, citizen, demo):
    case = Case.objects.create(municipality=nordby, citizen=citizen, status=S.BUSINESS_SETUP,
                               submitted_at=timezone.now(), reference="NOR-2026-79001")
    CaseApplication.objects.create(case=case, full_name="Amina Hansen", cpr_number="010190-1234",
                                   email="amina@example.dk")
    consultant = user("erhvervskonsulent@nordby.example")
    planned = followup.plan_follow_ups(case, consultant, start=D(2026, 3, 2), months=3)
    # 2 March; 2 April is Skærtorsdag → 7 April; 2 May 2026 is a Saturday → 4 May.
    assert [f.planned_on for f in planned] == [D(2026, 3, 2), D(2026, 4, 7), D(2026, 5, 4)]


# --- The letter and My page -----------------------------------------------------------------------


def test_the_decision_letter_gives_the_appeal_deadline_rule_and_date(case, caseworker):
    decision = refused(case, caseworker, decided_on=D(2026, 3, 5))
    text = pdf_text(decision.letter)
    # Counted from the letter's date (5 March): 2 April is Skærtorsdag, so Tuesday 7 April.
    assert letter_date(D(2026, 3, 5)) in text and letter_date(D(2026, 4, 7)) in text
    with translation.override("en"):
        from backoffice.services.letters import _appeal_deadline_text
        rule = _appeal_deadline_text(decision)
    assert rule.startswith("The deadline for complaining is 4 weeks from the day you received this decision.")
    assert "the deadline is the next working day" in rule


def test_my_page_shows_the_appeal_deadline_to_the_citizen_only(case, caseworker, citizen):
    today = timezone.localdate()
    decision = refused(case, caseworker, decided_on=today)
    deadline = deadline_after(today, weeks=4)
    url = reverse("my_page_case", kwargs={"reference": case.reference})

    client = Client()
    client.force_login(citizen)
    html = client.get(url).content.decode()
    assert f'id="appeal-deadline-{decision.pk}"' in html
    with translation.override("da"):
        assert formats.date_format(deadline, "DATE_FORMAT") in html

    # Once the letter is in Digital Post the deadline runs from then.
    later = next_working_day(today + dt.timedelta(days=3))
    make_available(decision, aware(later))
    html = client.get(url).content.decode()
    with translation.override("da"):
        assert formats.date_format(deadline_after(later, weeks=4), "DATE_FORMAT") in html

    stranger = User.objects.create_user(username="anden@nordby.example", email="anden@nordby.example",
                                        password="x")
    other = Client()
    other.force_login(stranger)
    assert other.get(url).status_code == 404


def test_my_page_has_no_appeal_deadline_once_it_has_passed(case, caseworker, citizen):
    decision = refused(case, caseworker, decided_on=timezone.localdate() - dt.timedelta(days=60))
    client = Client()
    client.force_login(citizen)
    html = client.get(reverse("my_page_case", kwargs={"reference": case.reference})).content.decode()
    assert f'id="appeal-deadline-{decision.pk}"' not in html
    # They may still complain, and are told that the deadline has passed.
    assert f'id="appeal-late-{decision.pk}"' in html
