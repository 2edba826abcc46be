"""The coordinator's "Payment orders" screen: send the ready orders to the
finance system, download a batch's file, and upload the finance system's
confirmation. Coordinators (manage_loan) of their own municipality only;
a batch of another municipality is a 404. Thin views: ``backoffice.payments``
checks, saves and audits."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from wagtail.admin import messages
from wagtail.log_actions import log

from .. import selectors_payments
from ..models import AccessLogEntry, Municipality
from ..payments import BATCH_DOWNLOADED_ACTION, export_orders
from ..payments.confirmations import import_confirmations
from ..payments.csv_format import FileRefused
from ..services.loans import kroner
from ..services.payments import MANAGE_PERMISSION, PaymentRefused
from ..tenancy import municipality_of
from .access import client_ip

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ConfirmationForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Confirmation file from the finance system (CSV)"))


def _municipality(request):
    """The coordinator's own municipality; a superuser picks one (?municipality=slug)."""
    if not request.user.has_perm(MANAGE_PERMISSION):
        raise PermissionDenied
    own = municipality_of(request.user)
    if own is not None:
        return own
    if not request.user.is_superuser:
        raise PermissionDenied
    slug = request.POST.get("municipality") or request.GET.get("municipality")
    return Municipality.objects.filter(slug=slug).first() if slug else None


def _url(municipality, request):
    url = reverse("backoffice:payment_orders")
    return f"{url}?municipality={municipality.slug}" if municipality_of(request.user) is None else url


@never_cache
def payment_orders(request):
    municipality = _municipality(request)
    form, errors, result = ConfirmationForm(), [], None
    if municipality is not None and request.method == "POST":
        if request.POST.get("action") == "export":
            try:
                batch = export_orders(municipality, request.user)
            except PaymentRefused as refused:
                messages.error(request, str(refused.message))
            else:
                message = ngettext(
                    "%(count)s payment order (%(total)s kr.) is in the file %(file)s. Download it and load "
                    "it into the finance system.",
                    "%(count)s payment orders (%(total)s kr.) are in the file %(file)s. Download it and "
                    "load it into the finance system.", batch.order_count)
                messages.success(request, message % {
                    "count": batch.order_count, "total": kroner(batch.total_ore), "file": batch.filename})
            return HttpResponseRedirect(_url(municipality, request))
        form = ConfirmationForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("The file is too large."))
            else:
                try:
                    result = import_confirmations(upload.read(), municipality, request.user)
                except FileRefused as refused:
                    errors = refused.errors
                else:
                    message = _("%(paid)s paid and %(rejected)s rejected recorded; %(old)s were already "
                                "recorded.")
                    messages.success(request, message % {
                        "paid": result.confirmed, "rejected": result.rejected,
                        "old": result.already_recorded})
                    return HttpResponseRedirect(_url(municipality, request))
    orders = selectors_payments.open_orders(municipality) if municipality else []
    batches = selectors_payments.recent_batches(municipality) if municipality else []
    for item, ore in [(order, order.amount_ore) for order in orders] + [(b, b.total_ore) for b in batches]:
        item.amount_kr = item.total_kr = kroner(ore)
    ready_count, ready_ore = selectors_payments.ready_summary(orders)
    return render(request, "backoffice/payments/index.html", {
        "municipality": municipality, "municipality_is_own": municipality_of(request.user) is not None,
        "orders": orders, "ready_count": ready_count, "ready_kr": kroner(ready_ore), "batches": batches,
        "municipalities": Municipality.objects.all() if municipality is None else [],
        "form": form, "errors": errors,
        "page_title": _("Payment orders"),
        "breadcrumbs_items": [{"url": reverse("wagtailadmin_home"), "label": _("Home")},
                              {"url": "", "label": _("Payment orders")}],
    }, status=400 if errors or form.errors else 200)


@never_cache
def batch_download(request, pk):
    """The batch's file exactly as exported. It holds CPR numbers (the
    allowance), so each download is in the access log."""
    municipality = _municipality(request)
    batch = selectors_payments.batch_for(municipality, pk) if municipality else None
    if batch is None:
        raise Http404("No such batch")
    AccessLogEntry.objects.create(
        user=request.user, user_label=(request.user.get_username() or "")[:150], municipality=municipality,
        action=AccessLogEntry.Action.EXPORT, ip=client_ip(request))
    log(instance=batch, action=BATCH_DOWNLOADED_ACTION, user=request.user, data={"batch": batch.pk})
    response = HttpResponse(batch.content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.filename}"'
    return response
