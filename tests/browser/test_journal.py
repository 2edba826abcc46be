"""The journal in a real browser: a caseworker changes the case's KLE
number, marks a document exempt from aktindsigt with its legal ground, and
downloads the case file, which leaves the withheld document out. axe runs
on the page after each step."""

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from playwright.sync_api import expect

from backoffice.models import AccessLogEntry, Document, Municipality
from backoffice.services import journal

from ..backoffice.staff_cases import add_document, open_case
from .conftest import assert_accessible, screenshot, visit
from .test_casework import _submit_and_wait
from .test_course_and_loan import _log_in

pytestmark = pytest.mark.browser
User = get_user_model()


@pytest.fixture
def journalised_case(demo_site):
    case = open_case(Municipality.objects.get(slug="nordby"), User.objects.get(email="borger@nordby.example"))
    with transaction.atomic():
        journal.journalise(add_document(case, name="plan.pdf"))
        journal.journalise(add_document(case, name="naboens-brev.pdf", kind=Document.Kind.OTHER))
    return case


def test_classify_withhold_and_download_the_case_file(page, journalised_case):
    case = journalised_case
    _log_in(page, "sagsbehandler@nordby.example")
    visit(page, f"/admin/casework/{case.pk}/#journal")
    section = page.locator("#journal")
    expect(section.locator("tr[data-journal-number]")).to_have_count(2)
    assert_accessible(page)

    section.locator("input[name=kle_number]").fill("24.10.07")
    _submit_and_wait(page, section.locator("form[action$='/kle/'] button"))
    expect(page.locator("#journal [data-kle-number]")).to_have_attribute("data-kle-number", "24.10.07")

    form = page.locator("#journal-access-form")
    form.locator("select[name=entry]").select_option(label=f"{case.reference}-0002 Andet (naboens-brev.pdf)")
    form.locator("select[name=access]").select_option("exempt")
    form.locator("select[name=ground]").select_option("fvl_15b")
    _submit_and_wait(page, form.locator("button"))
    expect(page.locator(f"#journal tr[data-journal-number='{case.reference}-0002']")).to_have_attribute(
        "data-access", "exempt")
    screenshot(page, "admin-case-journal")

    with page.expect_download() as download_info:
        page.locator("#case-file-form button").click()
    download = download_info.value
    archive = zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read()))
    names = archive.namelist()
    assert "aktliste.csv" in names and "dokumenter/0001_plan.pdf" in names
    assert not any("naboens" in name for name in names)
    assert AccessLogEntry.objects.filter(case=case, action=AccessLogEntry.Action.CASE_FILE).count() == 1
