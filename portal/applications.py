"""The online application: its steps, and submitting a draft.

The portal keeps drafts; submitting hands the answers to the backoffice,
which opens the case (backoffice.services.cases). Nothing here writes
backoffice models directly."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.models import TargetGroup
from backoffice.services.cases import APPLICATION_FIELDS, ApplicationSubmission, submit_application

from .application_forms import AboutYouForm, DeclarationsForm, IdeaForm, MoneyForm
from .models import ApplicationDraft


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form_class: type

    def form(self, draft, data=None):
        kwargs = {"initial": draft.answers, "prefix": None}
        if self.form_class is MoneyForm:
            kwargs["loan_policy"] = draft.municipality.loan_policy
        return self.form_class(data, **kwargs) if data is not None else self.form_class(**kwargs)


STEPS = [
    Step("about-you", _("About you"), AboutYouForm),
    Step("idea", _("Your idea"), IdeaForm),
    Step("money", _("Money"), MoneyForm),
    Step("declarations", _("Declarations"), DeclarationsForm),
]


def first_incomplete_step(draft):
    """The first step whose saved answers do not pass its form, or None."""
    for step in STEPS:
        if not step.form(draft, data=draft.answers).is_valid():
            return step
    return None


class IncompleteApplication(Exception):
    def __init__(self, step):
        super().__init__(step.slug)
        self.step = step


def submit_draft(draft_id, citizen):
    """Submit the citizen's draft and return its case. Safe to call again
    (double click, two tabs, resent form): the same case comes back."""
    with transaction.atomic():
        # Lock only the draft row: the loan policy comes through an outer join.
        draft = ApplicationDraft.objects.select_for_update(of=("self",)).select_related(
            "municipality__loan_policy").get(pk=draft_id, citizen=citizen)
        if draft.status == ApplicationDraft.Status.SUBMITTED and draft.case_id:
            return draft.case
        incomplete = first_incomplete_step(draft)
        if incomplete is not None:
            raise IncompleteApplication(incomplete)
        now = timezone.now()
        answers = {k: v for k, v in draft.answers.items() if k in APPLICATION_FIELDS}
        answers.update(declarations_accepted_at=now, consent_at=now)
        case, _created = submit_application(ApplicationSubmission(
            submission_key=draft.pk,
            municipality=draft.municipality,
            citizen=citizen,
            target_group=TargetGroup.objects.filter(code=draft.answers.get("target_group")).first(),
            answers=answers,
        ))
        draft.status = ApplicationDraft.Status.SUBMITTED
        draft.case = case
        draft.submitted_at = now
        draft.save(update_fields=["status", "case", "submitted_at", "updated_at"])
        return case
