"""The guidance and upskilling course: cohorts, sessions, enrolment,
attendance and coaching."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import Case
from .municipality import Municipality


class Cohort(models.Model):
    """A group of about 20 participants taking the ~6-month course together."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("places"), default=20)
    place = models.CharField(_("place"), max_length=200, blank=True)
    responsible = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="responsible_cohorts",
        verbose_name=_("responsible staff"),
    )

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="cohort_name_unique_per_municipality"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="cohort_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.name


class CourseSession(models.Model):
    """One teaching or coaching session of a cohort."""

    class Module(models.TextChoices):
        BUSINESS_PLAN = "business_plan", _("Business plan")
        BUDGET = "budget", _("Budget")
        TAX_AND_VAT = "tax_and_vat", _("Tax and VAT")
        MARKETING = "marketing", _("Marketing and sales")
        ACCOUNTING = "accounting", _("Accounting")
        COACHING = "coaching", _("Coaching")
        OTHER = "other", _("Other")

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("cohort")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    module = models.CharField(_("module"), max_length=20, choices=Module.choices, default=Module.OTHER)
    title = models.CharField(_("title"), max_length=200, blank=True)
    # A name, not a user: many teachers are external consultants.
    teacher = models.CharField(_("teacher"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("course session")
        verbose_name_plural = _("course sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="course_session_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.cohort} – {self.title or self.get_module_display()} ({self.starts_at:%Y-%m-%d})"


class Enrolment(models.Model):
    """A case's place on (or waiting list for) a cohort. The evaluation
    counts course participants from here, so enrolments are kept."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("On the waiting list")
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        LEFT_FOR_EMPLOYMENT = "left_for_employment", _("Left for ordinary employment")

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("case")
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("cohort")
    )
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.ENROLLED)
    waiting_position = models.PositiveSmallIntegerField(_("place on the waiting list"), null=True, blank=True)
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["cohort", "status", "waiting_position", "id"]
        indexes = [models.Index(fields=["cohort", "status"], name="enrolment_cohort_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["case", "cohort"], name="enrolment_one_per_case_and_cohort"),
            # A position means something only on the waiting list.
            models.CheckConstraint(
                condition=models.Q(status="waiting", waiting_position__isnull=False)
                | (~models.Q(status="waiting") & models.Q(waiting_position__isnull=True)),
                name="enrolment_waiting_position_only_when_waiting",
            ),
        ]

    def __str__(self):
        return f"{self.case} – {self.cohort}"


class Attendance(models.Model):
    """Whether one participant came to one session."""

    session = models.ForeignKey(
        CourseSession, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("session")
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("participant")
    )
    present = models.BooleanField(_("present"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "enrolment"]
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_one_per_session")
        ]

    def __str__(self):
        return f"{self.enrolment} – {self.session}"

    def clean(self):
        # Cross-table rule the database cannot check portably.
        if self.session_id and self.enrolment_id and self.session.cohort_id != self.enrolment.cohort_id:
            raise ValidationError(_("The participant is not on this session's cohort."))


class CoachingNote(models.Model):
    """Business or social coaching, for one participant or a whole cohort."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="coaching_notes",
        verbose_name=_("case"),
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="coaching_notes",
        verbose_name=_("cohort"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coaching_notes",
        verbose_name=_("author"),
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("coaching note")
        verbose_name_plural = _("coaching notes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | models.Q(cohort__isnull=False),
                name="coaching_note_has_case_or_cohort",
            )
        ]

    def __str__(self):
        return str(_("Coaching note on %(target)s") % {"target": self.case or self.cohort})
