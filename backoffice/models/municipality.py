"""Tenants and the reference data every case refers to."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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
    # What new cases are journalised under (models.journal); blank: the
    # scheme's default, settings.DIGITAL_POST_KLE_NUMBER and facet G01.
    kle_number = models.CharField(
        _("KLE number for new cases"), max_length=8, blank=True,
        help_text=_("E.g. 24.10.07. Empty: the installation's default."),
    )
    kle_facet = models.CharField(_("action facet for new cases"), max_length=3, blank=True)
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
    # Collection of unpaid instalments (services.collection). Rentelovens § 9b:
    # a fee of at most DKK 100 per reminder, at most three for one claim, and
    # reminders at least 10 days apart; the days count from the oldest unpaid due date.
    reminder_1_days = models.PositiveSmallIntegerField(
        _("days after due date: reminder 1"), default=10, validators=[MinValueValidator(1)])
    reminder_2_days = models.PositiveSmallIntegerField(_("days after due date: reminder 2"), default=24)
    notice_days = models.PositiveSmallIntegerField(
        _("days after due date: written notice"), default=38,
        help_text=_("The notice before the claim is handed over to Gældsstyrelsen."))
    notice_deadline_days = models.PositiveSmallIntegerField(
        _("days to pay after the notice"), default=14, validators=[MinValueValidator(10)],
        help_text=_("The claim can be handed over when this has passed."))
    reminder_spacing_days = models.PositiveSmallIntegerField(
        _("days at least between reminders"), default=10, validators=[MinValueValidator(10)])
    reminder_fee_dkk = models.PositiveSmallIntegerField(
        _("reminder fee (DKK)"), default=100, validators=[MaxValueValidator(100)],
        help_text=_("0 for no fee. At most DKK 100 per reminder (section 9b of the Interest Act)."))
    max_reminder_fees = models.PositiveSmallIntegerField(
        _("reminders with a fee, at most"), default=3, validators=[MaxValueValidator(3)])
    claim_type_code = models.CharField(
        _("claim type at Gældsstyrelsen"), max_length=30, default="MIKROLAAN",
        help_text=_("The claim type (fordringstype) agreed with Gældsstyrelsen."))
    debtor_is_business = models.BooleanField(
        _("the business is the debtor"), default=False,
        help_text=_("Hand claims over with the business's CVR number instead of the citizen's CPR number "
                    "(when the loan agreement is made with the business)."))
    allowance_months = models.PositiveSmallIntegerField(
        _("months of subsistence allowance"), default=6
    )
    # De minimis state aid (Regulation (EU) 2023/2831, services.de_minimis). The base
    # rate is the Commission's EU base rate for Denmark; empty until staff set it,
    # because a made-up default would misstate the aid.
    de_minimis_enabled = models.BooleanField(
        _("record de minimis state aid"), default=True,
        help_text=_("The loan's aid is computed, checked against the ceiling and stated in the grant letter."),
    )
    eu_base_rate = models.DecimalField(
        _("EU base rate for Denmark (%)"), max_digits=6, decimal_places=3, null=True, blank=True,
        help_text=_("The European Commission's base rate for Denmark, used for the reference rate."),
    )
    eu_base_rate_set_on = models.DateField(
        _("base rate valid from"), null=True, blank=True,
        help_text=_("The date from which the Commission's base rate applies."),
    )
    de_minimis_margin = models.DecimalField(
        _("reference rate margin (percentage points)"), max_digits=5, decimal_places=2, default=Decimal("4.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Added to the base rate: 4.00 for weak credit rating and no collateral."),
    )
    eur_dkk_rate = models.DecimalField(
        _("EUR/DKK rate"), max_digits=8, decimal_places=4, default=Decimal("7.4600"),
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    de_minimis_ceiling_eur = models.PositiveIntegerField(
        _("de minimis ceiling (EUR)"), default=300_000, validators=[MinValueValidator(1)],
        help_text=_("Most de minimis aid one undertaking may receive over three years."),
    )

    class Meta:
        verbose_name = _("loan policy")
        verbose_name_plural = _("loan policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_amount__lte=models.F("max_amount")),
                name="loan_policy_min_not_above_max",
            ),
            # The law's 10 days between reminders, also when staff edit the days.
            models.CheckConstraint(
                condition=models.Q(reminder_spacing_days__gte=10, reminder_fee_dkk__lte=100,
                                   max_reminder_fees__lte=3,
                                   reminder_2_days__gte=models.F("reminder_1_days") + models.F("reminder_spacing_days"),
                                   notice_days__gte=models.F("reminder_2_days") + models.F("reminder_spacing_days")),
                name="loan_policy_reminder_spacing",
            ),
        ]

    def __str__(self):
        return _("Loan policy for %(municipality)s") % {"municipality": self.municipality}

    def clean(self):
        # The rate means nothing without the date it applies from: the register keeps both.
        if (self.eu_base_rate is None) != (self.eu_base_rate_set_on is None):
            raise ValidationError({"eu_base_rate_set_on": _("Give both the EU base rate and the date it applies "
                                                            "from, or neither.")})


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
