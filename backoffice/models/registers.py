"""Snapshots of what the CPR and CVR registers said about a case.

Staff compare what the citizen typed with the registers, so each look-up is
kept as it was answered, with its source and time: a later change in the
register (or a register that was down) must not silently rewrite what staff
saw when they checked. The application and the business point at their
latest snapshot, so the case page loads it with ``select_related``.

No CPR number is stored here: the person snapshot belongs to the case's
application, which holds the number."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import Case


class RegisterSource(models.TextChoices):
    CPR_LOCAL = "cpr_local", _("CPR register (local fixtures)")
    CPR_SERVICEPLATFORMEN = "cpr_serviceplatformen", _("CPR register (Serviceplatformen)")
    CVR_LOCAL = "cvr_local", _("CVR register (local fixtures)")
    CVR_VIRK = "cvr_virk", _("CVR register (Virk)")


class LookupOutcome(models.TextChoices):
    FOUND = "found", _("Found")
    NOT_FOUND = "not_found", _("Not found in the register")
    UNAVAILABLE = "unavailable", _("The register could not be reached")


class RegisterLookup(models.Model):
    source = models.CharField(_("source"), max_length=30, choices=RegisterSource.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=LookupOutcome.choices)
    fetched_at = models.DateTimeField(_("fetched"), default=timezone.now)
    # None: fetched automatically (on submission, on the business registration).
    fetched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("fetched by"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)

    class Meta:
        abstract = True
        ordering = ["-fetched_at", "-pk"]

    @property
    def found(self):
        return self.outcome == LookupOutcome.FOUND


class PersonLookup(RegisterLookup):
    """What the CPR register said about the applicant."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Living in Denmark")
        DECEASED = "deceased", _("Deceased")
        EMIGRATED = "emigrated", _("Emigrated")
        OTHER = "other", _("Other status")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="person_lookups",
                             verbose_name=_("case"))
    protected_address = models.BooleanField(_("name and address protection"), default=False)
    status = models.CharField(_("status in the CPR register"), max_length=20, choices=Status.choices,
                              blank=True)

    class Meta(RegisterLookup.Meta):
        verbose_name = _("CPR register look-up")
        verbose_name_plural = _("CPR register look-ups")

    def __str__(self):
        return str(_("CPR register look-up for case %(case)s") % {"case": self.case_id})


class CompanyLookup(RegisterLookup):
    """What the CVR register said about the business's CVR number."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="company_lookups",
                             verbose_name=_("case"))
    # The number looked up: the citizen may change it afterwards.
    cvr_number = models.CharField(_("CVR number"), max_length=8)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    status = models.CharField(_("status in the CVR register"), max_length=40, blank=True)
    industry_code = models.CharField(_("industry code"), max_length=10, blank=True)
    industry_text = models.CharField(_("industry"), max_length=200, blank=True)

    class Meta(RegisterLookup.Meta):
        verbose_name = _("CVR register look-up")
        verbose_name_plural = _("CVR register look-ups")

    def __str__(self):
        return str(_("CVR register look-up for case %(case)s") % {"case": self.case_id})
