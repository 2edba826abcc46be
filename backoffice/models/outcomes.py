"""Where participants end up, measured at fixed checkpoints for the evaluation."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import Case


class Outcome(models.Model):
    """A case's situation at one checkpoint. Fixed checkpoints make cohorts
    comparable; the CASA break-even needs the five-year one."""

    class Checkpoint(models.TextChoices):
        COURSE_END = "course_end", _("End of course")
        MONTHS_6 = "months_6", _("After 6 months")
        MONTHS_12 = "months_12", _("After 12 months")
        MONTHS_24 = "months_24", _("After 24 months")
        YEARS_5 = "years_5", _("After 5 years")

    class Result(models.TextChoices):
        SELF_SUFFICIENT_BUSINESS = "self_sufficient_business", _("Self-sufficient through the business")
        # The "double effect": counts as a success.
        SELF_SUFFICIENT_EMPLOYMENT = (
            "self_sufficient_employment", _("Self-sufficient through ordinary employment")
        )
        BUSINESS_AND_SMALL_JOBS = (
            "business_and_small_jobs", _("Self-sufficient through business and small jobs")
        )
        EDUCATION = "education", _("In education")
        PUBLIC_SUPPORT = "public_support", _("Back on public support")
        MOVED_OR_OTHER = "moved_or_other", _("Moved away or other")

    SELF_SUFFICIENT = frozenset({
        Result.SELF_SUFFICIENT_BUSINESS, Result.SELF_SUFFICIENT_EMPLOYMENT, Result.BUSINESS_AND_SMALL_JOBS,
    })

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("case"))
    checkpoint = models.CharField(_("checkpoint"), max_length=20, choices=Checkpoint.choices)
    result = models.CharField(_("result"), max_length=40, choices=Result.choices)
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["case", "recorded_on"]
        constraints = [
            models.UniqueConstraint(fields=["case", "checkpoint"], name="outcome_one_per_checkpoint")
        ]
        indexes = [models.Index(fields=["checkpoint", "result"], name="outcome_checkpoint_result_idx")]

    def __str__(self):
        return f"{self.case} – {self.get_checkpoint_display()}: {self.get_result_display()}"

    @property
    def is_self_sufficient(self):
        return self.result in self.SELF_SUFFICIENT
