"""Payment orders: how money leaves the municipality, through NemKonto.

A Danish authority pays through NemKonto (the Nemkonto act): it addresses a
payment to a CPR or CVR number and the finance system pays into whatever
account is the NemKonto of that number. It never pays into an account typed
into its own system. So each approved payout (a loan disbursement or a
month's allowance) becomes a ``PaymentOrder`` to a CVR (loan: the
business's, never a person's CPR NemKonto, where the money could be set off
against public debt) or a CPR (allowance: the citizen's). Orders leave in a
``PaymentBatch`` (``backoffice.payments``) and the finance system's
confirmation comes back as a file.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import Case
from .loans import AllowancePayment, Disbursement
from .municipality import Municipality


class PaymentBatch(models.Model):
    """One export of ready orders to the finance system. The file is kept
    as sent, so a download later gives exactly the same bytes."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="payment_batches", verbose_name=_("municipality")
    )
    transport = models.CharField(_("transport"), max_length=50)
    filename = models.CharField(_("file name"), max_length=100)
    content = models.TextField(_("content"), blank=True)
    order_count = models.PositiveIntegerField(_("orders"))
    total_ore = models.PositiveBigIntegerField(_("total (øre)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("exported by")
    )
    created_at = models.DateTimeField(_("exported"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.filename


class PaymentOrder(models.Model):
    """One payment to a NemKonto, created when the payout is approved (four eyes)."""

    class Kind(models.TextChoices):
        LOAN = "loan", _("Loan payout")
        ALLOWANCE = "allowance", _("Subsistence allowance")

    class RecipientType(models.TextChoices):
        CVR = "cvr", _("CVR number")
        CPR = "cpr", _("CPR number")

    class Status(models.TextChoices):
        READY = "ready", _("Ready for export")
        EXPORTED = "exported", _("Sent to the finance system")
        CONFIRMED = "confirmed", _("Paid")
        REJECTED = "rejected", _("Rejected by the finance system")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="payment_orders", verbose_name=_("municipality")
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="payment_orders", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    disbursement = models.OneToOneField(
        Disbursement, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_order",
        verbose_name=_("disbursement"),
    )
    allowance_payment = models.OneToOneField(
        AllowancePayment, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_order",
        verbose_name=_("allowance payment"),
    )
    recipient_type = models.CharField(_("recipient type"), max_length=3, choices=RecipientType.choices)
    # Digits only: 8 for a CVR, 10 for a CPR.
    recipient_number = models.CharField(_("recipient (CVR or CPR)"), max_length=10)
    amount_ore = models.PositiveBigIntegerField(_("amount (øre)"))
    payment_date = models.DateField(_("payment date"))
    payment_text = models.CharField(_("payment text"), max_length=35)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.READY)
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
        verbose_name=_("export batch"),
    )
    # The finance system's confirmation.
    booked_on = models.DateField(_("booked by the finance system on"), null=True, blank=True)
    transaction_id = models.CharField(_("finance system's transaction id"), max_length=100, null=True,
                                      blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"), help_text=_("Empty only for orders made from old payouts."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-payment_date", "-id"]
        indexes = [models.Index(fields=["municipality", "status"], name="payment_order_status_idx")]
        constraints = [
            # The rule of the whole module: a loan goes to a CVR NemKonto (8 digits), never to a CPR.
            models.CheckConstraint(
                condition=models.Q(kind="loan", recipient_type="cvr", recipient_number__regex=r"^[0-9]{8}$",
                                   disbursement__isnull=False, allowance_payment__isnull=True)
                | models.Q(kind="allowance", recipient_type="cpr", recipient_number__regex=r"^[0-9]{10}$",
                           allowance_payment__isnull=False, disbursement__isnull=True),
                name="payment_order_loan_to_cvr_allowance_to_cpr",
            ),
            models.CheckConstraint(condition=models.Q(amount_ore__gt=0),
                                   name="payment_order_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(status="ready", batch__isnull=True) | (
                    ~models.Q(status="ready") & models.Q(batch__isnull=False)),
                name="payment_order_exported_has_batch",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="confirmed")
                | models.Q(booked_on__isnull=False, transaction_id__isnull=False),
                name="payment_order_confirmed_has_booking",
            ),
            models.UniqueConstraint(
                fields=["municipality", "transaction_id"], condition=models.Q(transaction_id__isnull=False),
                name="payment_order_transaction_unique",
            ),
        ]

    def __str__(self):
        return f"{self.payment_text} – {self.amount_ore / 100:.2f} kr."

    def save(self, *args, **kwargs):
        self.transaction_id = self.transaction_id or None
        super().save(*args, **kwargs)

    @property
    def recipient_display(self):
        """The CVR in full (a business); a CPR masked to the birth date."""
        if self.recipient_type == self.RecipientType.CVR:
            return f"CVR {self.recipient_number}"
        return f"CPR {self.recipient_number[:6]}-xxxx"
