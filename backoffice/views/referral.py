"""The referral to the ordinary employment effort from the case page: a
small POST form (date and note) in the referral section. Thin: the service
``services.referral`` checks, saves, closes the case and audits."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ..forms import CaseVersionForm
from ..models import Case
from ..services import referral
from .access import staff_case_or_404
from .actions import run_section_action


class ReferralForm(CaseVersionForm):
    referred_on = forms.DateField(label=gettext_lazy("Referred on"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False,
                           max_length=referral.NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referred_on"].initial = timezone.localdate()


def section_url(case):
    return reverse("backoffice:case", args=[case.pk]) + "#referral-section"


@require_POST
def refer(request, case_pk):
    """Refer the participant to the ordinary employment effort and close the case."""
    if not referral.may_refer(request.user):
        raise PermissionDenied
    case = staff_case_or_404(request, case_pk, queryset=Case.objects.select_related("municipality"))
    form = ReferralForm(request.POST, case=case)
    return run_section_action(request, form, lambda data: referral.refer_to_ordinary_effort(
        case, request.user, referred_on=data["referred_on"], note=data["note"],
        expected_version=data["version"]),
        _("The citizen has been referred to the ordinary employment effort, and the case is closed."),
        section_url(case))
