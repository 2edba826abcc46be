"""Decisions on a case: draft, consult the citizen (partshøring), decide.

The rules of Danish administrative law are built in rather than left to
memory:

- A decision that does not fully grant what the citizen applied for needs
  written reasons (forvaltningsloven § 22) and appeal guidance (§ 25).
- Before such a decision the citizen is heard on the draft reasons (§ 19):
  ``send_for_consultation`` sends them a letter with a deadline, and the
  decision cannot be made before the citizen has answered or the deadline
  has passed. Staff may skip consultation only by writing why (§ 19, stk. 2:
  e.g. the citizen already knows the facts); the reason is kept as a journal
  note.
- The final decision produces a letter (PDF) on the case, shown on the
  citizen's My page and announced by e-mail without content.

Each function checks who may do it (role and municipality), locks the case,
refuses a change made on an outdated page (``expected_version`` →
``StaleCase``), saves, changes the case status through
``transitions.transition`` and writes the audit entry on the Case, in one
transaction. Audit data holds ids, kinds and dates, never the reasons or the
citizen's words. Two staff finalising at once: one wins, the other gets
``StaleCase``."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..decision_texts import ensure_decision_templates, fill_placeholders
from ..deadlines import next_working_day
from ..lifecycle import can_transition
from ..models import Case, Decision, DecisionKind, DecisionTemplate, JournalNote
from ..selectors import HIDDEN_STATUSES
from ..tenancy import may_act_on
from . import digital_post, letters, notifications, transitions
from .citizen import ANSWER_MAX_LENGTH, CitizenActionRefused
from .files import atomic_with_files
from .transitions import StaleCase, TransitionError, TransitionNotAllowed

S = Case.Status
K = DecisionKind
D = Decision.Status

DRAFTED_ACTION = "backoffice.case.decision_drafted"
UPDATED_ACTION = "backoffice.case.decision_updated"
DISCARDED_ACTION = "backoffice.case.decision_discarded"
CONSULTATION_SENT_ACTION = "backoffice.case.consultation_sent"
CONSULTATION_REPLIED_ACTION = "backoffice.case.consultation_replied"
DECIDED_ACTION = "backoffice.case.decided"

REASON_MAX_LENGTH = 20000
WAIVER_MAX_LENGTH = 2000
DEFAULT_CONSULTATION_DAYS = 14  # proposed to staff, then moved to a working day


@dataclass(frozen=True)
class KindRule:
    """How one kind of decision is made."""

    permission: str
    final_status: S | None  # the case status the final decision leads to
    consultation_status: S | None  # the case status while the citizen is heard
    group: str  # only one decision per group may be open on a case at a time
    refusal: bool  # never grants what was applied for
    fully_granted_by_default: bool


RULES = {
    # The citizen applied for the course: admission grants it in full.
    K.ADMIT_TO_COURSE: KindRule("backoffice.decide_admission", S.ADMITTED, S.CONSULTATION, "admission",
                                refusal=False, fully_granted_by_default=True),
    K.REFER_TO_ORDINARY_EFFORT: KindRule("backoffice.decide_admission", S.NOT_ADMITTED, S.CONSULTATION,
                                         "admission", refusal=True, fully_granted_by_default=False),
    # A loan or allowance may be smaller or shorter than applied for: staff say so.
    K.GRANT_LOAN: KindRule("backoffice.decide_loan", S.LOAN_GRANTED, S.LOAN_CONSULTATION, "loan",
                           refusal=False, fully_granted_by_default=False),
    K.DECLINE_LOAN: KindRule("backoffice.decide_loan", S.LOAN_DECLINED, S.LOAN_CONSULTATION, "loan",
                             refusal=True, fully_granted_by_default=False),
    K.GRANT_ALLOWANCE: KindRule("backoffice.decide_loan", None, None, "allowance",
                                refusal=False, fully_granted_by_default=False),
    K.DECLINE_ALLOWANCE: KindRule("backoffice.decide_loan", None, None, "allowance",
                                  refusal=True, fully_granted_by_default=False),
    K.WRITE_OFF_LOAN: KindRule("backoffice.decide_loan", None, None, "write_off",
                               refusal=False, fully_granted_by_default=False),
    # Deferral and rescheduling (services.collection) change the repayment plan, not the debt.
    K.DEFER_LOAN: KindRule("backoffice.decide_loan", None, None, "repayment_plan",
                           refusal=False, fully_granted_by_default=False),
    K.RESCHEDULE_LOAN: KindRule("backoffice.decide_loan", None, None, "repayment_plan",
                                refusal=False, fully_granted_by_default=False),
}

# Kinds without a case status of their own are decided in these statuses.
DECIDED_DURING = {
    "allowance": frozenset({S.COURSE_COMPLETED, S.LOAN_CONSULTATION, S.LOAN_GRANTED, S.BUSINESS_SETUP,
                            S.LOAN_DISBURSED}),
    "write_off": frozenset({S.LOAN_DISBURSED, S.IN_REPAYMENT}),
    "repayment_plan": frozenset({S.LOAN_DISBURSED, S.IN_REPAYMENT}),
}

OPEN = (D.DRAFT, D.IN_CONSULTATION)


class DecisionRefused(TransitionError):
    """A rule stops the step; ``message`` says why, for staff."""

    def __init__(self, message, code=""):
        super().__init__(str(message))
        self.message = message
        self.code = code


# --- Reads ----------------------------------------------------------------------------------------


def rule_for(kind):
    return RULES[K(kind)]


def kinds_in_group(group):
    return [kind for kind, rule in RULES.items() if rule.group == group]


def can_decide(case, kind):
    """Whether a decision of ``kind`` fits the case's status now (directly
    or through consultation)."""
    rule = rule_for(kind)
    if rule.final_status is None:
        return case.status in DECIDED_DURING[rule.group]
    return can_transition(case.status, rule.final_status) or bool(
        rule.consultation_status and can_transition(case.status, rule.consultation_status))


def open_decision(case, kind):
    """The decision of the same group as ``kind`` that is not final yet, if any."""
    return (Decision.objects.filter(case=case, kind__in=kinds_in_group(rule_for(kind).group), status__in=OPEN)
            .order_by("-created_at", "-pk").first())


def kinds_to_draft(case, user):
    """The kinds of decision ``user`` may start on ``case`` now."""
    open_groups = set(
        rule_for(kind).group
        for kind in Decision.objects.filter(case=case, status__in=OPEN).values_list("kind", flat=True))
    return [kind for kind, rule in RULES.items()
            if rule.group not in open_groups and user.has_perm(rule.permission) and can_decide(case, kind)]


def may_decide(user, decision):
    return user.has_perm(rule_for(decision.kind).permission) and may_act_on(user, decision.case)


def reply_is_late(decision):
    """The citizen answered after the deadline (still accepted, but shown)."""
    return bool(decision.consultation_replied_at and decision.consultation_deadline
                and timezone.localdate(decision.consultation_replied_at) > decision.consultation_deadline)


def consultation_pending(decision, today=None):
    """The citizen may still answer: in consultation, no answer, deadline not passed."""
    today = today or timezone.localdate()
    return (decision.status == D.IN_CONSULTATION and decision.consultation_replied_at is None
            and decision.consultation_deadline is not None and today <= decision.consultation_deadline)


def needs_consultation(decision):
    """A decision that does not fully grant the request and has not been sent to the citizen."""
    return not decision.fully_granted and decision.consultation_sent_at is None


# --- Helpers --------------------------------------------------------------------------------------


def _clean(text, max_length, too_long):
    text = (text or "").strip()
    if len(text) > max_length:
        raise DecisionRefused(too_long)
    return text


def _locked_case(case, user, permission, expected_version):
    if not (user.is_authenticated and user.has_perm(permission) and may_act_on(user, case)):
        raise PermissionDenied
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleCase
    if locked.status in HIDDEN_STATUSES:
        raise DecisionRefused(_("This case has been anonymised."))
    return locked


def _locked_decision(decision, locked_case):
    return Decision.objects.select_for_update().get(pk=decision.pk, case=locked_case)


def _changed(case, locked):
    transitions.bump_version(locked)
    case.version = locked.version


def _template(municipality, kind):
    template = DecisionTemplate.objects.filter(municipality=municipality, kind=kind).first()
    return template or ensure_decision_templates(municipality)[kind]


def _fully_granted(kind, value):
    rule = rule_for(kind)
    if value is None:
        return rule.fully_granted_by_default
    if value and rule.refusal:
        raise DecisionRefused(_("A refusal cannot fully grant what the citizen applied for."))
    return bool(value)


def _copy_template_texts(decision, template):
    decision.template = template
    decision.legal_basis = fill_placeholders(template.legal_basis, template)
    decision.appeal_guidance = fill_placeholders(template.appeal_guidance, template)


def _move_case(case, locked, rule_status, *, user, action, data):
    """Change the case status (when the kind has one) or record the change,
    and write the audit entry, inside the caller's transaction."""
    data = {"reference": locked.reference, **data}
    if rule_status is None:
        _changed(case, locked)
        log(instance=case, action=action, user=user, data=data)
    else:
        transitions.transition(case, rule_status, user=user, expected_version=locked.version, action=action,
                               data=data)


def _check_lifecycle(locked, to_status):
    if to_status is not None and not can_transition(locked.status, to_status):
        raise TransitionNotAllowed(locked.status, to_status)




def _sync(target, source):
    """Copy the saved decision's fields onto the caller's instance."""
    for field in Decision._meta.concrete_fields:
        if field.name != "case":
            setattr(target, field.attname, getattr(source, field.attname))
    return target


# --- Drafting -------------------------------------------------------------------------------------


def draft_decision(case, user, kind, *, reason="", fully_granted=None, expected_version=None, now=None):
    """Start a decision of ``kind`` on ``case``, with the legal basis and
    appeal guidance copied from the municipality's template. Admission to
    the course fully grants the application; a referral to the ordinary
    effort never does, so it needs reasons and consultation (or a reason to
    skip it) before it can be final."""
    kind = K(kind)
    rule = rule_for(kind)
    fully = _fully_granted(kind, fully_granted)
    reason = _clean(reason, REASON_MAX_LENGTH, _("The reasons are too long."))
    with transaction.atomic():
        locked = _locked_case(case, user, rule.permission, expected_version)
        if not can_decide(locked, kind):
            raise DecisionRefused(
                _("This kind of decision cannot be made on the case in its present status."),
                code="wrong_status")
        if open_decision(locked, kind) is not None:
            raise DecisionRefused(
                _("There is already a decision on this case that is not final. Finish it, or delete the "
                  "draft, before you start another."), code="open_decision")
        decision = Decision(case=case, kind=kind, fully_granted=fully, reason=reason, status=D.DRAFT,
                            created_at=now or timezone.now())
        _copy_template_texts(decision, _template(locked.municipality, kind))
        decision.save()
        _changed(case, locked)
        log(instance=case, action=DRAFTED_ACTION, user=user, data={
            "reference": locked.reference, "decision": decision.pk, "kind": kind.value,
            "fully_granted": fully,
        })
    return decision


def update_draft(decision, user, *, reason, kind=None, fully_granted=None, expected_version=None):
    """Change a decision that is not final: its reasons (also after the
    citizen's comments, which the final reasons should answer), or its kind
    within the same group (the citizen's comments may change the outcome).
    A new kind takes its texts from the template again."""
    case = decision.case
    new_kind = K(kind) if kind else K(decision.kind)
    if rule_for(new_kind).group != rule_for(decision.kind).group:
        raise DecisionRefused(_("Choose a decision of the same kind."))
    rule = rule_for(new_kind)
    reason = _clean(reason, REASON_MAX_LENGTH, _("The reasons are too long."))
    with transaction.atomic():
        locked = _locked_case(case, user, rule.permission, expected_version)
        current = _locked_decision(decision, locked)
        if current.status == D.FINAL:
            raise StaleCase
        changed = []
        if new_kind != current.kind:
            if not can_decide(locked, new_kind):
                raise DecisionRefused(
                    _("This kind of decision cannot be made on the case in its present status."))
            current.kind = new_kind
            _copy_template_texts(current, _template(locked.municipality, new_kind))
            current.fully_granted = _fully_granted(new_kind, fully_granted)
            changed += ["kind", "template", "legal_basis", "appeal_guidance", "fully_granted"]
        elif fully_granted is not None and bool(fully_granted) != current.fully_granted:
            current.fully_granted = _fully_granted(new_kind, fully_granted)
            changed.append("fully_granted")
        if reason != current.reason:
            current.reason = reason
            changed.append("reason")
        if not changed:
            return _sync(decision, current)
        current.save(update_fields=changed)
        _changed(case, locked)
        log(instance=case, action=UPDATED_ACTION, user=user, data={
            "reference": locked.reference, "decision": current.pk, "kind": current.kind,
            "fully_granted": current.fully_granted, "changed": sorted(set(changed)),
        })
    return _sync(decision, current)


def discard_draft(decision, user, *, expected_version=None):
    """Delete a draft that was never sent to the citizen. A decision that
    has been in consultation is part of the file and stays."""
    case = decision.case
    with transaction.atomic():
        locked = _locked_case(case, user, rule_for(decision.kind).permission, expected_version)
        current = _locked_decision(decision, locked)
        if current.status != D.DRAFT or current.consultation_sent_at is not None:
            raise DecisionRefused(_("Only a draft that has not been sent to the citizen can be deleted."))
        pk, kind = current.pk, current.kind
        current.delete()
        _changed(case, locked)
        log(instance=case, action=DISCARDED_ACTION, user=user, data={
            "reference": locked.reference, "decision": pk, "kind": kind,
        })
    return case


# --- Consultation ---------------------------------------------------------------------------------


def send_for_consultation(decision, user, *, deadline, expected_version, now=None):
    """Send the draft reasons to the citizen and give them until
    ``deadline`` (a date) to comment: the case moves to consultation, the
    consultation letter is stored on the case for My page, and the citizen
    is told by e-mail. A deadline on a weekend or holiday is moved to the
    next working day, as a Danish deadline is (``deadlines``); the decision's
    ``consultation_deadline`` is the date used."""
    case = decision.case
    rule = rule_for(decision.kind)
    now = now or timezone.now()
    if deadline is None or deadline <= timezone.localdate(now):
        raise DecisionRefused(_("The deadline for comments must be a date after today."), code="deadline")
    deadline = next_working_day(deadline)
    with atomic_with_files() as stored:
        locked = _locked_case(case, user, rule.permission, expected_version)
        current = _locked_decision(decision, locked)
        if current.status != D.DRAFT:
            raise DecisionRefused(_("This decision has already been sent to the citizen."), code="not_draft")
        if current.fully_granted:
            raise DecisionRefused(_("This decision gives the citizen what they applied for, so there is "
                                    "nothing to consult them on. Make the final decision instead."),
                                  code="fully_granted")
        if not current.reason.strip():
            raise DecisionRefused(_("Write the draft reasons first: they are what the citizen comments on."),
                                  code="reason_required")
        _check_lifecycle(locked, rule.consultation_status)

        current.case = case
        current.status = D.IN_CONSULTATION
        current.consultation_sent_at = now
        current.consultation_deadline = deadline
        pdf = letters.consultation_letter_pdf(current, user=user, now=now)
        letter = letters.store_letter(case, pdf, filename=f"partshoering-{locked.reference}.pdf", user=user,
                                      now=now)
        stored.append(letter.file)
        digital_post.queue_letter(case, letter, kind=digital_post.CONSULTATION, decision=current, now=now)
        current.letter = letter
        current.save(update_fields=["status", "consultation_sent_at", "consultation_deadline", "letter"])
        _move_case(case, locked, rule.consultation_status, user=user, action=CONSULTATION_SENT_ACTION, data={
            "decision": current.pk, "kind": current.kind, "deadline": deadline.isoformat(),
            "letter": letter.pk,
        })
        notifications.notify_citizen(case, notifications.CITIZEN_CONSULTATION)
    return _sync(decision, current)


def record_consultation_reply(decision, citizen_user, text, *, now=None):
    """The citizen's comments on the draft, from My page. Only the case's
    own citizen, only while the draft is in consultation; after the
    deadline the comments are still taken (and shown as late). Staff are
    told by e-mail. Raises ``CitizenActionRefused`` with a message for the
    citizen, ``PermissionError`` for anybody else."""
    text = (text or "").strip()
    if not text:
        raise CitizenActionRefused(_("Write your comments before you send them."), code="required")
    if len(text) > ANSWER_MAX_LENGTH:
        raise CitizenActionRefused(_("Your comments are too long."), code="too_long")
    now = now or timezone.now()
    case = decision.case
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if (citizen_user is None or not citizen_user.is_authenticated or locked.citizen_id != citizen_user.pk
                or locked.status in HIDDEN_STATUSES):
            raise PermissionError("Not the citizen's case")
        current = _locked_decision(decision, locked)
        rule = rule_for(current.kind)
        if current.status != D.IN_CONSULTATION:
            raise CitizenActionRefused(
                _("We have made the decision, so you can no longer comment on the draft. Read the decision "
                  "letter, or write to us in the messages."), code="closed")
        if current.consultation_replied_at is not None:
            raise CitizenActionRefused(
                _("You have already sent your comments. If you want to add something, write to us in the "
                  "messages."), code="already_replied")
        if rule.consultation_status is not None and locked.status != rule.consultation_status:
            raise CitizenActionRefused(_("You can no longer comment on this draft decision."), code="closed")
        current.consultation_reply = text
        current.consultation_replied_at = now
        current.save(update_fields=["consultation_reply", "consultation_replied_at"])
        _changed(case, locked)
        log(instance=case, action=CONSULTATION_REPLIED_ACTION, user=citizen_user, data={
            "reference": locked.reference, "decision": current.pk, "late": reply_is_late(current),
        })
        notifications.notify_staff(case, notifications.STAFF_CONSULTATION_REPLY)
    return _sync(decision, current)


# --- The final decision ---------------------------------------------------------------------------


def finalise_decision(decision, user, *, expected_version, reason=None, consultation_waived_reason="",
                      now=None):
    """Make ``decision`` final: check the rules, move the case (admitted /
    not admitted, ...), store the decision letter for My page and tell the
    citizen. ``reason``: the final reasons, if changed since the draft.
    ``consultation_waived_reason``: why the citizen need not be heard first
    (only for a decision that was not sent for consultation); kept as a
    journal note. Raises ``DecisionRefused``, ``StaleCase`` (someone else
    changed or decided the case meanwhile), ``TransitionNotAllowed`` and
    ``PermissionDenied``."""
    case = decision.case
    rule = rule_for(decision.kind)
    now = now or timezone.now()
    waiver = _clean(consultation_waived_reason, WAIVER_MAX_LENGTH, _("The explanation is too long."))
    with atomic_with_files() as stored:
        locked = _locked_case(case, user, rule.permission, expected_version)
        current = _locked_decision(decision, locked)
        if current.status == D.FINAL:
            raise StaleCase  # decided by someone else meanwhile
        if reason is not None:
            current.reason = _clean(reason, REASON_MAX_LENGTH, _("The reasons are too long."))
        consultation = _check_final_rules(current, waiver, now)
        _check_lifecycle(locked, rule.final_status)

        note = None
        if consultation == "waived":
            with translation.override(settings.LANGUAGE_CODE):
                body = gettext("Consultation not held before the decision (%(kind)s). Reason: %(reason)s") % {
                    "kind": current.get_kind_display(), "reason": waiver}
            note = JournalNote.objects.create(case=locked, author=user, body=body, noted_at=now)

        current.case = case
        current.status = D.FINAL
        current.decided_by = user
        current.decided_at = now
        pdf = letters.decision_letter_pdf(current)
        letter = letters.store_letter(case, pdf, filename=f"afgoerelse-{locked.reference}.pdf", user=user,
                                      now=now)
        stored.append(letter.file)
        digital_post.queue_letter(case, letter, kind=digital_post.DECISION, decision=current, now=now)
        current.letter = letter
        current.save(update_fields=["reason", "status", "decided_by", "decided_at", "letter"])
        _move_case(case, locked, rule.final_status, user=user, action=DECIDED_ACTION, data={
            "decision": current.pk, "kind": current.kind, "fully_granted": current.fully_granted,
            "consultation": consultation, "letter": letter.pk, "note": note.pk if note else None,
        })
        if current.kind in (K.REFER_TO_ORDINARY_EFFORT, K.ADMIT_TO_COURSE):
            # The statistics date the referral (milestone on the case); an
            # admission after all (reconsideration, appeal) takes it back.
            referred_on = timezone.localdate(now) if current.kind == K.REFER_TO_ORDINARY_EFFORT else None
            Case.objects.filter(pk=locked.pk).update(referred_ordinary_effort_on=referred_on)
            case.referred_ordinary_effort_on = referred_on
        notifications.notify_citizen(case, notifications.CITIZEN_LETTER)
    return _sync(decision, current)


def _check_final_rules(decision, waiver, now):
    """The administrative-law checks before a decision is final. Returns
    how the citizen was heard: "held", "waived" or "not_needed"."""
    if not decision.legal_basis.strip():
        raise DecisionRefused(
            _("The decision has no legal basis. Add it to the decision template, then draft the decision "
              "again."),
            code="legal_basis_required")
    if decision.fully_granted:
        return "held" if decision.consultation_sent_at else "not_needed"
    if not decision.reason.strip():
        raise DecisionRefused(
            _("Write the reasons for the decision. A decision that does not fully grant what the citizen "
              "applied for must give reasons."), code="reason_required")
    if not decision.appeal_guidance.strip():
        raise DecisionRefused(_("The decision has no appeal guidance. Add it to the decision template, then "
                                "draft the decision again."), code="appeal_guidance_required")
    if decision.consultation_sent_at is None:
        if not waiver:
            raise DecisionRefused(
                _("The citizen must be heard before this decision (consultation). Send the draft for "
                  "consultation, or write why consultation is not needed."), code="consultation_required")
        return "waived"
    if consultation_pending(decision, timezone.localdate(now)):
        raise DecisionRefused(
            _("The citizen has until %(date)s to comment. Wait for their comments or for the deadline before "
              "you decide.") % {"date": _date(decision.consultation_deadline)}, code="consultation_pending")
    return "held"


def _date(value):
    return formats.date_format(value, "DATE_FORMAT")
