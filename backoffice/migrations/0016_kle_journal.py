# KLE classification and the document journal (engineer E, issue 12).
# Written by hand: the other engineers' model changes are in 0012-0015.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def load_kle(apps, schema_editor):
    from backoffice.kle.data import read_shipped
    from backoffice.kle.load import load

    load(read_shipped(), apps.get_model("backoffice", "KleSubject"))


def classify_cases(apps, schema_editor):
    Case = apps.get_model("backoffice", "Case")
    Municipality = apps.get_model("backoffice", "Municipality")
    for municipality in Municipality.objects.all():
        Case.objects.filter(municipality=municipality, kle_number="").update(
            kle_number=municipality.kle_number or settings.DIGITAL_POST_KLE_NUMBER)
        Case.objects.filter(municipality=municipality, kle_facet="").update(
            kle_facet=municipality.kle_facet or "G01")


def journalise_documents(apps, schema_editor):
    """Existing documents get entries in the order they came, per case."""
    from django.utils import timezone

    from backoffice.services.journal import describe, direction_for

    Document = apps.get_model("backoffice", "Document")
    Entry = apps.get_model("backoffice", "DocumentJournalEntry")
    case_ids = (Document.objects.filter(journal_entry__isnull=True).order_by("case_id")
                .values_list("case_id", flat=True).distinct())
    for case_id in case_ids:
        last = Entry.objects.filter(case_id=case_id).aggregate(m=models.Max("number"))["m"] or 0
        documents = Document.objects.filter(case_id=case_id, journal_entry__isnull=True).order_by("uploaded_at", "id")
        Entry.objects.bulk_create([
            Entry(case_id=case_id, document_id=document.pk, number=last + offset, dated=timezone.localdate(
                document.uploaded_at), direction=direction_for(document.kind),
                description=describe(document.kind, document.original_name))
            for offset, document in enumerate(documents, start=1)
        ])


class Migration(migrations.Migration):

    dependencies = [
        ('backoffice', '0015_appeals'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='KleSubject',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=8, unique=True, verbose_name='KLE number')),
                ('title', models.CharField(max_length=300, verbose_name='title')),
                ('level', models.CharField(choices=[('main_group', 'Main group'), ('group', 'Group'), ('subject', 'Subject')], max_length=20, verbose_name='level')),
                ('active', models.BooleanField(default=True, verbose_name='in the current plan')),
            ],
            options={
                'verbose_name': 'KLE subject',
                'verbose_name_plural': 'KLE subjects',
                'ordering': ['number'],
            },
        ),
        migrations.AddField(
            model_name='case',
            name='kle_number',
            field=models.CharField(blank=True, default='', max_length=8, verbose_name='KLE number'),
        ),
        migrations.AddField(
            model_name='case',
            name='kle_facet',
            field=models.CharField(blank=True, default='', max_length=3, verbose_name='action facet'),
        ),
        migrations.AddField(
            model_name='municipality',
            name='kle_number',
            field=models.CharField(blank=True, help_text='E.g. 24.10.07. Empty: the installation\'s default.', max_length=8, verbose_name='KLE number for new cases'),
        ),
        migrations.AddField(
            model_name='municipality',
            name='kle_facet',
            field=models.CharField(blank=True, max_length=3, verbose_name='action facet for new cases'),
        ),
        migrations.CreateModel(
            name='DocumentJournalEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='number on the case')),
                ('direction', models.CharField(choices=[('in', 'Received'), ('out', 'Sent')], max_length=3, verbose_name='direction')),
                ('dated', models.DateField(verbose_name='date')),
                ('description', models.CharField(max_length=200, verbose_name='description')),
                ('access', models.CharField(choices=[('open', 'Can be handed out'), ('exempt', 'Exempt'), ('partly_exempt', 'Partly exempt')], default='open', max_length=20, verbose_name='aktindsigt')),
                ('access_ground', models.CharField(blank=True, choices=[('offl_30_1', 'Offentlighedsloven § 30, nr. 1 (private matters of others)'), ('fvl_15b', "Forvaltningsloven § 15 b (others' interests weigh more)"), ('offl_23', 'Offentlighedsloven § 23 (internal document)')], max_length=20, verbose_name='legal ground')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='journalised')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='journal_entries', to='backoffice.case', verbose_name='case')),
                ('document', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='journal_entry', to='backoffice.document', verbose_name='document')),
            ],
            options={
                'verbose_name': 'journal entry',
                'verbose_name_plural': 'journal (aktliste)',
                'ordering': ['case', 'number'],
                'constraints': [
                    models.UniqueConstraint(fields=('case', 'number'), name='journal_entry_number_unique'),
                    models.CheckConstraint(condition=models.Q(models.Q(('access', 'open'), ('access_ground', '')), models.Q(models.Q(('access', 'open'), _negated=True), models.Q(('access_ground', ''), _negated=True)), _connector='OR'), name='journal_entry_withheld_has_ground'),
                ],
            },
        ),
        migrations.AlterField(
            model_name='accesslogentry',
            name='action',
            field=models.CharField(choices=[('view_case', 'Viewed case'), ('reveal_cpr', 'Showed full CPR number'), ('download_document', 'Downloaded document'), ('export', 'Exported data'), ('access_request', 'Produced file for access request'), ('register_lookup', 'Looked up in the CPR or CVR register'), ('case_file', 'Handed out the case file (aktindsigt)')], max_length=30, verbose_name='action'),
        ),
        migrations.RunPython(load_kle, migrations.RunPython.noop),
        migrations.RunPython(classify_cases, migrations.RunPython.noop),
        migrations.RunPython(journalise_documents, migrations.RunPython.noop),
    ]
