"""Reads for the payment orders (NemKonto): the coordinator's screen and
the order shown with each payout. A fixed number of queries, whatever the
number of orders."""

from django.db.models import Count, Q

from .models import PaymentBatch, PaymentOrder

S = PaymentOrder.Status
RECENT_BATCHES = 20
OPEN_STATUSES = (S.READY, S.EXPORTED, S.REJECTED)


def open_orders(municipality):
    """Orders not yet confirmed paid: ready, sent and waiting, or rejected."""
    return list(PaymentOrder.objects.filter(municipality=municipality, status__in=OPEN_STATUSES)
                .select_related("case", "batch").order_by("status", "payment_date", "pk"))


def recent_batches(municipality):
    return list(PaymentBatch.objects.filter(municipality=municipality)
                .annotate(confirmed=Count("orders", filter=Q(orders__status=S.CONFIRMED)),
                          rejected=Count("orders", filter=Q(orders__status=S.REJECTED)))
                .select_related("created_by")[:RECENT_BATCHES])


def ready_summary(orders):
    """How many of ``orders`` (a list) are ready, and their sum in øre."""
    ready = [order for order in orders if order.status == S.READY]
    return len(ready), sum(order.amount_ore for order in ready)


def batch_for(municipality, pk):
    return PaymentBatch.objects.filter(municipality=municipality, pk=pk).first()

