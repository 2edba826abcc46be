"""The business's de minimis declaration on My page: "none" or a list of
grants, changed until the loan is recorded, only on the citizen's own case
(anybody else gets a 404), and shown to staff on the case page."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice.models import Case, CaseApplication, DeMinimisDeclaration
from backoffice.services import de_minimis

from ..backoffice.test_loans import granted_case, make_staff

pytestmark = pytest.mark.usefixtures("danish_without_scanner")
User = get_user_model()
S = Case.Status
SYDBY_HOST = "localhost:8000"


@pytest.fixture
def coordinator(demo):
    return User.objects.get(email="koordinator@nordby.example")


@pytest.fixture
def case(nordby, citizen):
    case = Case.objects.create(municipality=nordby, citizen=citizen, reference="NOR-2026-09021",
                               status=S.COURSE_COMPLETED, submitted_at=timezone.now())
    CaseApplication.objects.create(case=case, full_name="Bo Borger", cpr_number="010190-1234")
    return case


def url(case):
    return reverse("my_page_de_minimis", kwargs={"reference": case.reference})


def rows(count=3, **values):
    data = {"rows": count}
    for number, (grantor, day, amount) in values.items():
        data.update({f"grantor_{number}": grantor, f"granted_on_{number}": day, f"amount_{number}": amount})
    return data


def test_the_citizen_declares_none_and_staff_see_it(client, citizen, case):
    client.force_login(citizen)
    page = client.get(url(case))
    assert page.status_code == 200 and 'id="de-minimis-form"' in page.content.decode()
    assert url(case) in client.get(reverse("my_page_case", kwargs={"reference": case.reference})).content.decode()
    response = client.post(url(case), {**rows(), "no_other_aid": "on"})
    assert response.status_code == 302
    declaration = DeMinimisDeclaration.objects.get(case=case)
    assert declaration.no_other_aid and declaration.declared_by == citizen and not declaration.aids.exists()
    assert "data-no-other-aid" in client.get(url(case)).content.decode()
    assert ModelLogEntry.objects.filter(object_id=str(case.pk), action=de_minimis.DECLARED_ACTION,
                                        user=citizen).exists()


def test_the_citizen_lists_grants_and_may_change_them(client, citizen, case):
    client.force_login(citizen)
    response = client.post(url(case), rows(**{"1": ("Erhvervsstyrelsen", "2025-04-01", "12.500,50"),
                                              "2": ("Region Nordjylland", "2024-09-30", "3000")}))
    assert response.status_code == 302
    aids = list(DeMinimisDeclaration.objects.get(case=case).aids.values_list("grantor", "granted_on",
                                                                            "amount_eur_cents"))
    assert aids == [("Region Nordjylland", dt.date(2024, 9, 30), 300_000),
                    ("Erhvervsstyrelsen", dt.date(2025, 4, 1), 1_250_050)]
    page = client.get(url(case)).content.decode()
    assert page.count("data-aid") == 2 and 'name="grantor_5"' in page  # two given + three empty rows
    client.post(url(case), {**rows(5), "no_other_aid": "on"})
    declaration = DeMinimisDeclaration.objects.get(case=case)
    assert declaration.no_other_aid and not declaration.aids.exists()


def test_an_incomplete_or_contradictory_declaration_is_not_saved(client, citizen, case):
    client.force_login(citizen)
    assert client.post(url(case), rows()).status_code == 400  # neither "none" nor a grant
    assert client.post(url(case), rows(**{"1": ("Fonden", "", "100")})).status_code == 400
    both = client.post(url(case), {**rows(**{"1": ("Fonden", "2025-01-01", "100")}), "no_other_aid": "on"})
    assert both.status_code == 400 and 'class="error-summary"' in both.content.decode()
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    assert client.post(url(case), rows(**{"1": ("Fonden", future, "100")})).status_code == 400
    assert not DeMinimisDeclaration.objects.filter(case=case).exists()


def test_once_the_loan_is_recorded_the_declaration_is_closed(client, citizen, nordby, coordinator):
    loan_case, _loan = granted_case(nordby, coordinator, citizen=citizen)  # declared "none" first
    client.force_login(citizen)
    page = client.get(url(loan_case)).content.decode()
    assert "data-no-other-aid" in page and 'id="de-minimis-form"' not in page
    client.post(url(loan_case), rows(**{"1": ("Fonden", "2025-01-01", "100")}))
    assert DeMinimisDeclaration.objects.get(case=loan_case).no_other_aid


def test_everybody_else_gets_a_404(client, citizen, case, coordinator):
    assert client.get(url(case)).status_code in (302, 404)  # anonymous: never the page
    other = User.objects.create_user(username="anden@nordby.example", email="anden@nordby.example",
                                     password="x")
    client.force_login(other)
    assert client.get(url(case)).status_code == 404
    assert client.post(url(case), {**rows(), "no_other_aid": "on"}).status_code == 404
    client.force_login(coordinator)
    assert client.get(url(case)).status_code == 404
    client.force_login(citizen)
    assert client.get(url(case), HTTP_HOST=SYDBY_HOST).status_code == 404
    assert not DeMinimisDeclaration.objects.filter(case=case).exists()


def test_the_service_refuses_anybody_but_the_citizen(case, nordby):
    with pytest.raises(PermissionError):
        de_minimis.declare_other_aid(case, make_staff(nordby), no_other_aid=True, aids=[])
