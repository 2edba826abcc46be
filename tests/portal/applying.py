"""A complete application, for tests that need one: the answers of each
step as a citizen would type them, and real files for the documents step."""

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.applications import STEPS, add_draft_document

from ..files import pdf_bytes, xlsx_bytes

ABOUT_YOU = {
    "full_name": "Amina Hansen", "cpr_number": "0101901234", "address": "Torvet 2", "postcode": "9000",
    "city": "Nordby", "phone": "12345678", "email": "amina@example.dk", "target_group": "jobready_cash_benefit",
}
IDEA = {"business_idea": "Systue med reparationer", "industry": "Skrædder", "customers": "Renserier",
        "experience": "Syet i 10 år", "motivation": "Være min egen chef"}
MONEY = {"startup_costs_dkk": "45000", "own_funding_dkk": "5000", "requested_amount_dkk": "40000",
         "expected_monthly_income_dkk": "18000"}
DECLARATIONS = {"truthful": "on", "consent": "on"}
ANSWERS = {"about-you": ABOUT_YOU, "idea": IDEA, "money": MONEY, "declarations": DECLARATIONS}


def fill(draft, *slugs):
    """Save the answers of the given form steps (all of them by default)."""
    for step in STEPS:
        if step.form_class is None or (slugs and step.slug not in slugs):
            continue
        form = step.form(draft, data=ANSWERS[step.slug])
        assert form.is_valid(), form.errors
        draft.save_step(step.slug, form.cleaned_data)


def business_plan():
    return SimpleUploadedFile("forretningsplan.pdf", pdf_bytes(), content_type="application/pdf")


def budget():
    return SimpleUploadedFile("budget.xlsx", xlsx_bytes(), content_type="application/octet-stream")


def add_documents(draft):
    add_draft_document(draft, "business_plan", business_plan())
    add_draft_document(draft, "budget", budget())


def complete(draft):
    fill(draft)
    add_documents(draft)
    return draft
