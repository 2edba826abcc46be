"""Applying each municipality's retention policy (``models.RetentionPolicy``):
delete applications never sent, anonymise old closed cases.

    apply_retention()                          # every municipality
    apply_retention("nordby", dry_run=True)    # what would happen, nothing changes

``manage.py apply_retention`` and the ``run_retention`` task call it; run it
nightly (see the command's help).

The backoffice never imports the portal, which owns the drafts. The portal
takes part through two Wagtail hooks instead (``portal/retention.py``):

- ``DRAFTS_HOOK``: ``fn(municipality, *, last_saved_before, dry_run)`` deletes
  (or counts) the municipality's unsent drafts last saved before the
  moment, with their files, and returns ``{"drafts": n, "draft_files": m}``.
- ``CASE_ANONYMISED_HOOK``: ``fn(case)`` runs inside the transaction that
  anonymises ``case``; the portal deletes its copy of the submitted
  application there.

What anonymising keeps and removes (``anonymise_case``):

- Kept, for the evaluation and statistics: the case row with its reference,
  status, dates and status history (the audit log holds references and
  statuses only), target group, person-group marker, amounts, assessment
  ratings and recommendations, decisions' kinds and dates, enrolment and
  attendance, loans, payments and the ledger, outcomes, the access log.
- Removed: name, CPR number, contact details and every free text the
  citizen wrote or that was written about them (application answers,
  messages, questions and answers, talk notes, assessment and decision
  reasons, consultation replies, follow-up and self-report texts, business
  name, CVR and bank account numbers), journal and coaching notes, and
  every document, file and row. The link to the citizen's login goes.
  Texts that the database requires to be present (the reason of a final
  refusal, a submitted rating's reason) become ``REDACTED``.
- Not changed: ledger entries are append-only accounting records; their
  notes stay (staff write booking notes, not personal details).

Files are deleted from storage only after the transaction has committed, so a
rollback never leaves a row whose file is gone.
"""

import logging
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case as CaseExpression
from django.db.models import Exists, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task
from wagtail import hooks

from ..models import (
    Appeal,
    Allowance,
    Assessment,
    Attendance,
    Business,
    BusinessAccount,
    Case,
    CaseApplication,
    CoachingNote,
    CompanyLookup,
    Decision,
    Document,
    FollowUp,
    InformationRequest,
    JournalNote,
    Loan,
    Message,
    Municipality,
    Outcome,
    PersonLookup,
    RetentionPolicy,
    ScreeningTalk,
    SelfReport,
)
from .transitions import TransitionError, TransitionNotAllowed, may_transition, transition

logger = logging.getLogger(__name__)

S = Case.Status
ANONYMISED_ACTION = "backoffice.case.anonymised"
DRAFTS_HOOK = "backoffice_retention_delete_drafts"
CASE_ANONYMISED_HOOK = "backoffice_retention_case_anonymised"

# Stands in for a text the database requires to be present.
REDACTED = "[anonymised]"

# Why a case was anonymised, in the audit entry.
RULE_WITHOUT_LOAN = "closed_without_loan"
RULE_LOAN = "closed_with_loan"

COUNTS = ("drafts_deleted", "draft_files_deleted", "cases_anonymised", "loan_cases_anonymised",
          "documents_deleted", "cases_skipped")


# --- Policy -----------------------------------------------------------------------------------


def policy_for(municipality, *, create=True):
    """The municipality's policy. A municipality without one gets the
    defaults, saved (``create``) so the coordinator sees what applies."""
    policy = RetentionPolicy.objects.filter(municipality=municipality).first()
    if policy is None:
        policy = RetentionPolicy(municipality=municipality)
        if create:
            policy, _ = RetentionPolicy.objects.get_or_create(municipality=municipality)
    return policy


# --- Selection --------------------------------------------------------------------------------


def cases_due(municipality, policy, now):
    """Closed cases of ``municipality`` whose retention period is over,
    annotated with ``has_money`` (a loan or allowance: the longer,
    bookkeeping period applies). Imported cases without a closing time
    count from their last status change."""
    has_money = Exists(Loan.objects.filter(case=OuterRef("pk"))) | Exists(
        Allowance.objects.filter(case=OuterRef("pk")))
    return (
        Case.objects.filter(municipality=municipality, status=S.CLOSED)
        .annotate(closed_on=Coalesce("closed_at", "status_changed_at"), has_money=has_money)
        .filter(
            Q(has_money=False, closed_on__lt=policy.cases_without_money_cutoff(now))
            | Q(has_money=True, closed_on__lt=policy.loan_cases_cutoff(now))
        )
        .order_by("closed_on", "pk")
    )


# --- Anonymising one case -----------------------------------------------------------------------


def anonymise_case(case, *, user=None, now=None, data=None):
    """Remove the personal data of the closed ``case`` and move it to
    ANONYMISED, in one transaction; its files go after the commit.

    ``user`` None: the system does it (the retention run). A staff user
    needs the ``anonymise_case`` permission in the case's municipality.
    Raises ``TransitionError`` (not closed any more, or changed meanwhile)
    and ``PermissionDenied``; nothing changes then. Returns the number of
    documents deleted."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        # Checked before anything is erased; transition() checks again.
        if user is not None and not may_transition(user, locked, S.ANONYMISED):
            raise PermissionDenied
        if locked.status != S.CLOSED:
            raise TransitionNotAllowed(locked.status, S.ANONYMISED)
        files, documents = _erase(locked)
        for hook in hooks.get_hooks(CASE_ANONYMISED_HOOK):
            hook(locked)
        transition(locked, S.ANONYMISED, user=user, authorised=user is None, action=ANONYMISED_ACTION,
                   now=now, data={"documents_deleted": documents, **(data or {})})
        transaction.on_commit(partial(delete_files, files))
    for name in ("status", "status_changed_at", "version", "anonymised_at", "citizen_id", "submission_key"):
        setattr(case, name, getattr(locked, name))
    return documents


def _erase(case):
    """Blank or delete everything that says who the citizen is. Returns
    the files to delete after the commit and the number of documents."""
    documents = list(Document.objects.filter(case=case).only("pk", "file"))
    files = [(d.file.storage, d.file.name) for d in documents if d.file.name]
    Decision.objects.filter(case=case, letter__isnull=False).update(letter=None)  # the letter is PROTECTed
    Document.objects.filter(case=case).delete()

    Case.objects.filter(pk=case.pk).update(citizen=None, submission_key=None)
    case.citizen_id = case.submission_key = None
    CaseApplication.objects.filter(case=case).update(
        full_name="", cpr_number="", address="", postcode="", city="", phone="", email="", caseworker_name="",
        business_idea="", industry="", customers="", competitors="", experience="", motivation="",
    )
    Message.objects.filter(case=case).update(body="")
    Message.objects.filter(case=case, from_staff=False).update(sender=None)
    InformationRequest.objects.filter(case=case).update(question="", answer_text="")
    ScreeningTalk.objects.filter(case=case).update(location="", video_url="", outcome_notes="")
    reasons = [f"{criterion}_reason" for criterion in Assessment.CRITERIA]
    Assessment.objects.filter(case=case).update(**{field: _redacted_unless_empty(field) for field in reasons})
    Decision.objects.filter(case=case).update(
        reason=_redacted_unless_empty("reason"), consultation_reply="")
    JournalNote.objects.filter(case=case).delete()
    CoachingNote.objects.filter(case=case).delete()
    Attendance.objects.filter(enrolment__case=case).update(note="")
    FollowUp.objects.filter(case=case).update(notes="")
    SelfReport.objects.filter(case=case).update(how_it_goes="")
    Outcome.objects.filter(case=case).update(note="")
    Appeal.objects.filter(case=case).update(text="", reassessment_note="", outcome_note="")
    Business.objects.filter(case=case).update(name=REDACTED, cvr_number="", industry="")
    BusinessAccount.objects.filter(business__case=case).update(
        registration_number="", account_number="", notes="")
    # What the CPR and CVR registers said names the citizen too.
    CaseApplication.objects.filter(case=case).update(cpr_lookup=None)
    Business.objects.filter(case=case).update(cvr_lookup=None)
    PersonLookup.objects.filter(case=case).delete()
    CompanyLookup.objects.filter(case=case).delete()
    return files, len(documents)


def _redacted_unless_empty(field):
    return CaseExpression(When(**{field: ""}, then=Value("")), default=Value(REDACTED))


def delete_files(files):
    """Delete ``(storage, name)`` pairs; a storage error is logged and the
    rest go on (the rows are already gone, so the file is only an orphan)."""
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception:  # noqa: BLE001 - one unreachable file must not stop the others
            logger.exception("Retention: could not delete file %s", name)


# --- The run ----------------------------------------------------------------------------------


def _municipalities(municipality):
    if municipality is None:
        return list(Municipality.objects.order_by("slug"))
    if isinstance(municipality, Municipality):
        return [municipality]
    return [Municipality.objects.get(slug=municipality)]


def _delete_drafts(municipality, policy, now, dry_run):
    counts = {"drafts": 0, "draft_files": 0}
    for hook in hooks.get_hooks(DRAFTS_HOOK):
        result = hook(municipality, last_saved_before=policy.drafts_cutoff(now), dry_run=dry_run) or {}
        for key in counts:
            counts[key] += result.get(key, 0)
    return counts


def apply_retention(municipality=None, *, now=None, dry_run=False):
    """Apply the retention policy of ``municipality`` (a Municipality or its
    slug; None: all). Returns ``{slug: counts}`` with the keys in
    ``COUNTS``; with ``dry_run`` the counts say what would happen and nothing
    changes. Safe to run again: what is done is not found again."""
    now = now or timezone.now()
    results = {}
    for m in _municipalities(municipality):
        policy = policy_for(m, create=not dry_run)
        counts = dict.fromkeys(COUNTS, 0)
        drafts = _delete_drafts(m, policy, now, dry_run)
        counts["drafts_deleted"], counts["draft_files_deleted"] = drafts["drafts"], drafts["draft_files"]
        due = list(cases_due(m, policy, now).values_list("pk", "has_money"))
        if dry_run:
            counts["loan_cases_anonymised"] = sum(1 for _, money in due if money)
            counts["cases_anonymised"] = len(due) - counts["loan_cases_anonymised"]
            counts["documents_deleted"] = Document.objects.filter(
                case__in=cases_due(m, policy, now).values("pk")).count()
        else:
            for pk, has_money in due:
                _anonymise_due(pk, has_money, policy, now, counts)
        results[m.slug] = counts
    return results


def _anonymise_due(pk, has_money, policy, now, counts):
    years = policy.anonymise_closed_after_years if has_money else policy.anonymise_rejected_after_years
    data = {"reason": "retention", "rule": RULE_LOAN if has_money else RULE_WITHOUT_LOAN, "years": years}
    try:
        counts["documents_deleted"] += anonymise_case(Case(pk=pk), now=now, data=data)
    except TransitionError:
        # Reopened or changed since it was selected: the next run looks again.
        counts["cases_skipped"] += 1
        return
    counts["loan_cases_anonymised" if has_money else "cases_anonymised"] += 1


@task()
def run_retention(municipality_slug=None, dry_run=False):
    """``apply_retention`` as a background task, for a scheduler to enqueue."""
    return apply_retention(municipality_slug, dry_run=dry_run)
