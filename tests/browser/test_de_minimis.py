"""The citizen's de minimis declaration on My page in a real browser: from
the case page to the form, an error, two grants of other aid, and the
declaration shown back. axe runs on every page."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from backoffice.models import Case, DeMinimisDeclaration, Municipality

from ..backoffice.staff_cases import open_case
from .conftest import assert_accessible, screenshot, visit
from .test_casework import _sign_in, _submit_and_wait

pytestmark = pytest.mark.browser
User = get_user_model()


@pytest.fixture
def deciding_case(demo_site):
    nordby = Municipality.objects.get(slug="nordby")
    case = open_case(nordby, User.objects.get(email="borger@nordby.example"))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.COURSE_COMPLETED)
    return case


def test_the_citizen_declares_other_de_minimis_aid(page, deciding_case):
    case = deciding_case
    visit(page, "/accounts/login/")
    _sign_in(page, "borger@nordby.example")
    visit(page, f"/my-page/cases/{case.reference}/")
    page.locator("#de-minimis a").click()
    page.wait_for_load_state("load")
    assert_accessible(page)
    form = page.locator("#de-minimis-form")

    form.locator("input[name=grantor_1]").fill("Erhvervsstyrelsen")  # no date or amount: an error
    _submit_and_wait(page, form.locator("button[type=submit]"))
    expect(page.locator(".error-summary")).to_be_visible()
    assert not DeMinimisDeclaration.objects.filter(case=case).exists()

    form = page.locator("#de-minimis-form")
    form.locator("input[name=granted_on_1]").fill("2025-04-01")
    form.locator("input[name=amount_1]").fill("12.500,50")
    form.locator("input[name=grantor_2]").fill("Region Nordjylland")
    form.locator("input[name=granted_on_2]").fill("2024-09-30")
    form.locator("input[name=amount_2]").fill("3000")
    _submit_and_wait(page, form.locator("button[type=submit]"))
    expect(page.locator("#de-minimis-declared [data-aid]")).to_have_count(2)
    declaration = DeMinimisDeclaration.objects.get(case=case)
    assert sorted(declaration.aids.values_list("amount_eur_cents", flat=True)) == [300_000, 1_250_050]
    screenshot(page, "my-page-de-minimis")
