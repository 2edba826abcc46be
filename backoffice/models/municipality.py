"""Tenants and the reference data every case refers to."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..validators import validate_cvr


class Municipality(models.Model):
    """One municipality running the scheme. Its public site is one Wagtail
    Site; every case, cohort and staff membership belongs to one."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name"), max_length=50, unique=True,
                            help_text=_("Used in reports and commands, e.g. 'nordby'."))
    site = models.OneToOneField(
        "wagtailcore.Site", verbose_name=_("public site"), on_delete=models.PROTECT,
        related_name="municipality",
    )
    # The sender of the municipality's Digital Post letters (Serviceplatformen).
    cvr_number = models.CharField(
        _("CVR number"), max_length=8, blank=True, validators=[validate_cvr],
        help_text=_("The municipality's CVR number, the sender of its Digital Post letters."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @classmethod
    def for_site(cls, site):
        if site is None:
            return None
        return cls.objects.filter(site=site).select_related("loan_policy").first()


class LoanPolicy(models.Model):
    """The committee's terms for loans and allowance in one municipality."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="loan_policy",
        verbose_name=_("municipality"),
    )
    min_amount = models.PositiveIntegerField(
        _("smallest loan (DKK)"), default=30_000, validators=[MinValueValidator(1)]
    )
    max_amount = models.PositiveIntegerField(
        _("largest loan (DKK)"), default=50_000, validators=[MinValueValidator(1)]
    )
    annual_interest_rate = models.DecimalField(
        _("yearly interest (%)"), max_digits=5, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    grace_months = models.PositiveSmallIntegerField(
        _("months before the first repayment"), default=12
    )
    repayment_months = models.PositiveSmallIntegerField(_("repayment period (months)"), default=48)
    allowance_months = models.PositiveSmallIntegerField(
        _("months of subsistence allowance"), default=6
    )

    class Meta:
        verbose_name = _("loan policy")
        verbose_name_plural = _("loan policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_amount__lte=models.F("max_amount")),
                name="loan_policy_min_not_above_max",
            )
        ]

    def __str__(self):
        return _("Loan policy for %(municipality)s") % {"municipality": self.municipality}


class TargetGroup(models.Model):
    """A citizen's benefit status when they enter the scheme (målgruppe).

    Staff maintain the list and its texts; the eligibility check and the
    evaluation report both read it. ``code`` is stable and used by imports."""

    class Eligibility(models.TextChoices):
        CAN_APPLY = "can_apply", _("Can apply")
        TALK_FIRST = "talk_first", _("Talk to your caseworker first")
        NOT_ELIGIBLE = "not_eligible", _("Not for this scheme")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_da = models.CharField(_("name (Danish)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    eligibility = models.CharField(
        _("eligibility"), max_length=20, choices=Eligibility.choices, default=Eligibility.CAN_APPLY
    )
    guidance_da = models.TextField(_("guidance (Danish)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_en if (get_language() or "da").startswith("en") else self.name_da

    @property
    def guidance(self):
        return self.guidance_en if (get_language() or "da").startswith("en") else self.guidance_da


class StaffMembership(models.Model):
    """Ties a staff user to the one municipality whose data they may see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_membership",
        verbose_name=_("user"),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="staff_memberships",
        verbose_name=_("municipality"),
    )
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")

    def __str__(self):
        return f"{self.user} – {self.municipality}"
