"""The assessment form for staff: five criteria, each with a rating and a
written reason, and a recommendation; saved as a draft or submitted.

The page of one role (``caseworker`` or ``business_consultant``) is a form
for those who write that role's assessment and read-only for other staff
of the case. Beside the form the other role's assessment is shown once it
is submitted, never before: the two assess independently."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.admin import messages

from ..forms import CaseVersionForm
from ..models import AccessLogEntry, Assessment, Case
from ..services import assessments as services
from ..services.transitions import TransitionError
from .access import log_access, staff_case_or_404

PERMISSION = "backoffice.assess_case"
R = Assessment.Role


class AssessmentForm(CaseVersionForm):
    """Fields ``<criterion>_rating`` and ``<criterion>_reason`` for each
    criterion, then ``recommendation``. Nothing is required for a draft;
    the service checks what a submission needs."""

    def __init__(self, *args, assessment=None, **kwargs):
        kwargs.setdefault("initial", {})
        if assessment is not None:
            kwargs["initial"].update({name: getattr(assessment, name) for name in services.FIELDS})
            if assessment.recommendation not in services.SUBMITTABLE_RECOMMENDATIONS:
                kwargs["initial"]["recommendation"] = None
        super().__init__(*args, **kwargs)
        for criterion in Assessment.CRITERIA:
            rating = Assessment._meta.get_field(services.rating_field(criterion))
            self.fields[services.rating_field(criterion)] = forms.TypedChoiceField(
                label=rating.verbose_name, choices=Assessment.Rating.choices, coerce=int, empty_value=None,
                required=False, widget=forms.RadioSelect,
            )
            self.fields[services.reason_field(criterion)] = forms.CharField(
                label=gettext_lazy("Reason"), required=False, max_length=services.REASON_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["recommendation"] = forms.ChoiceField(
            label=gettext_lazy("Recommendation"), required=False, widget=forms.RadioSelect,
            choices=[(value, Assessment.Recommendation(value).label)
                     for value in services.SUBMITTABLE_RECOMMENDATIONS],
        )

    def criteria(self):
        """(rating field, reason field) per criterion, for the template."""
        return [(self[services.rating_field(c)], self[services.reason_field(c)]) for c in Assessment.CRITERIA]


def _case(request, pk):
    """Through the one access check; roles without the permission at all
    (editors, the steering group) get 403 whatever the case."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    return staff_case_or_404(request, pk, permission=PERMISSION,
                             queryset=Case.objects.select_related("municipality"))


def _other(role):
    return R.BUSINESS_CONSULTANT if role == R.CASEWORKER else R.CASEWORKER


def assessment_url(case, role):
    return reverse("backoffice:assessment", args=[case.pk, role])


def case_url(case):
    return reverse("backoffice:case", args=[case.pk]) + "#assessments-section"


@never_cache
def assessment(request, case_pk, role):
    case = _case(request, case_pk)
    if role not in R.values:
        raise Http404("No such role")
    role = R(role)
    by_role = services.assessments_by_role(case)
    own = by_role[role]
    writable = services.may_write(request.user, case, role)
    editable = writable and case.status in services.ASSESSABLE_STATUSES
    form = None
    if request.method == "POST":
        if not writable:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "reopen":
            return _reopen(request, case, own, role)
        if action not in ("draft", "submit"):
            return HttpResponse(status=400)
        form = AssessmentForm(request.POST, case=case, assessment=own)
        if form.is_valid():
            submit = action == "submit"
            try:
                services.save_assessment(case, request.user, role, form.cleaned_data, submit=submit,
                                         expected_version=form.cleaned_data["version"])
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except TransitionError as error:
                messages.error(request, str(error.message))
            else:
                if submit:
                    messages.success(request, _("Your assessment has been submitted."))
                    return HttpResponseRedirect(case_url(case))
                messages.success(request,
                                 _("Your draft has been saved. Nobody else sees it until you submit it."))
                return HttpResponseRedirect(assessment_url(case, role))
        if form.errors:
            messages.error(request, _("The assessment could not be saved. Correct the errors below."))
        case.refresh_from_db(fields=["version", "status"])
    else:
        log_access(request, AccessLogEntry.Action.VIEW_CASE, case=case)
    submitted = own is not None and own.submitted_at is not None
    if editable and not submitted and form is None:
        form = AssessmentForm(case=case, assessment=own)
    shown = own if submitted else None  # a draft is seen only by those who may write it
    if form is None or submitted:
        form = None
    context = {
        "case": case, "role": role, "role_label": role.label, "form": form,
        "assessment": shown, "rows": services.criteria_rows(shown) if shown else [],
        "draft_exists": own is not None and not submitted,
        "writable": writable, "editable": editable,
        "may_reopen": submitted and editable and own.assessor_id == request.user.pk,
        "other_heading": _("The other assessment: %(role)s") % {"role": _other(role).label},
        "other": services.visible_counterpart(by_role[_other(role)]) if writable else None,
        "other_url": assessment_url(case, _other(role)),
        "page_title": _("Assessment: %(role)s – %(reference)s") % {
            "role": role.label, "reference": case.reference},
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("backoffice:case", args=[case.pk]), "label": case.reference},
            {"url": "", "label": _("Assessment")},
        ],
    }
    context["other_rows"] = services.criteria_rows(context["other"]) if context["other"] else []
    return render(request, "backoffice/assessments/assessment.html", context,
                  status=400 if request.method == "POST" else 200)


def _reopen(request, case, own, role):
    if own is None:
        raise Http404("No assessment")
    try:
        version = request.POST.get("version") or ""
        services.reopen_assessment(own, request.user, expected_version=version if version.isdigit() else None)
    except TransitionError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The assessment is a draft again. Submit it when you have changed it."))
    return HttpResponseRedirect(assessment_url(case, role))
