"""My page shows the citizen the reminders sent, a deferral (and that no
reminders come until it ends) with the replaced instalments, and a new
repayment plan: the same reads as the staff loan page."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from backoffice.models import DecisionKind
from backoffice.services import collection

from ..backoffice.test_loans import final_decision, make_staff
from .test_my_page_loan import serviced

User = get_user_model()
pytestmark = pytest.mark.usefixtures("danish_without_scanner")


def test_the_citizen_sees_reminders_and_the_deferral(client, citizen, nordby):
    coordinator = User.objects.get(email="koordinator@nordby.example")
    case, loan = serviced(nordby, citizen, coordinator, make_staff(nordby, name="anden"),
                          make_staff(nordby, name="tredje"), months=12)
    first_due = loan.instalments.order_by("due_on").first().due_on
    collection.run_collection(today=first_due + dt.timedelta(days=10))
    decision = final_decision(case, coordinator, kind=DecisionKind.DEFER_LOAN)
    first = loan.instalments.order_by("due_on").first()
    until = timezone.localdate() + dt.timedelta(days=45)
    collection.defer(loan, coordinator, decision=decision, reason="Sygdom i familien", until=until,
                     instalment_ids=[first.pk])
    client.force_login(citizen)
    html = client.get(reverse("my_page_loan", kwargs={"reference": case.reference})).content.decode()
    assert 'id="collection"' in html and 'id="deferral-note"' in html
    assert 'data-change="deferral"' in html and "Sygdom i familien" in html
    assert html.count("<del>") == 1  # the replaced instalment, kept visible
    assert "100,00 kr." in html  # the reminder's fee
