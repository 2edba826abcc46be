"""The participant's business and its business bank account.

The account was the trial's main barrier: banks are slow and charge fees,
and money paid into a personal account can be seized for public debt. The
loan is therefore paid only into a verified business account, and the time
and cost of opening one are recorded for the evaluation.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..validators import validate_cvr
from .cases import Case


class Business(models.Model):
    """The business started on a case. May exist before it has a CVR number."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="business", verbose_name=_("case")
    )
    # Not unique: partners from two cases may start one company together.
    cvr_number = models.CharField(
        _("CVR number"), max_length=8, blank=True, db_index=True, validators=[validate_cvr]
    )
    cvr_registered_on = models.DateField(_("registered in CVR on"), null=True, blank=True)
    name = models.CharField(_("business name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=200, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    # The latest CVR register snapshot (models.registers), for the case page
    # and the account verification.
    cvr_lookup = models.ForeignKey(
        "backoffice.CompanyLookup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("latest CVR register look-up"),
    )

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BusinessAccount(models.Model):
    """The business bank account (erhvervskonto): the business's NemKonto.

    The loan is paid through NemKonto to the business's CVR number
    (``models.payments``), so what staff verify is the bank's confirmation
    that the account is the NemKonto of the business's CVR. The bank,
    registration and account numbers are kept as the citizen wrote them, for
    the check against the confirmation and for old payouts; the money is not
    sent to them. The time and fees to open the account feed the barrier
    statistics."""

    business = models.OneToOneField(
        Business, on_delete=models.PROTECT, related_name="bank_account", verbose_name=_("business")
    )
    bank_name = models.CharField(_("bank"), max_length=200)
    registration_number = models.CharField(_("registration number"), max_length=4, blank=True)
    account_number = models.CharField(_("account number"), max_length=10, blank=True)
    requested_on = models.DateField(_("asked the bank on"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    fees_paid_ore = models.PositiveBigIntegerField(_("fees paid to the bank (øre)"), default=0)
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("E.g. refusals and what the bank asked for.")
    )
    proof = models.ForeignKey(
        "backoffice.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("proof from the bank"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    # The CVR number whose business NemKonto staff verified: the loan's payment orders go to it.
    nemkonto_cvr = models.CharField(_("NemKonto of CVR number"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("business bank account")
        verbose_name_plural = _("business bank accounts")
        ordering = ["business"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=True, verified_at__isnull=True)
                | models.Q(verified_by__isnull=False, verified_at__isnull=False),
                name="business_account_verified_by_and_at",
            ),
            models.CheckConstraint(
                condition=models.Q(opened_on__isnull=True)
                | models.Q(requested_on__isnull=True)
                | models.Q(opened_on__gte=models.F("requested_on")),
                name="business_account_opened_after_request",
            ),
        ]

    def __str__(self):
        return str(_("Account of %(business)s") % {"business": self.business})

    @property
    def is_verified(self):
        return self.verified_at is not None and self.verified_by_id is not None

    @property
    def days_to_open(self):
        if self.requested_on and self.opened_on:
            return (self.opened_on - self.requested_on).days
        return None
