import pytest
from django.contrib.auth import get_user_model


def _login(client, email):
    client.force_login(get_user_model().objects.get(email=email))


def test_coordinator_edits_own_policy_and_the_site_shows_it(client, nordby):
    _login(client, "koordinator@nordby.example")
    policy = nordby.loan_policy
    index = client.get("/admin/loan_policy/")
    assert index.status_code == 200
    assert "Nordby Kommune" in index.content.decode() and "Sydby Kommune" not in index.content.decode()

    response = client.post(f"/admin/loan_policy/edit/{policy.pk}/", _form_data(
        policy, min_amount=20000, max_amount=40000, annual_interest_rate="0.00",
        grace_months=12, repayment_months=48, allowance_months=6,
    ))
    assert response.status_code == 302, response.context["form"].errors
    client.logout()
    assert "40.000 kr." in client.get("/", HTTP_HOST="127.0.0.1:8000").content.decode()


@pytest.mark.parametrize("view", ["edit", "delete", "history", "usage"])
def test_coordinator_cannot_open_the_other_municipalitys_policy(client, sydby, view):
    _login(client, "koordinator@nordby.example")
    assert client.get(f"/admin/loan_policy/{view}/{sydby.loan_policy.pk}/").status_code == 404


def test_minimum_above_maximum_is_refused_with_a_message(client, nordby):
    _login(client, "koordinator@nordby.example")
    response = client.post(f"/admin/loan_policy/edit/{nordby.loan_policy.pk}/", {
        "min_amount": 60000, "max_amount": 40000, "annual_interest_rate": "0.00",
        "grace_months": 12, "repayment_months": 48, "allowance_months": 6,
    })
    assert response.status_code == 200
    nordby.loan_policy.refresh_from_db()
    assert nordby.loan_policy.min_amount == 30000


@pytest.mark.parametrize("email", ["redaktoer@nordby.example", "sagsbehandler@nordby.example", "borger@nordby.example"])
def test_other_roles_cannot_edit_the_policy(client, nordby, email):
    _login(client, email)
    assert client.get(f"/admin/loan_policy/edit/{nordby.loan_policy.pk}/").status_code in (302, 403)


def _form_data(policy, **changes):
    """The edit form as the coordinator sends it: every field at its stored
    value (unticked boxes left out, as a browser does), with ``changes``."""
    from django.forms.models import model_to_dict

    from backoffice.views.loan_policy import LoanPolicyViewSet

    data = {**model_to_dict(policy, fields=LoanPolicyViewSet.form_fields), **changes}
    return {name: ("" if value is None else value) for name, value in data.items() if value is not False}

