"""The application's steps: validation of every answer, drafts that keep
earlier answers, and submission that opens exactly one case."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from backoffice.models import Case
from portal.application_forms import AboutYouForm, DeclarationsForm, MoneyForm
from portal.applications import STEPS, IncompleteApplication, first_incomplete_step, submit_draft
from portal.models import ApplicationDraft

from .applying import ABOUT_YOU, MONEY, add_documents, fill


def test_about_you_normalises_cpr_and_phone(demo):
    form = AboutYouForm({**ABOUT_YOU, "phone": "12  34 56 78"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["cpr_number"] == "010190-1234"
    assert form.cleaned_data["phone"] == "12 34 56 78"


@pytest.mark.parametrize("cpr, message", [
    ("12345", "10 cifre"),
    ("310290-1234", "fødselsdato"),
])
def test_cpr_errors_are_plain_danish(demo, cpr, message):
    with translation.override("da"):
        form = AboutYouForm({**ABOUT_YOU, "cpr_number": cpr})
        assert not form.is_valid()
        assert message in form.errors["cpr_number"][0]


def test_inactive_target_groups_are_not_offered(demo):
    from backoffice.models import TargetGroup

    TargetGroup.objects.filter(code="self_supporting").update(active=False)
    codes = [code for code, _ in AboutYouForm().fields["target_group"].choices]
    assert "self_supporting" not in codes and "jobready_cash_benefit" in codes


def test_loan_amount_must_be_within_the_municipalitys_policy(nordby):
    nordby.loan_policy.max_amount = 45_000
    with translation.override("da"):
        form = MoneyForm({**MONEY, "requested_amount_dkk": "60000"}, loan_policy=nordby.loan_policy)
        assert not form.is_valid()
        assert "30.000 kr." in form.errors["requested_amount_dkk"][0]
        assert "45.000 kr." in form.errors["requested_amount_dkk"][0]


def test_amounts_must_be_whole_kroner(nordby):
    form = MoneyForm({**MONEY, "startup_costs_dkk": "45.000,50"}, loan_policy=nordby.loan_policy)
    assert "startup_costs_dkk" in form.errors


def test_declarations_must_both_be_ticked():
    form = DeclarationsForm({"truthful": "on"})
    assert list(form.errors) == ["consent"]


def test_each_step_keeps_the_answers_of_the_others(draft):
    fill(draft, "about-you", "idea")
    draft.refresh_from_db()
    assert draft.answers["full_name"] == "Amina Hansen" and draft.answers["industry"] == "Skrædder"
    assert draft.last_step == "idea"
    # Going back shows the saved answers.
    assert STEPS[0].form(draft).initial["city"] == "Nordby"
    assert first_incomplete_step(draft).slug == "money"


def test_draft_str_never_shows_answers(draft):
    fill(draft, "about-you")
    assert "0101" not in str(draft) and "Amina" not in str(draft)


def test_incomplete_draft_cannot_be_submitted(draft, citizen):
    fill(draft, "about-you", "idea")
    with pytest.raises(IncompleteApplication) as error:
        submit_draft(draft.pk, citizen)
    assert error.value.step.slug == "money"
    assert not Case.objects.filter(submission_key=draft.pk).exists()


def test_business_plan_and_budget_are_required(draft, citizen):
    fill(draft)
    with pytest.raises(IncompleteApplication) as error:
        submit_draft(draft.pk, citizen)
    assert error.value.step.slug == "documents"


def test_submitting_twice_gives_one_case_with_the_answers(draft, citizen, nordby):
    fill(draft)
    add_documents(draft)
    first, created = submit_draft(draft.pk, citizen)
    second, created_again = submit_draft(draft.pk, citizen)
    assert created and not created_again
    assert first.pk == second.pk
    # The case takes over the stored files, without copying them.
    stored = sorted(draft.documents.values_list("kind", "file"))
    assert sorted(first.documents.values_list("kind", "file")) == stored
    assert Case.objects.filter(submission_key=draft.pk).count() == 1
    assert first.municipality == nordby and first.target_group.code == "jobready_cash_benefit"
    assert first.application.cpr_number == "010190-1234"
    assert first.application.requested_amount_dkk == 40000
    assert first.application.declarations_accepted_at is not None
    draft.refresh_from_db()
    assert draft.status == ApplicationDraft.Status.SUBMITTED and draft.case == first


def test_another_citizen_cannot_submit_the_draft(draft):
    fill(draft)
    add_documents(draft)
    other = get_user_model().objects.get(email="borger@sydby.example")
    with pytest.raises(ApplicationDraft.DoesNotExist):
        submit_draft(draft.pk, other)
