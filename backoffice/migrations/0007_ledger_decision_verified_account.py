"""The loan is paid only into the case's own verified business account.

A CHECK constraint cannot look at another table, so the rule is a trigger on
``backoffice_disbursement`` (insert and update): the business account must be
verified and belong to the business on the loan's own case. The service
checks the same first and explains why to the user; the trigger makes sure
no other path (an import, a shell, a bug) can pay into a personal or someone
else's account. Also links a write-off to the decision behind it."""

import django.db.models.deletion
from django.db import migrations, models

CHECK = """
    SELECT 1 FROM backoffice_businessaccount a
    JOIN backoffice_business b ON b.id = a.business_id
    JOIN backoffice_loan l ON l.case_id = b.case_id
    WHERE a.id = NEW.business_account_id AND l.id = NEW.loan_id
      AND a.verified_at IS NOT NULL AND a.verified_by_id IS NOT NULL
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER disbursement_verified_account_{when}
    BEFORE {when.upper()} ON backoffice_disbursement
    WHEN NOT EXISTS ({CHECK})
    BEGIN SELECT RAISE(ABORT, 'disbursement_verified_business_account'); END;"""
    for when in ("insert", "update")
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS disbursement_verified_account_{when};" for when in ("insert", "update")
]

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION backoffice_disbursement_verified_account() RETURNS trigger AS $$
    BEGIN
        IF NOT EXISTS ({CHECK}) THEN
            RAISE EXCEPTION 'disbursement_verified_business_account'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'disbursement_verified_business_account';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER disbursement_verified_account
    BEFORE INSERT OR UPDATE ON backoffice_disbursement
    FOR EACH ROW EXECUTE FUNCTION backoffice_disbursement_verified_account();""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS disbursement_verified_account ON backoffice_disbursement;",
    "DROP FUNCTION IF EXISTS backoffice_disbursement_verified_account();",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("backoffice", "0006_case_queue_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="decision",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="ledger_entries", to="backoffice.decision", verbose_name="decision",
            ),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
