"""De minimis state aid (Commission Regulation (EU) 2023/2831).

An interest-free or cheap loan is aid on favourable terms: the aid is the
gross grant equivalent (GGE) of the interest the business does not pay. A
single undertaking may receive at most EUR 300,000 of de minimis aid over
any three years, so the business declares its other de minimis aid before
the loan is recorded, and each grant is kept for the register the
municipality reports from (``services.de_minimis``).

EUR amounts are kept in cents and DKK in øre: integers, like the ledger."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import Case, Document
from .decisions import Decision
from .loans import Loan
from .municipality import Municipality

REGULATION = "(EU) 2023/2831"


class DeMinimisDeclaration(models.Model):
    """The business's declaration of the other de minimis aid it received in
    the last three years, given by the citizen on My page. Either ``no_other_aid``
    or at least one ``DeclaredAid`` row; re-submitting replaces the rows until
    the loan is recorded."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="de_minimis_declaration", verbose_name=_("case"))
    no_other_aid = models.BooleanField(_("no other de minimis aid"), default=False)
    declared_at = models.DateTimeField(_("declared"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by"))

    class Meta:
        verbose_name = _("de minimis declaration")
        verbose_name_plural = _("de minimis declarations")

    def __str__(self):
        return str(_("De minimis declaration on %(case)s") % {"case": self.case})


class DeclaredAid(models.Model):
    """One grant of de minimis aid the business has declared."""

    declaration = models.ForeignKey(
        DeMinimisDeclaration, on_delete=models.CASCADE, related_name="aids", verbose_name=_("declaration"))
    grantor = models.CharField(_("granted by"), max_length=200)
    granted_on = models.DateField(_("granted on"))
    amount_eur_cents = models.PositiveBigIntegerField(_("amount (euro cents)"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("declared de minimis aid")
        verbose_name_plural = _("declared de minimis aid")
        ordering = ["declaration", "granted_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_eur_cents__gt=0), name="declared_aid_positive"),
        ]

    def __str__(self):
        return f"{self.grantor} {self.granted_on} EUR {self.amount_eur_cents / 100:.2f}"

    @property
    def amount_eur(self):
        return Decimal(self.amount_eur_cents) / 100


class DeMinimisGrant(models.Model):
    """The de minimis aid granted with one loan: the register entry. The
    parameters used are copied, so the figure can be recomputed and a later
    change of the loan policy does not alter it."""

    class Method(models.TextChoices):
        # Art. 4(3): the GGE computed with the reference rate on the loan's own schedule.
        REFERENCE_RATE_DCF = "reference_rate_dcf", _("Discounted interest saving at the reference rate")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="de_minimis_grants", verbose_name=_("municipality"))
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="de_minimis_grants", verbose_name=_("case"))
    loan = models.OneToOneField(
        Loan, on_delete=models.PROTECT, related_name="de_minimis_grant", verbose_name=_("loan"))
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="+", verbose_name=_("decision"))
    # Blank when the business has no CVR number yet at the grant (it registers after the loan decision).
    cvr_number = models.CharField(_("CVR number"), max_length=8, blank=True, db_index=True)
    business_name = models.CharField(_("business name"), max_length=200, blank=True)
    granted_on = models.DateField(_("granted on"), db_index=True)
    regulation = models.CharField(_("regulation"), max_length=40, default=REGULATION)
    method = models.CharField(_("GGE method"), max_length=30, choices=Method.choices,
                              default=Method.REFERENCE_RATE_DCF)
    loan_principal_ore = models.PositiveBigIntegerField(_("loan amount (øre)"))
    aid_ore = models.PositiveBigIntegerField(_("aid (øre)"))
    aid_eur_cents = models.PositiveBigIntegerField(_("aid (euro cents)"))
    other_aid_eur_cents = models.PositiveBigIntegerField(
        _("other de minimis aid in the three years (euro cents)"), default=0)
    base_rate = models.DecimalField(_("EU base rate (%)"), max_digits=6, decimal_places=3)
    base_rate_set_on = models.DateField(_("base rate set on"))
    margin = models.DecimalField(_("margin (percentage points)"), max_digits=5, decimal_places=2)
    discount_rate = models.DecimalField(_("discount rate (%)"), max_digits=6, decimal_places=3)
    eur_dkk_rate = models.DecimalField(_("EUR/DKK rate"), max_digits=8, decimal_places=4)
    ceiling_eur = models.PositiveIntegerField(_("ceiling (EUR)"))
    letter = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("grant letter"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("de minimis grant")
        verbose_name_plural = _("de minimis grants")
        ordering = ["-granted_on", "-id"]
        indexes = [models.Index(fields=["municipality", "granted_on"], name="de_minimis_register_idx")]

    def __str__(self):
        return f"{self.case} – EUR {self.aid_eur_cents / 100:.2f}"

    @property
    def reference_rate(self):
        return Decimal(self.base_rate) + Decimal(self.margin)

    @property
    def aid_dkk(self):
        return Decimal(self.aid_ore) / 100

    @property
    def aid_eur(self):
        return Decimal(self.aid_eur_cents) / 100

    @property
    def other_aid_eur(self):
        return Decimal(self.other_aid_eur_cents) / 100
