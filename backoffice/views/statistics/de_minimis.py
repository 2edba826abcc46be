"""The de minimis register page: the period's de minimis grants, with the
CSV/XLSX download for the municipality's state-aid reporting. It names
businesses, so it is for staff who decide loans, not the steering group."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ...services import loans
from ...statistics.de_minimis_register import headers, register_rows
from . import page


@never_cache
def de_minimis_view(request):
    municipality, period, form = page.report_setup(request)
    if not request.user.has_perm(loans.DECIDE_PERMISSION):
        raise PermissionDenied
    rows = register_rows(municipality, period.start, period.end)
    export = page.export_response(request, "de-minimis", municipality, period, _("De minimis register"),
                                  headers(), rows)
    if export:
        return export
    return render(request, "backoffice/statistics/de_minimis.html", page.context(
        request, url_name="statistics_de_minimis", title=_("De minimis register"), municipality=municipality,
        period=period, form=form, headers=headers(), rows=rows,
    ))
