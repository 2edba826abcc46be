"""The assessment against the five criteria, one per case and role.

The caseworker and the business consultant assess separately: each writes
their own (``Assessment.Role``), and neither sees the other's until it is
submitted (``visible_counterpart``), so the decision rests on two
independent views. A submitted assessment is the basis of the decision and
is locked; its author can reopen it, which is audited.

Every write checks the ``assess_case`` permission, the municipality and the
role, locks the case, refuses an outdated page (``expected_version``),
saves, bumps the version and writes the audit entry on the Case, in one
transaction. The audit data names the fields that changed, never the
ratings or reasons (the health criterion is health data)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from .. import roles
from ..models import Assessment, Case
from ..tenancy import may_act_on
from . import transitions
from .transitions import StaleCase, TransitionError

S = Case.Status
R = Assessment.Role

ASSESSMENT_SAVED_ACTION = "backoffice.case.assessment_saved"
ASSESSMENT_SUBMITTED_ACTION = "backoffice.case.assessment_submitted"
ASSESSMENT_REOPENED_ACTION = "backoffice.case.assessment_reopened"

PERMISSION = "backoffice.assess_case"
# Assessed before the admission decision (and during consultation, when the
# citizen's comments may change the view).
ASSESSABLE_STATUSES = frozenset({S.SUBMITTED, S.SCREENING, S.AWAITING_INFORMATION, S.CONSULTATION})
# Recommendations an assessor can submit; "undecided" is only a draft's state.
SUBMITTABLE_RECOMMENDATIONS = (Assessment.Recommendation.ADMIT, Assessment.Recommendation.REFER)
REASON_MAX_LENGTH = 10000

# Which assessment each role group writes; the coordinator may write either.
GROUP_ROLES = {
    roles.ROLE_GROUP_NAMES[roles.CASEWORKER]: (R.CASEWORKER,),
    roles.ROLE_GROUP_NAMES[roles.BUSINESS_CONSULTANT]: (R.BUSINESS_CONSULTANT,),
    roles.ROLE_GROUP_NAMES[roles.COORDINATOR]: (R.CASEWORKER, R.BUSINESS_CONSULTANT),
}


class AssessmentRefused(TransitionError):
    """The change cannot be made; ``message`` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def rating_field(criterion):
    return f"{criterion}_rating"


def reason_field(criterion):
    return f"{criterion}_reason"


FIELDS = (*(f for c in Assessment.CRITERIA for f in (rating_field(c), reason_field(c))), "recommendation")


# --- Reads ----------------------------------------------------------------------------------------


def assessment_roles(user):
    """The roles whose assessment ``user`` may write, in ``Role`` order.
    Empty for users without ``assess_case``."""
    if not (user.is_authenticated and user.has_perm(PERMISSION)):
        return []
    if user.is_superuser:
        return list(R)
    names = {g.name for g in user.groups.all()}
    allowed = {role for name, group_roles in GROUP_ROLES.items() if name in names for role in group_roles}
    return [role for role in R if role in allowed]


def may_write(user, case, role):
    return role in assessment_roles(user) and may_act_on(user, case)


def assessments_by_role(case):
    """{role: Assessment or None} for both roles, in one query."""
    found = {a.role: a for a in Assessment.objects.filter(case=case).select_related("assessor")}
    return {role: found.get(role) for role in R}


def visible_counterpart(assessment):
    """The other role's assessment as the author of this one may see it:
    only once submitted, so the two are written independently."""
    return assessment if assessment is not None and assessment.submitted_at is not None else None


def criteria_rows(assessment):
    """[(criterion, label, rating, rating label, reason)] for display."""
    rows = []
    for criterion in Assessment.CRITERIA:
        field = Assessment._meta.get_field(rating_field(criterion))
        rating = getattr(assessment, rating_field(criterion)) if assessment else None
        rows.append({
            "criterion": criterion,
            "label": field.verbose_name,
            "rating": rating,
            "rating_label": Assessment.Rating(rating).label if rating else "",
            "reason": getattr(assessment, reason_field(criterion)) if assessment else "",
        })
    return rows


# --- Checks ---------------------------------------------------------------------------------------


def clean_data(data, *, submit):
    """The assessment's fields from ``data`` (a form's cleaned data), or
    ``ValidationError`` per field. A submitted assessment needs a reason
    for every rating (the database checks this too), at least one rating
    and a recommendation to admit or refer."""
    errors, cleaned = {}, {}
    for criterion in Assessment.CRITERIA:
        rating = data.get(rating_field(criterion))
        rating = int(rating) if rating not in (None, "") else None
        if rating is not None and rating not in Assessment.Rating.values:
            errors[rating_field(criterion)] = _("Choose one of the ratings.")
        reason = (data.get(reason_field(criterion)) or "").strip()
        if len(reason) > REASON_MAX_LENGTH:
            errors[reason_field(criterion)] = _("The reason is too long.")
        if submit and rating is not None and not reason:
            errors[reason_field(criterion)] = _("Write the reason for your rating.")
        cleaned[rating_field(criterion)] = rating
        cleaned[reason_field(criterion)] = reason
    recommendation = data.get("recommendation") or Assessment.Recommendation.UNDECIDED
    if recommendation not in Assessment.Recommendation.values:
        errors["recommendation"] = _("Choose one of the recommendations.")
    elif submit and recommendation not in SUBMITTABLE_RECOMMENDATIONS:
        errors["recommendation"] = _("Choose your recommendation: admit to the course or refer to the "
                                     "ordinary employment effort.")
    cleaned["recommendation"] = recommendation
    if submit and all(cleaned[rating_field(c)] is None for c in Assessment.CRITERIA):
        errors["__all__"] = _("Rate at least one criterion before you submit.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _locked_case(case, user, role, expected_version):
    if not may_write(user, case, role):
        raise PermissionDenied
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleCase
    if locked.status not in ASSESSABLE_STATUSES:
        raise AssessmentRefused(
            _("The case is past the admission decision, so the assessment cannot be changed."))
    return locked


def _changed(case, locked):
    transitions.bump_version(locked)
    case.version = locked.version


# --- Writes ---------------------------------------------------------------------------------------


def save_assessment(case, user, role, data, *, submit=False, expected_version=None, now=None):
    """Save ``user``'s assessment for ``role`` on ``case`` as a draft, or
    submit it (``submit=True``). ``data``: {"<criterion>_rating": 1-4 or
    None, "<criterion>_reason": text, "recommendation": ...}. Returns the
    Assessment. Raises ``ValidationError`` (per field), ``AssessmentRefused``,
    ``StaleCase``, ``PermissionDenied``. A new application goes into
    screening when someone starts assessing it."""
    role = R(role)
    now = now or timezone.now()
    if not may_write(user, case, role):
        raise PermissionDenied
    cleaned = clean_data(data, submit=submit)
    with transaction.atomic():
        locked = _locked_case(case, user, role, expected_version)
        assessment = Assessment.objects.select_for_update().filter(case=locked, role=role).first()
        if assessment is not None and assessment.submitted_at is not None:
            raise AssessmentRefused(_("This assessment has been submitted. Reopen it to change it."))
        if assessment is None:
            assessment = Assessment(case=locked, role=role)
            changed = [name for name, value in cleaned.items() if value not in (None, "", "undecided")]
        else:
            changed = [name for name, value in cleaned.items() if getattr(assessment, name) != value]
        for name, value in cleaned.items():
            setattr(assessment, name, value)
        # Whoever saves or submits stands behind the assessment as it is now.
        assessment.assessor = user
        assessment.submitted_at = now if submit else None
        try:
            with transaction.atomic():
                assessment.save()
        except IntegrityError as exc:  # the database's own check, should clean_data ever miss one
            raise AssessmentRefused(
                _("The assessment could not be saved. Every rating needs a reason.")) from exc
        action = ASSESSMENT_SUBMITTED_ACTION if submit else ASSESSMENT_SAVED_ACTION
        log(instance=case, action=action, user=user,
            data={"reference": locked.reference, "assessment": assessment.pk, "role": str(role),
                  "changed": changed,
                  **({"recommendation": assessment.recommendation} if submit else {})})
        if locked.status == S.SUBMITTED and transitions.may_transition(user, locked, S.SCREENING):
            transitions.transition(locked, S.SCREENING, user=user, data={"reason": "assessment_started"})
            case.status, case.status_changed_at = locked.status, locked.status_changed_at
            case.version = locked.version
        else:
            _changed(case, locked)
    return assessment


def reopen_assessment(assessment, user, *, expected_version=None):
    """The author takes back a submitted assessment to change it; it is a
    draft again until submitted anew."""
    case = assessment.case
    with transaction.atomic():
        locked = _locked_case(case, user, assessment.role, expected_version)
        fresh = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if fresh.submitted_at is None:
            raise AssessmentRefused(_("The assessment is not submitted, so there is nothing to reopen."))
        if fresh.assessor_id != user.pk:
            raise AssessmentRefused(_("Only the person who submitted the assessment can reopen it."))
        submitted_at = fresh.submitted_at
        Assessment.objects.filter(pk=fresh.pk).update(submitted_at=None, updated_at=timezone.now())
        assessment.submitted_at = None
        log(instance=case, action=ASSESSMENT_REOPENED_ACTION, user=user, data={
            "reference": locked.reference, "assessment": fresh.pk, "role": fresh.role,
            "submitted_at": submitted_at.isoformat(),
        })
        _changed(case, locked)
    return assessment
