"""Finding a case by CPR number. Posted, never in a URL (the address bar,
browser history and server logs would keep it), and an exact match only."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from ..forms import FindByCprForm
from ..tenancy import cases_for_staff


def find_by_cpr(request):
    if not request.user.has_perm("backoffice.view_case"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    form = FindByCprForm(request.POST or None)
    cases = None
    if request.method == "POST" and form.is_valid():
        cases = list(
            cases_for_staff(request.user).filter(application__cpr_number=form.cleaned_data["cpr_number"])
            .select_related("application").order_by("-submitted_at", "-pk")
        )
        if len(cases) == 1:
            return HttpResponseRedirect(reverse("backoffice:case", args=[cases[0].pk]))
        form = FindByCprForm()  # the number is not echoed back into the page
    return render(request, "backoffice/find_by_cpr.html", {
        "form": form, "cases": cases, "page_title": _("Find a case by CPR number"),
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("cases:index"), "label": _("Cases")},
            {"url": "", "label": _("Find by CPR number")},
        ],
    })
