"""Screening talks and the assessment against the five criteria of the
2014 proposal."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import Case

# In the order of the 2014 proposal; field names are f"{criterion}_rating/_reason".
CRITERIA = ("competences", "business_plan", "profitability", "health", "family_backing")


class ScreeningTalk(models.Model):
    """A first talk with the citizen before the admission decision."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="talks", verbose_name=_("case"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video meeting link"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="screening_talks", verbose_name=_("staff")
    )
    outcome_notes = models.TextField(_("outcome of the talk"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening talk")
        verbose_name_plural = _("screening talks")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="screening_talk_ends_after_start"
            )
        ]

    def __str__(self):
        return str(_("Talk on %(case)s at %(start)s") % {"case": self.case, "start": self.starts_at})


class Assessment(models.Model):
    """One assessor's view of a case. The caseworker and the business
    consultant each write their own, so the decision can show both."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", _("Caseworker")
        BUSINESS_CONSULTANT = "business_consultant", _("Business consultant")

    class Rating(models.IntegerChoices):
        # Integers so ratings can be compared and averaged in statistics.
        INSUFFICIENT = 1, _("Insufficient")
        WEAK = 2, _("Weak")
        ADEQUATE = 3, _("Adequate")
        STRONG = 4, _("Strong")

    class Recommendation(models.TextChoices):
        ADMIT = "admit", _("Admit to the course")
        REFER = "refer", _("Refer to the ordinary employment effort")
        UNDECIDED = "undecided", _("Undecided")

    CRITERIA = CRITERIA

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("case")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments",
        verbose_name=_("assessor"),
    )
    # A criterion may be left unrated by the role that cannot judge it (the
    # business consultant rarely judges health), but a rating always needs
    # a written reason once submitted — see the constraint below.
    competences_rating = models.PositiveSmallIntegerField(
        _("professional and business competences"), choices=Rating.choices, null=True, blank=True
    )
    competences_reason = models.TextField(_("reason: competences"), blank=True)
    business_plan_rating = models.PositiveSmallIntegerField(
        _("sound business plan that solves the support situation"), choices=Rating.choices,
        null=True, blank=True,
    )
    business_plan_reason = models.TextField(_("reason: business plan"), blank=True)
    profitability_rating = models.PositiveSmallIntegerField(
        _("profitability (customer base, sales channels)"), choices=Rating.choices, null=True, blank=True
    )
    profitability_reason = models.TextField(_("reason: profitability"), blank=True)
    health_rating = models.PositiveSmallIntegerField(
        _("health able to carry a business"), choices=Rating.choices, null=True, blank=True
    )
    health_reason = models.TextField(_("reason: health"), blank=True)
    family_backing_rating = models.PositiveSmallIntegerField(
        _("family backing"), choices=Rating.choices, null=True, blank=True
    )
    family_backing_reason = models.TextField(_("reason: family backing"), blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Recommendation.choices, default=Recommendation.UNDECIDED
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["case", "role"]
        constraints = [
            models.UniqueConstraint(fields=["case", "role"], name="assessment_one_per_role"),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True)
                | models.Q(*[
                    models.Q(**{f"{c}_rating__isnull": True}) | ~models.Q(**{f"{c}_reason": ""})
                    for c in CRITERIA
                ]),
                name="assessment_submitted_ratings_have_reasons",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} – {self.case}"

    def ratings(self):
        """{criterion: rating or None}, in the order of the proposal."""
        return {c: getattr(self, f"{c}_rating") for c in self.CRITERIA}
