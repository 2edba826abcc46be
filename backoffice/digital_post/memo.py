"""The messages a letter becomes: a MeMo message for Digital Post, and a
Fjernprint shipment (``ForsendelseI``) for a citizen exempt from it.

Both carry the dispatch's kept ``message_uuid``, so a retry is the same
message to Serviceplatformen. ``message_body`` and ``physical_mail_body``
serialise them exactly as ``python_serviceplatformen.digital_post`` does
when it posts them (the ``kombi_request`` envelope), for the audit copy on
the dispatch record."""

import base64
import datetime
from xml.etree import ElementTree

from django.conf import settings
from django.utils import timezone
from python_serviceplatformen.models import message as memo
from python_serviceplatformen.models import physical_mail, xml_util
from xsdata.formats.dataclass.context import XmlContext
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig

from ..models import CaseApplication, KleSubject, LetterDispatch

CASE_SYSTEM = "Mikrolån"
# KLE "handlingsfacet" G01: general cases (the scheme's letters are casework, not a special procedure).
KLE_ACTIVITY_FACET = "G01"
KLE_VERSION = "2.0"
KLE_LABEL = "Erhvervsservice og iværksætteri"
LANGUAGE = "da"  # letters are written in Danish (services.letters)


def recipient_cpr(case):
    """The citizen's CPR number as ten digits, or "" if the case has none."""
    application = CaseApplication.objects.filter(case=case).only("cpr_number", "full_name").first()
    digits = "".join(ch for ch in (application.cpr_number if application else "") if ch.isdigit())
    return (digits if len(digits) == 10 else ""), (application.full_name if application else "")


def kle_data(case):
    """The case's own KLE classification (services.journal); a case from
    before it had one falls back on the installation's setting."""
    number = case.kle_number or settings.DIGITAL_POST_KLE_NUMBER
    title = KleSubject.objects.filter(number=number).values_list("title", flat=True).first()
    return memo.KLEdata(subjectKey=number, version=KLE_VERSION,
                        activityFacet=case.kle_facet or KLE_ACTIVITY_FACET, label=title or KLE_LABEL)


def pdf_bytes(letter):
    with letter.file.open("rb") as handle:
        return handle.read()


def build_message(case, letter, *, cpr, name, sender_cvr, now=None):
    """The MeMo ``Message`` for ``letter`` (a ``Document`` with a ``dispatch``)."""
    dispatch = letter.dispatch
    municipality = case.municipality
    decision = dispatch.kind == LetterDispatch.Kind.DECISION
    pdf = pdf_bytes(letter)
    return memo.Message(
        messageHeader=memo.MessageHeader(
            messageType="DIGITALPOST",
            messageUUID=str(dispatch.message_uuid),
            label=dispatch.label,
            # Both letters have legal effect: a deadline runs from them (the
            # comments on the draft, the appeal). A decision must reach the
            # citizen, so it is mandatory post as well.
            legalNotification=True,
            mandatory=decision,
            sender=memo.Sender(senderID=sender_cvr, idType="CVR", label=municipality.name),
            recipient=memo.Recipient(recipientID=cpr, idType="CPR"),
            contentData=memo.ContentData(
                CPR_data=memo.CPRdata(cprNumber=cpr, name=name),
                caseID=memo.CaseID(caseID=case.reference, caseSystem=CASE_SYSTEM),
                KLE_data=kle_data(case),
            ),
        ),
        messageBody=memo.MessageBody(
            # The library writes it as UTC ("...Z"): give it UTC.
            createdDateTime=(now or timezone.now()).astimezone(datetime.timezone.utc),
            mainDocument=memo.MainDocument(
                label=dispatch.label,
                files=(memo.File(encodingFormat="application/pdf",
                                 filename=letter.original_name or "brev.pdf", language=LANGUAGE,
                                 content=base64.b64encode(pdf).decode("ascii")),),
            ),
        ),
    )


def message_body(message):
    """The body ``digital_post.send_message`` posts for ``message``."""
    element = ElementTree.Element("kombi_request")
    ElementTree.SubElement(element, "KombiValgKode").text = "Digital Post"
    element.append(xml_util.dataclass_to_xml(message))
    return ElementTree.tostring(element, encoding="utf8").decode()


def build_physical_mail(letter):
    """A Fjernprint shipment of the letter PDF. The provider prints the
    address from the letter (window envelope), as the library expects."""
    dispatch = letter.dispatch
    shipment = physical_mail.create_physical_mail(settings.DIGITAL_POST_PHYSICAL_MAIL_TYPE, pdf_bytes(letter))
    # The kept UUID instead of the library's fresh one: a retry is the same shipment.
    shipment.afsendelse_identifikator = physical_mail.AfsendelseIdentifikator(
        value=str(dispatch.message_uuid))
    shipment.dokument_parametre = physical_mail.DokumentParametre(
        titel_tekst=physical_mail.TitelTekst(value=dispatch.label))
    return shipment


def physical_mail_body(shipment):
    """The body ``digital_post.send_physical_mail`` posts for ``shipment``."""
    serializer = XmlSerializer(context=XmlContext(), config=SerializerConfig(xml_declaration=False))
    request = physical_mail.KombiRequest(
        kombi_valg_kode="Fysisk Post",
        forsendelse_i_samling=physical_mail.ForsendelseISamling(forsendelse_i=shipment))
    return serializer.render(request)
