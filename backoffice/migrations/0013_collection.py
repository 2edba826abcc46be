"""Collection of unpaid loans (services.collection): the loan policy's
reminder schedule and fee (rentelovens § 9b), the reminders and the written
notice sent once per round, the claims handed over to Gældsstyrelsen and
their status, and deferral/rescheduling as schedule changes by decision.
Replaced instalments stay (``replaced_by``), so one due date per loan is
unique only among the current ones. New decision kinds and letter kinds."""

import django.core.validators
import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("backoffice", "0012_nemkonto"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ClaimHandover',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('handed_over_on', models.DateField(verbose_name='handed over on')),
                ('claim_type', models.CharField(max_length=30, verbose_name='claim type')),
                ('principal_ore', models.BigIntegerField(verbose_name='principal outstanding (øre)')),
                ('interest_ore', models.BigIntegerField(verbose_name='interest (øre)')),
                ('fees_ore', models.BigIntegerField(verbose_name='fees (øre)')),
                ('due_dates', models.JSONField(default=list, verbose_name='due dates')),
                ('limitation_on', models.DateField(verbose_name='limitation date')),
                ('status', models.CharField(choices=[('handed_over', 'Handed over'), ('accepted', 'Accepted'), ('returned', 'Returned'), ('paid', 'Paid'), ('written_off', 'Written off')], default='handed_over', max_length=20, verbose_name='status')),
                ('status_on', models.DateField(verbose_name='status since')),
                ('status_note', models.CharField(blank=True, max_length=500, verbose_name='note')),
            ],
            options={
                'verbose_name': 'claim handed over',
                'verbose_name_plural': 'claims handed over',
                'ordering': ['-handed_over_on', '-id'],
            },
        ),
        migrations.CreateModel(
            name='CollectionStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('reminder_1', 'Reminder 1'), ('reminder_2', 'Reminder 2'), ('notice', 'Written notice')], max_length=20, verbose_name='kind')),
                ('sent_on', models.DateField(verbose_name='sent on')),
                ('days_past_due', models.PositiveIntegerField(verbose_name='days past due')),
                ('arrears_ore', models.BigIntegerField(verbose_name='arrears (øre)')),
                ('fee_ore', models.PositiveIntegerField(default=0, verbose_name='reminder fee (øre)')),
                ('deadline', models.DateField(blank=True, null=True, verbose_name='deadline')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
            ],
            options={
                'verbose_name': 'collection step',
                'verbose_name_plural': 'collection steps',
                'ordering': ['loan', 'sent_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ScheduleChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('deferral', 'Deferral'), ('rescheduling', 'Rescheduling')], max_length=20, verbose_name='kind')),
                ('reason', models.TextField(verbose_name='reason')),
                ('booked_on', models.DateField(verbose_name='booked on')),
                ('deferred_until', models.DateField(blank=True, null=True, verbose_name='deferred until')),
                ('months', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='months')),
                ('first_due_on', models.DateField(blank=True, null=True, verbose_name='first new due date')),
                ('principal_ore', models.BigIntegerField(verbose_name='principal moved (øre)')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
            ],
            options={
                'verbose_name': 'schedule change',
                'verbose_name_plural': 'schedule changes',
                'ordering': ['loan', 'booked_on', 'id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='repaymentinstalment',
            name='instalment_one_per_due_date',
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='claim_type_code',
            field=models.CharField(default='MIKROLAAN', help_text='The claim type (fordringstype) agreed with Gældsstyrelsen.', max_length=30, verbose_name='claim type at Gældsstyrelsen'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='debtor_is_business',
            field=models.BooleanField(default=False, help_text="Hand claims over with the business's CVR number instead of the citizen's CPR number (when the loan agreement is made with the business).", verbose_name='the business is the debtor'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='max_reminder_fees',
            field=models.PositiveSmallIntegerField(default=3, validators=[django.core.validators.MaxValueValidator(3)], verbose_name='reminders with a fee, at most'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='notice_days',
            field=models.PositiveSmallIntegerField(default=38, help_text='The notice before the claim is handed over to Gældsstyrelsen.', verbose_name='days after due date: written notice'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='notice_deadline_days',
            field=models.PositiveSmallIntegerField(default=14, help_text='The claim can be handed over when this has passed.', validators=[django.core.validators.MinValueValidator(10)], verbose_name='days to pay after the notice'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='reminder_1_days',
            field=models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1)], verbose_name='days after due date: reminder 1'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='reminder_2_days',
            field=models.PositiveSmallIntegerField(default=24, verbose_name='days after due date: reminder 2'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='reminder_fee_dkk',
            field=models.PositiveSmallIntegerField(default=100, help_text='0 for no fee. At most DKK 100 per reminder (section 9b of the Interest Act).', validators=[django.core.validators.MaxValueValidator(100)], verbose_name='reminder fee (DKK)'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='reminder_spacing_days',
            field=models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(10)], verbose_name='days at least between reminders'),
        ),
        migrations.AlterField(
            model_name='decision',
            name='kind',
            field=models.CharField(choices=[('admit_to_course', 'Admission to the course'), ('refer_to_ordinary_effort', 'Referral to the ordinary employment effort'), ('grant_loan', 'Micro-loan granted'), ('decline_loan', 'Micro-loan declined'), ('grant_allowance', 'Subsistence allowance granted'), ('decline_allowance', 'Subsistence allowance declined'), ('write_off_loan', 'Loan written off'), ('defer_loan', 'Deferral of loan repayments'), ('reschedule_loan', 'Rescheduling of loan repayments')], max_length=40, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='decisiontemplate',
            name='kind',
            field=models.CharField(choices=[('admit_to_course', 'Admission to the course'), ('refer_to_ordinary_effort', 'Referral to the ordinary employment effort'), ('grant_loan', 'Micro-loan granted'), ('decline_loan', 'Micro-loan declined'), ('grant_allowance', 'Subsistence allowance granted'), ('decline_allowance', 'Subsistence allowance declined'), ('write_off_loan', 'Loan written off'), ('defer_loan', 'Deferral of loan repayments'), ('reschedule_loan', 'Rescheduling of loan repayments')], max_length=40, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='letterdispatch',
            name='kind',
            field=models.CharField(choices=[('consultation', 'Consultation letter'), ('decision', 'Decision letter'), ('reminder', 'Payment reminder'), ('collection_notice', 'Written notice before handover')], max_length=20, verbose_name='kind'),
        ),
        migrations.AddConstraint(
            model_name='loanpolicy',
            constraint=models.CheckConstraint(condition=models.Q(('max_reminder_fees__lte', 3), ('notice_days__gte', django.db.models.expressions.CombinedExpression(models.F('reminder_2_days'), '+', models.F('reminder_spacing_days'))), ('reminder_2_days__gte', django.db.models.expressions.CombinedExpression(models.F('reminder_1_days'), '+', models.F('reminder_spacing_days'))), ('reminder_fee_dkk__lte', 100), ('reminder_spacing_days__gte', 10)), name='loan_policy_reminder_spacing'),
        ),
        migrations.AddField(
            model_name='claimhandover',
            name='handed_over_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='handed over by'),
        ),
        migrations.AddField(
            model_name='claimhandover',
            name='loan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='handovers', to='backoffice.loan', verbose_name='loan'),
        ),
        migrations.AddField(
            model_name='collectionstep',
            name='instalment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='collection_steps', to='backoffice.repaymentinstalment', verbose_name='oldest unpaid instalment'),
        ),
        migrations.AddField(
            model_name='collectionstep',
            name='letter',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='collection_step', to='backoffice.document', verbose_name='letter'),
        ),
        migrations.AddField(
            model_name='collectionstep',
            name='loan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='collection_steps', to='backoffice.loan', verbose_name='loan'),
        ),
        migrations.AddField(
            model_name='claimhandover',
            name='notice',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='handover', to='backoffice.collectionstep', verbose_name='written notice'),
        ),
        migrations.AddField(
            model_name='schedulechange',
            name='created_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='booked by'),
        ),
        migrations.AddField(
            model_name='schedulechange',
            name='decision',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='schedule_change', to='backoffice.decision', verbose_name='decision'),
        ),
        migrations.AddField(
            model_name='schedulechange',
            name='loan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='schedule_changes', to='backoffice.loan', verbose_name='loan'),
        ),
        migrations.AddField(
            model_name='repaymentinstalment',
            name='replaced_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='replaced_instalments', to='backoffice.schedulechange', verbose_name='replaced by'),
        ),
        migrations.AddField(
            model_name='repaymentinstalment',
            name='schedule_change',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='new_instalments', to='backoffice.schedulechange', verbose_name='from schedule change'),
        ),
        migrations.AddConstraint(
            model_name='repaymentinstalment',
            constraint=models.UniqueConstraint(condition=models.Q(('replaced_by__isnull', True)), fields=('loan', 'due_on'), name='instalment_one_per_due_date'),
        ),
        migrations.AddConstraint(
            model_name='collectionstep',
            constraint=models.UniqueConstraint(fields=('instalment', 'kind'), name='collection_step_once_per_round'),
        ),
        migrations.AddConstraint(
            model_name='collectionstep',
            constraint=models.CheckConstraint(condition=models.Q(('fee_ore__lte', 10000)), name='collection_fee_at_most_100_kr'),
        ),
        migrations.AddConstraint(
            model_name='claimhandover',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['handed_over', 'accepted'])), fields=('loan',), name='handover_one_open_per_loan'),
        ),
        migrations.AddConstraint(
            model_name='schedulechange',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('deferred_until__isnull', False), ('kind', 'deferral')), models.Q(('first_due_on__isnull', False), ('kind', 'rescheduling'), ('months__gte', 1)), _connector='OR'), name='schedule_change_fields_match_kind'),
        ),
    ]
