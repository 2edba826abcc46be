"""Staff ask the CPR or CVR register again from the case page. Thin view:
the service ``services.registers`` checks, fetches, stores and audits; the
view logs the access (it has the request) and goes back to the section."""

from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from ..models import AccessLogEntry, Case, LookupOutcome
from ..services import registers as services
from .access import log_access, staff_case_or_404

ANCHORS = {services.PERSON: "application-section", services.COMPANY: "business-section"}


@require_POST
def fetch_again(request, pk, kind):
    if kind not in ANCHORS:
        raise Http404("No such register")
    # 404 outside the staff member's municipality; the service checks the permission (403).
    case = staff_case_or_404(request, pk, queryset=Case.objects.all())
    try:
        lookup = services.fetch_again(case, request.user, kind)
    except services.LookupRefused as refused:
        messages.error(request, str(refused.message))
    else:
        log_access(request, AccessLogEntry.Action.REGISTER_LOOKUP, case=case)
        if lookup.outcome == LookupOutcome.UNAVAILABLE:
            messages.warning(request, _("The register could not be reached. Try again later."))
        elif lookup.outcome == LookupOutcome.NOT_FOUND:
            messages.warning(request, _("The register has no entry for the number."))
        else:
            messages.success(request, _("The register's data has been fetched again."))
    return HttpResponseRedirect(reverse("backoffice:case", args=[case.pk]) + f"#{ANCHORS[kind]}")
