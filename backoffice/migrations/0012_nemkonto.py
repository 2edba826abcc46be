"""Payouts through NemKonto: payment orders and their export batches.

A loan goes to the NemKonto of the business's CVR number, an allowance to
the citizen's CPR: the CHECK constraint on the order says so for every row.
What a CHECK cannot see is the other tables, so a trigger on the order
(insert, and an update of whom it pays) checks that a loan order pays the
CVR of the business on its own case, whose account staff verified as that
CVR's NemKonto (``nemkonto_cvr``), and that an allowance order pays the
applicant's own CPR (an update may blank the number to zeros: anonymisation).
The trigger of 0007 (a disbursement only against the
case's verified business account) stays as it is.

Existing data: a verified account gets its business's CVR as the verified
NemKonto; every approved disbursement and allowance payment gets its order,
confirmed (paid on the day it was recorded as paid), in one batch per
municipality marked as migrated. Payouts that cannot be addressed (no valid
CVR, an anonymised CPR) get no order: there is nothing to pay them to."""

import importlib
import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LOAN_CHECK = """
    SELECT 1 FROM backoffice_disbursement d
    JOIN backoffice_loan l ON l.id = d.loan_id
    JOIN backoffice_businessaccount a ON a.id = d.business_account_id
    JOIN backoffice_business b ON b.id = a.business_id
    WHERE d.id = NEW.disbursement_id AND l.case_id = NEW.case_id AND b.case_id = l.case_id
      AND b.cvr_number = NEW.recipient_number AND a.nemkonto_cvr = NEW.recipient_number
"""
ALLOWANCE_CHECK = """
    SELECT 1 FROM backoffice_allowancepayment p
    JOIN backoffice_allowance al ON al.id = p.allowance_id
    JOIN backoffice_caseapplication app ON app.case_id = al.case_id
    WHERE p.id = NEW.allowance_payment_id AND al.case_id = NEW.case_id
      AND REPLACE(app.cpr_number, '-', '') = NEW.recipient_number
"""
CONDITION = (f"((NEW.kind = 'loan' AND NOT EXISTS ({LOAN_CHECK})) "
             f"OR (NEW.kind = 'allowance' AND NOT EXISTS ({ALLOWANCE_CHECK})))")
WATCHED = "kind, recipient_type, recipient_number, disbursement_id, allowance_payment_id, case_id"
# Anonymisation (services.payments.anonymise) blanks the number to zeros: allowed on an update only.
ANONYMISED = "NEW.recipient_number IN ('00000000', '0000000000')"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER payment_order_recipient_{when}
    BEFORE {event} ON backoffice_paymentorder
    WHEN {condition}
    BEGIN SELECT RAISE(ABORT, 'payment_order_recipient_nemkonto'); END;"""
    for when, event, condition in (("insert", "INSERT", CONDITION),
                                   ("update", f"UPDATE OF {WATCHED}", f"NOT ({ANONYMISED}) AND {CONDITION}"))
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS payment_order_recipient_{when};" for when in ("insert", "update")]

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION backoffice_payment_order_recipient() RETURNS trigger AS $$
    BEGIN
        IF (TG_OP = 'INSERT' OR NOT ({ANONYMISED})) AND {CONDITION} THEN
            RAISE EXCEPTION 'payment_order_recipient_nemkonto'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_order_recipient_nemkonto';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER payment_order_recipient
    BEFORE INSERT OR UPDATE OF {WATCHED} ON backoffice_paymentorder
    FOR EACH ROW EXECUTE FUNCTION backoffice_payment_order_recipient();""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS payment_order_recipient ON backoffice_paymentorder;",
    "DROP FUNCTION IF EXISTS backoffice_payment_order_recipient();",
]


def triggers_forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, []):
        schema_editor.execute(sql)


def triggers_backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, []):
        schema_editor.execute(sql)


# SQLite adds the column by rebuilding the account table, which a trigger
# naming that table (0007's) does not survive: it is taken off for the
# rebuild and put back unchanged.
_0007 = importlib.import_module("backoffice.migrations.0007_ledger_decision_verified_account")


def without_0007_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _0007.backward(apps, schema_editor)


def with_0007_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _0007.forward(apps, schema_editor)


CVR_RE = re.compile(r"^[0-9]{8}$")
CPR_RE = re.compile(r"^[0-9]{10}$")


def migrate_payouts(apps, schema_editor):
    BusinessAccount = apps.get_model("backoffice", "BusinessAccount")
    Disbursement = apps.get_model("backoffice", "Disbursement")
    AllowancePayment = apps.get_model("backoffice", "AllowancePayment")
    PaymentBatch = apps.get_model("backoffice", "PaymentBatch")
    PaymentOrder = apps.get_model("backoffice", "PaymentOrder")
    paid_accounts = set(Disbursement.objects.filter(approved_at__isnull=False)
                        .values_list("business_account_id", flat=True))
    for account in BusinessAccount.objects.select_related("business"):
        cvr = (account.business.cvr_number or "").replace(" ", "")
        # Verified then, or already paid into: the business's account as the CVR's NemKonto.
        if CVR_RE.match(cvr) and (account.verified_at is not None or account.pk in paid_accounts):
            account.nemkonto_cvr = cvr
            account.save(update_fields=["nemkonto_cvr"])
    batches = {}

    def batch_for(case, user):
        if case.municipality_id not in batches:
            batches[case.municipality_id] = PaymentBatch.objects.create(
                municipality_id=case.municipality_id, transport="migrated", filename="migrated",
                order_count=0, total_ore=0, created_by=user)
        batch = batches[case.municipality_id]
        return batch

    def add(batch, **fields):
        PaymentOrder.objects.create(batch=batch, status="confirmed", **fields)
        batch.order_count += 1
        batch.total_ore += fields["amount_ore"]

    for disbursement in (Disbursement.objects.filter(approved_at__isnull=False, paid_on__isnull=False)
                         .select_related("loan__case", "business_account__business").order_by("pk")):
        case = disbursement.loan.case
        cvr = disbursement.business_account.nemkonto_cvr
        if disbursement.business_account.business.case_id != case.pk or not CVR_RE.match(cvr or ""):
            continue
        add(batch_for(case, disbursement.approved_by), municipality_id=case.municipality_id, case=case,
            kind="loan", disbursement=disbursement, recipient_type="cvr", recipient_number=cvr,
            amount_ore=disbursement.amount_ore, payment_date=disbursement.paid_on,
            payment_text=case.reference[:35],
            booked_on=disbursement.paid_on, transaction_id=f"migrated-disbursement-{disbursement.pk}",
            created_by=disbursement.approved_by)
    for payment in (AllowancePayment.objects.filter(approved_at__isnull=False, paid_on__isnull=False)
                    .select_related("allowance__case__application").order_by("pk")):
        case = payment.allowance.case
        application = getattr(case, "application", None)
        cpr = (application.cpr_number if application else "").replace("-", "")
        if not CPR_RE.match(cpr):
            continue
        add(batch_for(case, payment.approved_by), municipality_id=case.municipality_id, case=case,
            kind="allowance", allowance_payment=payment, recipient_type="cpr", recipient_number=cpr,
            amount_ore=payment.amount_ore, payment_date=payment.paid_on, payment_text=case.reference,
            booked_on=payment.paid_on, transaction_id=f"migrated-allowance-{payment.pk}",
            created_by=payment.approved_by)
    for batch in batches.values():
        batch.save(update_fields=["order_count", "total_ore"])


class Migration(migrations.Migration):

    dependencies = [
        ("backoffice", "0011_registers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(without_0007_trigger, with_0007_trigger, elidable=False),
        migrations.AddField(
            model_name='businessaccount',
            name='nemkonto_cvr',
            field=models.CharField(blank=True, max_length=8, verbose_name='NemKonto of CVR number'),
        ),
        migrations.RunPython(with_0007_trigger, without_0007_trigger, elidable=False),
        migrations.CreateModel(
            name='PaymentBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('transport', models.CharField(max_length=50, verbose_name='transport')),
                ('filename', models.CharField(max_length=100, verbose_name='file name')),
                ('content', models.TextField(blank=True, verbose_name='content')),
                ('order_count', models.PositiveIntegerField(verbose_name='orders')),
                ('total_ore', models.PositiveBigIntegerField(verbose_name='total (øre)')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='exported')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='exported by')),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payment_batches', to='backoffice.municipality', verbose_name='municipality')),
            ],
            options={
                'verbose_name': 'payment batch',
                'verbose_name_plural': 'payment batches',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='PaymentOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('loan', 'Loan payout'), ('allowance', 'Subsistence allowance')], max_length=20, verbose_name='kind')),
                ('recipient_type', models.CharField(choices=[('cvr', 'CVR number'), ('cpr', 'CPR number')], max_length=3, verbose_name='recipient type')),
                ('recipient_number', models.CharField(max_length=10, verbose_name='recipient (CVR or CPR)')),
                ('amount_ore', models.PositiveBigIntegerField(verbose_name='amount (øre)')),
                ('payment_date', models.DateField(verbose_name='payment date')),
                ('payment_text', models.CharField(max_length=35, verbose_name='payment text')),
                ('status', models.CharField(choices=[('ready', 'Ready for export'), ('exported', 'Sent to the finance system'), ('confirmed', 'Paid'), ('rejected', 'Rejected by the finance system')], default='ready', max_length=20, verbose_name='status')),
                ('booked_on', models.DateField(blank=True, null=True, verbose_name='booked by the finance system on')),
                ('transaction_id', models.CharField(blank=True, max_length=100, null=True, verbose_name="finance system's transaction id")),
                ('rejection_reason', models.CharField(blank=True, max_length=200, verbose_name='reason for rejection')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('allowance_payment', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payment_order', to='backoffice.allowancepayment', verbose_name='allowance payment')),
                ('batch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='backoffice.paymentbatch', verbose_name='export batch')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payment_orders', to='backoffice.case', verbose_name='case')),
                ('created_by', models.ForeignKey(blank=True, help_text='Empty only for orders made from old payouts.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('disbursement', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payment_order', to='backoffice.disbursement', verbose_name='disbursement')),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payment_orders', to='backoffice.municipality', verbose_name='municipality')),
            ],
            options={
                'verbose_name': 'payment order',
                'verbose_name_plural': 'payment orders',
                'ordering': ['-payment_date', '-id'],
                'indexes': [models.Index(fields=['municipality', 'status'], name='payment_order_status_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('allowance_payment__isnull', True), ('disbursement__isnull', False), ('kind', 'loan'), ('recipient_number__regex', '^[0-9]{8}$'), ('recipient_type', 'cvr')), models.Q(('allowance_payment__isnull', False), ('disbursement__isnull', True), ('kind', 'allowance'), ('recipient_number__regex', '^[0-9]{10}$'), ('recipient_type', 'cpr')), _connector='OR'), name='payment_order_loan_to_cvr_allowance_to_cpr'), models.CheckConstraint(condition=models.Q(('amount_ore__gt', 0)), name='payment_order_amount_positive'), models.CheckConstraint(condition=models.Q(models.Q(('batch__isnull', True), ('status', 'ready')), models.Q(models.Q(('status', 'ready'), _negated=True), ('batch__isnull', False)), _connector='OR'), name='payment_order_exported_has_batch'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'confirmed'), _negated=True), models.Q(('booked_on__isnull', False), ('transaction_id__isnull', False)), _connector='OR'), name='payment_order_confirmed_has_booking'), models.UniqueConstraint(condition=models.Q(('transaction_id__isnull', False)), fields=('municipality', 'transaction_id'), name='payment_order_transaction_unique')],
            },
        ),
        migrations.RunPython(triggers_forward, triggers_backward, elidable=False),
        migrations.RunPython(migrate_payouts, migrations.RunPython.noop, elidable=False),
    ]
