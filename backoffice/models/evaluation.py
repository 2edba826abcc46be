"""Per-municipality parameters for targets and the evaluation (retention:
``models.retention``)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .municipality import Municipality


class YearlyTarget(models.Model):
    """The committee's goals for one year, shown next to the actual figures."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="yearly_targets", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    participants_target = models.PositiveSmallIntegerField(_("course participants"), default=40)
    businesses_target = models.PositiveSmallIntegerField(_("businesses started"), default=20)

    class Meta:
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")
        ordering = ["municipality", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="yearly_target_one_per_year")
        ]

    def __str__(self):
        return f"{self.municipality} {self.year}"


class BreakEvenParameters(models.Model):
    """Inputs to the CASA-style model: what share of participants must stay
    self-sufficient for the horizon for the scheme to pay for itself."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="break_even", verbose_name=_("municipality")
    )
    yearly_project_cost_dkk = models.PositiveIntegerField(_("yearly project cost (DKK)"), default=1_550_000)
    coordinator_dkk = models.PositiveIntegerField(_("project coordinator (DKK)"), default=500_000)
    consultant_dkk = models.PositiveIntegerField(_("business consultant (DKK)"), default=250_000)
    courses_and_external_dkk = models.PositiveIntegerField(
        _("courses and external consultants (DKK)"), default=800_000
    )
    # About a year of cash benefit; with 40 participants a year this
    # reproduces the proposal's "6 % for 5 years".
    yearly_support_saved_per_citizen_dkk = models.PositiveIntegerField(
        _("public support saved per self-sufficient citizen a year (DKK)"), default=130_000
    )
    horizon_years = models.PositiveSmallIntegerField(_("horizon (years)"), default=5)

    class Meta:
        verbose_name = _("break-even parameters")
        verbose_name_plural = _("break-even parameters")

    def __str__(self):
        return str(_("Break-even parameters for %(municipality)s") % {"municipality": self.municipality})

    def clean(self):
        parts = self.coordinator_dkk + self.consultant_dkk + self.courses_and_external_dkk
        if parts != self.yearly_project_cost_dkk:
            # The model divides the total; a part changed alone would leave it stale.
            raise ValidationError({"yearly_project_cost_dkk": _(
                "The yearly project cost must be the sum of its three parts: DKK %(parts)s."
            ) % {"parts": f"{parts:,}".replace(",", ".")}})

    def break_even_share(self, participants_per_year):
        """Share (0–1) of a year's participants who must stay self-sufficient
        for the whole horizon to repay one year's project cost."""
        saved = participants_per_year * self.horizon_years * self.yearly_support_saved_per_citizen_dkk
        if not saved:
            return None
        return Decimal(self.yearly_project_cost_dkk) / Decimal(saved)


class BudgetLine(models.Model):
    """Budgeted spending in one category and year, for the coordinator's
    budget watch."""

    class Category(models.TextChoices):
        COORDINATOR = "coordinator", _("Project coordinator")
        CONSULTANT = "consultant", _("Business consultant")
        COURSES_AND_EXTERNAL = "courses_and_external", _("Courses and external consultants")
        ALLOWANCES = "allowances", _("Subsistence allowances")
        LOANS = "loans", _("Loans")
        OTHER = "other", _("Other")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    budget_dkk = models.PositiveIntegerField(_("budget (DKK)"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["municipality", "-year", "category"]
        indexes = [models.Index(fields=["municipality", "year"], name="budget_line_year_idx")]

    def __str__(self):
        return f"{self.municipality} {self.year} – {self.get_category_display()}"


class Expense(models.Model):
    """Money actually spent on the scheme outside the loan ledger and the
    allowance payments (course costs, external consultants …), entered by
    the coordinator so the budget watch compares budget with real spend."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="expenses", verbose_name=_("municipality")
    )
    spent_on = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=30, choices=BudgetLine.Category.choices)
    amount_dkk = models.PositiveIntegerField(_("amount (DKK)"))
    note = models.CharField(_("what for"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["municipality", "-spent_on", "-id"]
        indexes = [models.Index(fields=["municipality", "spent_on"], name="expense_date_idx")]

    def __str__(self):
        return f"{self.municipality} {self.spent_on} – {self.get_category_display()}: {self.amount_dkk} kr."
