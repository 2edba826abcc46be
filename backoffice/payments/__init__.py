"""How payment orders leave for the municipality's finance system.

One small interface: ``export_orders(municipality, user)`` puts every order
that is ready into a new ``PaymentBatch`` and hands it to the transport set
by ``settings.PAYMENT_TRANSPORT``:

- ``"file"`` (the default): the batch's file (``csv_format``, documented in
  docs/payment-orders.md) is kept on the batch, and the coordinator
  downloads it from the "Payment orders" screen and loads it into the
  finance system (KMD Opus, Prisme, …).
- A direct integration: the dotted path of a class with a ``name`` and a
  ``send(batch)`` method that delivers ``batch.content`` (or
  ``batch.orders``) to the finance system and raises if it did not arrive.
  It runs inside the export's transaction, so a failed delivery leaves the
  orders ready for the next try. Add it to ``TRANSPORTS`` below.

The finance system's answer comes back through
``confirmations.import_confirmations``."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import PaymentBatch, PaymentOrder
from ..services.payments import MANAGE_PERMISSION, ORDER_EXPORTED_ACTION, PaymentRefused
from ..tenancy import municipality_of
from .csv_format import order_lines

BATCH_EXPORTED_ACTION = "backoffice.payment_batch.exported"
BATCH_DOWNLOADED_ACTION = "backoffice.payment_batch.downloaded"
CONFIRMATIONS_IMPORTED_ACTION = "backoffice.payment_batch.confirmations_imported"
BATCH_ACTIONS = (BATCH_EXPORTED_ACTION, BATCH_DOWNLOADED_ACTION, CONFIRMATIONS_IMPORTED_ACTION)


class FileTransport:
    """Nothing is sent: the coordinator downloads the batch's file."""

    name = "file"

    def send(self, batch):
        return None


TRANSPORTS = {"file": FileTransport}


def transport():
    name = getattr(settings, "PAYMENT_TRANSPORT", "file") or "file"
    return (TRANSPORTS.get(name) or import_string(name))()


def check_access(user, municipality):
    """Coordinators (manage_loan) of ``municipality``; superusers anywhere."""
    if not (user.is_authenticated and user.has_perm(MANAGE_PERMISSION)):
        raise PermissionDenied
    own = municipality_of(user)
    if not (user.is_superuser or (own is not None and own.pk == municipality.pk)):
        raise PermissionDenied


def export_orders(municipality, user, *, now=None):
    """Put every ready order of ``municipality`` into a new batch, oldest
    first, and send it (``transport()``). Returns the ``PaymentBatch``;
    raises ``PaymentRefused`` when nothing is ready."""
    check_access(user, municipality)
    now = now or timezone.now()
    sender = transport()
    with transaction.atomic():
        orders = list(PaymentOrder.objects.select_for_update(of=("self",)).select_related("case")
                      .filter(municipality=municipality, status=PaymentOrder.Status.READY)
                      .order_by("payment_date", "pk"))
        if not orders:
            raise PaymentRefused(_("There are no payment orders ready to send."), code="nothing_ready")
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
        batch = PaymentBatch.objects.create(
            municipality=municipality, transport=sender.name,
            filename=f"betalinger-{municipality.slug}-{stamp}.csv",
            content=order_lines(orders), order_count=len(orders), total_ore=sum(o.amount_ore for o in orders),
            created_by=user)
        PaymentOrder.objects.filter(pk__in=[o.pk for o in orders]).update(
            status=PaymentOrder.Status.EXPORTED, batch=batch)
        for order in orders:
            order.status, order.batch = PaymentOrder.Status.EXPORTED, batch
            log(instance=order.case, action=ORDER_EXPORTED_ACTION, user=user, data={
                "reference": order.case.reference, "order": order.pk, "batch": batch.pk})
        log(instance=batch, action=BATCH_EXPORTED_ACTION, user=user, data={
            "batch": batch.pk, "orders": batch.order_count, "total_ore": batch.total_ore,
            "transport": sender.name})
        sender.send(batch)
    return batch

