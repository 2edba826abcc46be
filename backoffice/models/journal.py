"""Journal (offentlighedsloven § 15): the case's KLE classification and one
journal entry ("akt") for every document received or sent.

Not to be confused with ``JournalNote``, the note of oral information
(notatpligt): that is a staff note, this is the register of documents."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..kle.data import FACET_CODE, GROUP, MAIN_GROUP, SUBJECT
from .cases import Case, Document


class KleSubject(models.Model):
    """One number of the KLE subject plan (main group, group or subject),
    loaded from the shipped os2kle data (``refresh_kle``). Numbers that a
    newer plan drops stay, marked inactive: old cases still carry them."""

    class Level(models.TextChoices):
        MAIN_GROUP = MAIN_GROUP, _("Main group")
        GROUP = GROUP, _("Group")
        SUBJECT = SUBJECT, _("Subject")

    number = models.CharField(_("KLE number"), max_length=8, unique=True)
    title = models.CharField(_("title"), max_length=300)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    active = models.BooleanField(_("in the current plan"), default=True)

    class Meta:
        verbose_name = _("KLE subject")
        verbose_name_plural = _("KLE subjects")
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} {self.title}"


def validate_kle_facet(value):
    if not FACET_CODE.match(value or ""):
        raise ValidationError(_("An action facet is a capital letter and two digits, e.g. G01."),
                              code="facet")


class DocumentJournalEntry(models.Model):
    """The journal entry ("akt") of one document on a case: its running
    number on the case, date, direction and a short description that never
    holds a CPR number (the journal is what an aktindsigt lists first).

    ``access`` is staff's assessment for aktindsigt: a document holding
    other persons' data is withheld from the case file, with its legal
    ground, and listed as withheld."""

    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Sent")

    class Access(models.TextChoices):
        OPEN = "open", _("Can be handed out")
        EXEMPT = "exempt", _("Exempt")
        PARTLY_EXEMPT = "partly_exempt", _("Partly exempt")

    class Ground(models.TextChoices):
        # The usual grounds for withholding information about other persons.
        PRIVATE_MATTERS = "offl_30_1", _("Offentlighedsloven § 30, nr. 1 (private matters of others)")
        PARTY_OTHERS = "fvl_15b", _("Forvaltningsloven § 15 b (others' interests weigh more)")
        INTERNAL = "offl_23", _("Offentlighedsloven § 23 (internal document)")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="journal_entries", verbose_name=_("case")
    )
    document = models.OneToOneField(
        Document, on_delete=models.CASCADE, related_name="journal_entry", verbose_name=_("document")
    )
    number = models.PositiveIntegerField(_("number on the case"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    dated = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=200)
    access = models.CharField(_("aktindsigt"), max_length=20, choices=Access.choices, default=Access.OPEN)
    access_ground = models.CharField(_("legal ground"), max_length=20, choices=Ground.choices, blank=True)
    created_at = models.DateTimeField(_("journalised"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal (aktliste)")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="journal_entry_number_unique"),
            # Withholding a document always names its legal ground.
            models.CheckConstraint(
                condition=models.Q(access="open", access_ground="")
                | (~models.Q(access="open") & ~models.Q(access_ground="")),
                name="journal_entry_withheld_has_ground",
            ),
        ]

    def __str__(self):
        return self.journal_number

    @property
    def journal_number(self):
        """E.g. "NOR-2026-00042-0007": the case number and the running number."""
        return f"{self.case.reference or self.case_id}-{self.number:04d}"

    @property
    def withheld(self):
        return self.access != self.Access.OPEN
