"""Loan, allowance and the money that moves.

All amounts are integer øre: no floats, and no rounding surprises when the
ledger is summed. Sign convention in the ledger: positive increases what the
citizen owes (a disbursement), negative reduces it (repayment, write-off).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..validators import validate_first_of_month
from .audit import AppendOnlyModel
from .cases import Case
from .decisions import Decision


class Loan(models.Model):
    """The micro-loan on a case. Terms are copied from the loan policy when
    granted, so changing the policy later does not alter granted loans."""

    class Status(models.TextChoices):
        GRANTED = "granted", _("Granted")
        IN_REPAYMENT = "in_repayment", _("In repayment")
        REPAID = "repaid", _("Repaid")
        WRITTEN_OFF = "written_off", _("Written off")
        CLOSED = "closed", _("Closed")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="loan", verbose_name=_("case"))
    principal_ore = models.PositiveBigIntegerField(_("amount (øre)"), validators=[MinValueValidator(1)])
    annual_interest_rate = models.DecimalField(_("yearly interest (%)"), max_digits=5, decimal_places=2)
    grace_months = models.PositiveSmallIntegerField(_("months before the first repayment"))
    repayment_months = models.PositiveSmallIntegerField(_("repayment period (months)"))
    granted_on = models.DateField(_("granted on"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="loans",
        verbose_name=_("decision"), help_text=_("Empty only for imported loans."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.GRANTED)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-granted_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(principal_ore__gt=0), name="loan_principal_positive"),
        ]

    def __str__(self):
        return str(_("Loan on %(case)s") % {"case": self.case})

    def clean(self):
        policy = getattr(self.case.municipality, "loan_policy", None) if self.case_id else None
        if policy and self.principal_ore and not (
            policy.min_amount * 100 <= self.principal_ore <= policy.max_amount * 100
        ):
            raise ValidationError(
                {"principal_ore": _("The amount must be between %(min)s and %(max)s kr.")
                 % {"min": policy.min_amount, "max": policy.max_amount}}
            )

    def balance_ore(self):
        """What the citizen owes now, from the ledger alone."""
        return self.ledger_entries.aggregate(total=models.Sum("amount_ore"))["total"] or 0


class RepaymentInstalment(models.Model):
    """One due payment in the schedule: ``amount_ore`` is the principal
    repaid plus the month's interest (0 on an interest-free loan). The
    interest is booked in the ledger when the instalment falls due
    (``services.loans.book_due_interest``)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("loan")
    )
    due_on = models.DateField(_("due on"))
    amount_ore = models.PositiveBigIntegerField(_("amount (øre)"))
    principal_ore = models.PositiveBigIntegerField(_("principal (øre)"), default=0)
    interest_ore = models.PositiveBigIntegerField(_("interest (øre)"), default=0)
    # A deferral or rescheduling (models.collection) replaces rows instead of
    # editing them, so the earlier schedule stays readable: the current
    # schedule is the rows with ``replaced_by`` empty.
    replaced_by = models.ForeignKey(
        "backoffice.ScheduleChange", on_delete=models.PROTECT, null=True, blank=True,
        related_name="replaced_instalments", verbose_name=_("replaced by"),
    )
    schedule_change = models.ForeignKey(
        "backoffice.ScheduleChange", on_delete=models.PROTECT, null=True, blank=True,
        related_name="new_instalments", verbose_name=_("from schedule change"),
    )

    class Meta:
        verbose_name = _("repayment instalment")
        verbose_name_plural = _("repayment instalments")
        ordering = ["loan", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "due_on"], condition=models.Q(replaced_by__isnull=True),
                                    name="instalment_one_per_due_date"),
            models.CheckConstraint(
                condition=models.Q(amount_ore=models.F("principal_ore") + models.F("interest_ore")),
                name="instalment_amount_is_principal_plus_interest",
            ),
        ]

    def __str__(self):
        return f"{self.loan} – {self.due_on}"


class LedgerEntry(AppendOnlyModel):
    """One booked movement on a loan. Append-only: errors are corrected by a
    new ``correction`` entry, so the history always adds up."""

    class Kind(models.TextChoices):
        DISBURSEMENT = "disbursement", _("Disbursement")
        REPAYMENT = "repayment", _("Repayment")
        WRITE_OFF = "write_off", _("Write-off")
        CORRECTION = "correction", _("Correction")
        INTEREST = "interest", _("Interest")

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("loan")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount_ore = models.BigIntegerField(_("amount (øre)"), help_text=_("Positive adds to the debt."))
    booked_on = models.DateField(_("booked on"))
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
        verbose_name=_("corrects entry"),
    )
    # The bank's or finance system's id: re-importing the same CSV is a no-op.
    external_reference = models.CharField(_("external reference"), max_length=100, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # The final decision behind a write-off (forgiveness is a decision towards the citizen).
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries",
        verbose_name=_("decision"),
    )
    # The instalment whose interest an ``interest`` entry books: at most once each.
    instalment = models.ForeignKey(
        RepaymentInstalment, on_delete=models.PROTECT, null=True, blank=True, related_name="interest_entries",
        verbose_name=_("instalment"),
    )
    # Empty only for interest booked by the daily task (no person booked it).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["loan", "booked_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "external_reference"], condition=models.Q(external_reference__isnull=False),
                name="ledger_external_reference_unique",
            ),
            # Catches sign mistakes in imports before they corrupt a balance.
            models.CheckConstraint(
                condition=models.Q(kind__in=["disbursement", "interest"], amount_ore__gt=0)
                | models.Q(kind__in=["repayment", "write_off"], amount_ore__lt=0)
                | (models.Q(kind="correction") & ~models.Q(amount_ore=0)),
                name="ledger_amount_sign_matches_kind",
            ),
            # Interest belongs to one instalment and is booked once; only interest is booked by nobody.
            models.CheckConstraint(
                condition=models.Q(kind="interest", instalment__isnull=False)
                | (~models.Q(kind="interest") & models.Q(instalment__isnull=True, created_by__isnull=False)),
                name="ledger_interest_has_instalment",
            ),
            models.UniqueConstraint(
                fields=["instalment"], condition=models.Q(kind="interest"),
                name="ledger_interest_once_per_instalment",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount_ore / 100:.2f} kr. – {self.loan}"

    def save(self, *args, **kwargs):
        # "" and None would otherwise be two different "no reference" values.
        self.external_reference = self.external_reference or None
        super().save(*args, **kwargs)


class Disbursement(models.Model):
    """A payout of the loan, requested by one staff member and approved by
    another (four eyes), into a verified business account only."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="disbursements", verbose_name=_("loan")
    )
    amount_ore = models.PositiveBigIntegerField(_("amount (øre)"), validators=[MinValueValidator(1)])
    business_account = models.ForeignKey(
        "backoffice.BusinessAccount", on_delete=models.PROTECT, related_name="disbursements",
        verbose_name=_("business account"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="disbursement",
        verbose_name=_("ledger entry"),
    )

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | ~models.Q(approved_by=models.F("requested_by")),
                name="disbursement_four_eyes",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True, approved_at__isnull=True)
                | models.Q(approved_by__isnull=False, approved_at__isnull=False),
                name="disbursement_approved_by_and_at",
            ),
            models.CheckConstraint(
                condition=models.Q(paid_on__isnull=True) | models.Q(approved_at__isnull=False),
                name="disbursement_paid_only_when_approved",
            ),
            models.CheckConstraint(condition=models.Q(amount_ore__gt=0), name="disbursement_amount_positive"),
        ]

    def __str__(self):
        return f"{self.amount_ore / 100:.2f} kr. – {self.loan}"

    def clean(self):
        if self.business_account_id and not self.business_account.is_verified:
            raise ValidationError({"business_account": _("Pay only into a verified business account.")})


class Allowance(models.Model):
    """Subsistence allowance for the first months of the business."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="allowance", verbose_name=_("case")
    )
    monthly_amount_ore = models.PositiveBigIntegerField(_("monthly amount (øre)"))
    months = models.PositiveSmallIntegerField(_("months"), default=6)
    starts_on = models.DateField(_("first month"), validators=[validate_first_of_month])
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="allowances",
        verbose_name=_("decision"), help_text=_("Empty only for imported allowances."),
    )
    # Who recorded the grant: may not approve a monthly payment (four eyes).
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("granted by"),
    )

    class Meta:
        verbose_name = _("subsistence allowance")
        verbose_name_plural = _("subsistence allowances")
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return str(_("Allowance on %(case)s") % {"case": self.case})


class AllowancePayment(models.Model):
    """The allowance for one month: requested by one staff member
    (``recorded_by``) and approved by another (four eyes), like a loan
    payout. Only an approved payment counts as paid."""

    allowance = models.ForeignKey(
        Allowance, on_delete=models.PROTECT, related_name="payments", verbose_name=_("allowance")
    )
    month = models.DateField(_("month"), validators=[validate_first_of_month])
    amount_ore = models.PositiveBigIntegerField(_("amount (øre)"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("allowance payment")
        verbose_name_plural = _("allowance payments")
        ordering = ["allowance", "month"]
        constraints = [
            models.UniqueConstraint(fields=["allowance", "month"], name="allowance_payment_one_per_month"),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("recorded_by")),
                name="allowance_payment_four_eyes",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True, approved_at__isnull=True)
                | models.Q(approved_by__isnull=False, approved_at__isnull=False, paid_on__isnull=False),
                name="allowance_payment_approved_by_at_and_paid_on",
            ),
        ]

    @property
    def is_approved(self):
        return self.approved_at is not None

    def __str__(self):
        return f"{self.allowance} – {self.month:%Y-%m}"
