"""How long a municipality keeps personal data (GDPR art. 5(1)(e)).

Two kinds of closed case are kept for different reasons, so they have
their own period:

- Cases without money (refused, withdrawn, dropped out, left for a job,
  loan declined): kept only as the case file, for reconsideration,
  appeals and complaints; default five years after closing.
- Cases with a loan or allowance: the payments are accounting records,
  which must be kept for five years after the end of the financial year
  they belong to (a municipality's financial year is the calendar year).
  So the period runs from 1 January after the year of closing and can
  never be shorter than five years.

Anonymising keeps what the evaluation counts (status history, dates,
target group, amounts, ratings, outcomes) and removes who the citizen was
(``backoffice.services.retention``).
"""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .municipality import Municipality

# Accounting records: five years after the end of the financial year.
BOOKKEEPING_YEARS = 5


def years_before(moment, years):
    """The same moment ``years`` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


class RetentionPolicy(models.Model):
    """How long personal data is kept before deletion or anonymisation.
    One per municipality; the coordinator edits it in the admin, and
    ``manage.py apply_retention`` applies it."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="retention_policy",
        verbose_name=_("municipality"),
    )
    draft_retention_days = models.PositiveSmallIntegerField(
        _("delete unsent drafts after (days)"), default=90,
        validators=[MinValueValidator(7), MaxValueValidator(3650)],
        help_text=_("Applications a citizen started but never sent are deleted with their files this many "
                    "days after they were last saved."),
    )
    anonymise_rejected_after_years = models.PositiveSmallIntegerField(
        _("anonymise closed cases without a loan after (years)"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Refused, withdrawn and other closed cases without a loan or allowance are "
                    "anonymised this many years after they were closed."),
    )
    anonymise_closed_after_years = models.PositiveSmallIntegerField(
        _("anonymise closed loan cases after (years)"), default=BOOKKEEPING_YEARS,
        validators=[MinValueValidator(BOOKKEEPING_YEARS), MaxValueValidator(50)],
        help_text=_("Closed cases with a loan or allowance are anonymised this many years after the end "
                    "of the financial year in which they were closed. Accounting records must be kept for "
                    "five years after the end of the financial year, so at least 5."),
    )

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self):
        return str(_("Retention policy for %(municipality)s") % {"municipality": self.municipality})

    def drafts_cutoff(self, now):
        """Unsent drafts last saved before this moment are deleted."""
        return now - datetime.timedelta(days=self.draft_retention_days)

    def cases_without_money_cutoff(self, now):
        """Closed cases without a loan, closed before this moment, are anonymised."""
        return years_before(now, self.anonymise_rejected_after_years)

    def loan_cases_cutoff(self, now):
        """Closed loan cases, closed before this moment, are anonymised: the
        start of the local calendar year ``anonymise_closed_after_years``
        ago. A case closed in 2020 is kept to the end of 2025 (five years
        after the financial year 2020) and anonymised from 1 January 2026."""
        local = timezone.localtime(now)
        start_of_year = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        return start_of_year.replace(year=local.year - self.anonymise_closed_after_years)
