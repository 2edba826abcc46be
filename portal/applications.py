"""The online application: its steps, uploads to a draft, and submitting it.

The portal keeps drafts; submitting hands the answers and files to the
backoffice, which opens the case (backoffice.services.cases). Nothing here
writes backoffice models directly."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.models import TargetGroup
from backoffice.services.cases import (
    APPLICATION_FIELDS,
    ApplicationSubmission,
    SubmittedDocument,
    submit_application,
)
from backoffice.uploads import validate_upload

from .application_forms import AboutYouForm, DeclarationsForm, IdeaForm, MoneyForm
from .models import ApplicationDraft, DraftDocument

REQUIRED_DOCUMENTS = (DraftDocument.Kind.BUSINESS_PLAN, DraftDocument.Kind.BUDGET)


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form_class: type | None = None  # None: documents and review have no form of answers

    def form(self, draft, data=None):
        kwargs = {"initial": draft.answers}
        if self.form_class is MoneyForm:
            kwargs["loan_policy"] = draft.municipality.loan_policy
        return self.form_class(data, **kwargs) if data is not None else self.form_class(**kwargs)

    def is_complete(self, draft, documents=None):
        if self.slug == "documents":
            kinds = {d.kind for d in (documents if documents is not None else draft.documents.all())}
            return all(kind in kinds for kind in REQUIRED_DOCUMENTS)
        if self.form_class is None:
            return True
        return self.form(draft, data=draft.answers).is_valid()


STEPS = [
    Step("about-you", _("About you"), AboutYouForm),
    Step("idea", _("Your idea"), IdeaForm),
    Step("money", _("Money"), MoneyForm),
    Step("documents", _("Documents")),
    Step("declarations", _("Declarations"), DeclarationsForm),
    Step("review", _("Check and send")),
]
STEPS_BY_SLUG = {step.slug: step for step in STEPS}


def next_step(step):
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def previous_step(step):
    index = STEPS.index(step)
    return STEPS[index - 1] if index > 0 else None


def first_incomplete_step(draft, documents=None):
    """The first step whose saved answers are not complete, or None."""
    for step in STEPS:
        if not step.is_complete(draft, documents):
            return step
    return None


def raw_answers(form):
    """What the citizen typed in ``form``'s fields, valid or not, so that
    leaving a step half done ("Back", "Save and continue later", an error)
    never loses it. Valid fields are stored cleaned."""
    answers = {}
    for name, field in form.fields.items():
        if form.is_bound and name in getattr(form, "cleaned_data", {}):
            answers[name] = form.cleaned_data[name]
        else:
            answers[name] = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    return answers


def cleaned_answers(draft):
    """Every form step's cleaned answers, for submission."""
    answers = {}
    for step in STEPS:
        if step.form_class is not None:
            form = step.form(draft, data=draft.answers)
            if not form.is_valid():
                raise IncompleteApplication(step)
            answers.update(form.cleaned_data)
    return answers


class IncompleteApplication(Exception):
    def __init__(self, step):
        super().__init__(step.slug)
        self.step = step


def take_verified_identity(draft, identity):
    """Put the CPR number MitID gave on the draft, marked as verified, so
    the form shows it instead of asking; the name too if none is written
    yet. ``identity`` is None after a password sign-in: nothing changes."""
    if identity is None or draft.status != ApplicationDraft.Status.DRAFT:
        return
    answers = dict(draft.answers)
    answers.update(cpr_number=identity.cpr_formatted, cpr_verified=True)
    if not answers.get("full_name") and identity.full_name:
        answers["full_name"] = identity.full_name
    if answers != draft.answers:
        draft.answers = answers
        draft.save(update_fields=["answers", "updated_at"])


# --- Uploads --------------------------------------------------------------------------------------


def used_upload_bytes(draft):
    return draft.documents.aggregate(total=Sum("size"))["total"] or 0


def remaining_upload_bytes(draft):
    return max(0, settings.UPLOAD_MAX_APPLICATION_BYTES - used_upload_bytes(draft))


def add_draft_document(draft, kind, uploaded_file):
    """Validate ``uploaded_file`` and keep it on the draft. Raises
    UploadRejected (with a message for the citizen) and stores nothing then."""
    validated = validate_upload(uploaded_file, already_used_bytes=used_upload_bytes(draft))
    document = DraftDocument(draft=draft, kind=kind, **validated.document_fields())
    document.save()
    return document


def remove_draft_document(document):
    document.file.delete(save=False)
    document.delete()


# --- Submission ------------------------------------------------------------------------------------


def submit_draft(draft_id, citizen):
    """Submit the citizen's draft; return ``(case, created)``. Safe to call
    again (double click, two tabs, a resent form): the same case comes back
    with ``created`` False."""
    with transaction.atomic():
        # Lock only the draft row: the loan policy comes through an outer join.
        draft = ApplicationDraft.objects.select_for_update(of=("self",)).select_related(
            "municipality__loan_policy").get(pk=draft_id, citizen=citizen)
        if draft.status == ApplicationDraft.Status.SUBMITTED and draft.case_id:
            return draft.case, False
        documents = list(draft.documents.all())
        incomplete = first_incomplete_step(draft, documents)
        if incomplete is not None:
            raise IncompleteApplication(incomplete)
        now = timezone.now()
        answers = {k: v for k, v in cleaned_answers(draft).items() if k in APPLICATION_FIELDS}
        answers.update(declarations_accepted_at=now, consent_at=now)
        case, created = submit_application(ApplicationSubmission(
            submission_key=draft.pk,
            municipality=draft.municipality,
            citizen=citizen,
            target_group=TargetGroup.objects.filter(code=draft.answers.get("target_group")).first(),
            answers=answers,
            documents=[
                SubmittedDocument(
                    kind=d.kind, stored_name=d.file.name, original_name=d.original_name,
                    content_type=d.content_type, size=d.size, sha256=d.sha256,
                    scan_status=d.scan_status, scan_detail=d.scan_detail,
                ) for d in documents
            ],
        ))
        draft.status = ApplicationDraft.Status.SUBMITTED
        draft.case = case
        draft.submitted_at = now
        draft.save(update_fields=["status", "case", "submitted_at", "updated_at"])
        return case, created
