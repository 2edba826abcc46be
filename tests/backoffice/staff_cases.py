"""Cases and staff for the backoffice's view tests: a case opened the way the
portal opens one, with an application and documents, in a demo municipality."""

import uuid

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from backoffice.models import Document
from backoffice.services.cases import ApplicationSubmission, submit_application

from ..files import pdf_bytes

User = get_user_model()

FULL_CPR = "010190-1234"
ANSWERS = {
    "full_name": "Amina Hansen",
    "cpr_number": FULL_CPR,
    "email": "amina@example.dk",
    "business_idea": "Systue med reparationer",
    "requested_amount_dkk": 40000,
}


def staff(email):
    return User.objects.get(email=email)


def open_case(municipality, citizen=None, **answers):
    case, _ = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=municipality, citizen=citizen,
        answers={**ANSWERS, **answers},
    ))
    return case


def add_document(case, *, name="forretningsplan.pdf", content=None, content_type="application/pdf",
                 kind=Document.Kind.BUSINESS_PLAN, scan_status=Document.ScanStatus.CLEAN):
    content = content or pdf_bytes()
    document = Document(case=case, kind=kind, original_name=name, content_type=content_type,
                        size=len(content), scan_status=scan_status)
    document.file.save("upload", ContentFile(content), save=False)
    document.save()
    return document
