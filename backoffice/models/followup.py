"""Follow-up while the business is young: contacts and monthly self-reports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import validate_first_of_month
from .cases import Case


class FollowUp(models.Model):
    """A planned or held contact with the participant after start-up."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Phone call")
        MEETING = "meeting", _("Meeting")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("case")
    )
    planned_on = models.DateField(_("planned for"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CALL)
    done_on = models.DateField(_("held on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="follow_ups", verbose_name=_("staff"),
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["planned_on", "id"]
        indexes = [models.Index(fields=["staff", "done_on", "planned_on"], name="follow_up_staff_todo_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.planned_on} – {self.case}"


class SelfReport(models.Model):
    """The participant's own monthly report: revenue and small jobs show
    whether the business is on its way to carrying a wage."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="self_reports", verbose_name=_("case")
    )
    month = models.DateField(_("month"), validators=[validate_first_of_month])
    revenue_ore = models.PositiveBigIntegerField(_("revenue (øre)"), default=0)
    hours_worked = models.PositiveSmallIntegerField(_("hours worked in the business"), null=True, blank=True)
    small_jobs_income_ore = models.PositiveBigIntegerField(_("income from small jobs (øre)"), default=0)
    how_it_goes = models.TextField(_("how it is going"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")
        ordering = ["case", "-month"]
        constraints = [models.UniqueConstraint(fields=["case", "month"], name="self_report_one_per_month")]

    def __str__(self):
        return f"{self.case} – {self.month:%Y-%m}"
