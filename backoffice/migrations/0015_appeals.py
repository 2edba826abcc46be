# Appeals (klager) against final decisions, and the appeal route per decision template.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


ANKESTYRELSEN = ("Ankestyrelsen", "Teglholmsgade 3\n2450 København SV", "ast@ast.dk")


def ankestyrelsen_address(apps, schema_editor):
    """Templates that name Ankestyrelsen get its address, as new ones do."""
    DecisionTemplate = apps.get_model("backoffice", "DecisionTemplate")
    name, address, email = ANKESTYRELSEN
    DecisionTemplate.objects.filter(appeal_body=name, appeal_body_address="").update(
        appeal_body_address=address, appeal_body_email=email)


class Migration(migrations.Migration):

    dependencies = [
        ('backoffice', '0014_de_minimis'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='decisiontemplate',
            name='appeal_body_address',
            field=models.TextField(blank=True, verbose_name="appeal body's address"),
        ),
        migrations.AddField(
            model_name='decisiontemplate',
            name='appeal_body_email',
            field=models.EmailField(blank=True, max_length=254, verbose_name="appeal body's e-mail"),
        ),
        migrations.AddField(
            model_name='decisiontemplate',
            name='reassessment_weeks',
            field=models.PositiveSmallIntegerField(default=4, verbose_name='reassessment period (weeks)'),
        ),
        migrations.CreateModel(
            name='Appeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('my_page', 'My page'), ('letter', 'Letter'), ('email', 'E-mail'), ('phone', 'Phone call'), ('in_person', 'In person')], max_length=20, verbose_name='received by')),
                ('lodged_on', models.DateField(verbose_name='received on')),
                ('text', models.TextField(blank=True, verbose_name='complaint')),
                ('appeal_deadline', models.DateField(blank=True, null=True, verbose_name='appeal deadline')),
                ('is_late', models.BooleanField(default=False, verbose_name='received after the deadline')),
                ('status', models.CharField(choices=[('lodged', 'Received'), ('reassessing', 'Being reassessed'), ('changed', 'Decision changed'), ('upheld_forwarded', 'Upheld and sent to the appeal body'), ('decided_externally', 'Decided by the appeal body'), ('withdrawn', 'Withdrawn')], default='lodged', max_length=20, verbose_name='status')),
                ('reassessment_deadline', models.DateField(verbose_name='reassess by')),
                ('reassessment_started_at', models.DateTimeField(blank=True, null=True, verbose_name='reassessment started')),
                ('reassessment_note', models.TextField(blank=True, verbose_name='reassessment')),
                ('appeal_body', models.CharField(blank=True, max_length=200, verbose_name='appeal body')),
                ('appeal_body_address', models.TextField(blank=True, verbose_name="appeal body's address")),
                ('forwarded_at', models.DateTimeField(blank=True, null=True, verbose_name='sent to the appeal body')),
                ('outcome', models.CharField(blank=True, choices=[('upheld', 'Decision upheld'), ('changed', 'Decision changed'), ('remitted', 'Sent back to the municipality (hjemvist)'), ('dismissed', 'Complaint dismissed (afvist)')], max_length=20, verbose_name='outcome')),
                ('outcome_on', models.DateField(blank=True, null=True, verbose_name='outcome date')),
                ('outcome_note', models.TextField(blank=True, verbose_name='note on the outcome')),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='withdrawn')),
                ('submission_key', models.UUIDField(blank=True, editable=False, null=True, unique=True, verbose_name='submission key')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created')),
                ('bundle', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='backoffice.document', verbose_name='case bundle')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='backoffice.case', verbose_name='case')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='registered by')),
                ('decision', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='backoffice.decision', verbose_name='decision appealed')),
                ('documents', models.ManyToManyField(blank=True, related_name='appeals', to='backoffice.document', verbose_name='files')),
                ('new_decision', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeal_changes', to='backoffice.decision', verbose_name='new decision')),
                ('outcome_letter', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='backoffice.document', verbose_name="the appeal body's letter")),
            ],
            options={
                'verbose_name': 'appeal',
                'verbose_name_plural': 'appeals',
                'ordering': ['-lodged_on', '-id'],
                'indexes': [models.Index(fields=['status', 'reassessment_deadline'], name='appeal_status_deadline_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'withdrawn'), _negated=True), fields=('decision',), name='appeal_one_per_decision'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'decided_externally'), _negated=True), models.Q(('outcome', ''), _negated=True), _connector='OR'), name='appeal_external_has_outcome')],
            },
        ),
        migrations.RunPython(ankestyrelsen_address, migrations.RunPython.noop),
    ]
