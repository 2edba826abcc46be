"""De minimis state aid (services.de_minimis): the loan policy's parameters,
the business's declaration of other aid and the register of grants."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('backoffice', '0013_collection'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='loanpolicy',
            name='de_minimis_ceiling_eur',
            field=models.PositiveIntegerField(default=300000, help_text='Most de minimis aid one undertaking may receive over three years.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='de minimis ceiling (EUR)'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='de_minimis_enabled',
            field=models.BooleanField(default=True, help_text="The loan's aid is computed, checked against the ceiling and stated in the grant letter.", verbose_name='record de minimis state aid'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='de_minimis_margin',
            field=models.DecimalField(decimal_places=2, default=Decimal('4.00'), help_text='Added to the base rate: 4.00 for weak credit rating and no collateral.', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='reference rate margin (percentage points)'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='eu_base_rate',
            field=models.DecimalField(blank=True, decimal_places=3, help_text="The European Commission's base rate for Denmark, used for the reference rate.", max_digits=6, null=True, verbose_name='EU base rate for Denmark (%)'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='eu_base_rate_set_on',
            field=models.DateField(blank=True, help_text="The date from which the Commission's base rate applies.", null=True, verbose_name='base rate valid from'),
        ),
        migrations.AddField(
            model_name='loanpolicy',
            name='eur_dkk_rate',
            field=models.DecimalField(decimal_places=4, default=Decimal('7.4600'), max_digits=8, validators=[django.core.validators.MinValueValidator(Decimal('0.0001'))], verbose_name='EUR/DKK rate'),
        ),
        migrations.CreateModel(
            name='DeMinimisDeclaration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('no_other_aid', models.BooleanField(default=False, verbose_name='no other de minimis aid')),
                ('declared_at', models.DateTimeField(verbose_name='declared')),
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='de_minimis_declaration', to='backoffice.case', verbose_name='case')),
                ('declared_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='declared by')),
            ],
            options={
                'verbose_name': 'de minimis declaration',
                'verbose_name_plural': 'de minimis declarations',
            },
        ),
        migrations.CreateModel(
            name='DeclaredAid',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('grantor', models.CharField(max_length=200, verbose_name='granted by')),
                ('granted_on', models.DateField(verbose_name='granted on')),
                ('amount_eur_cents', models.PositiveBigIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='amount (euro cents)')),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aids', to='backoffice.deminimisdeclaration', verbose_name='declaration')),
            ],
            options={
                'verbose_name': 'declared de minimis aid',
                'verbose_name_plural': 'declared de minimis aid',
                'ordering': ['declaration', 'granted_on', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount_eur_cents__gt', 0)), name='declared_aid_positive')],
            },
        ),
        migrations.CreateModel(
            name='DeMinimisGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('cvr_number', models.CharField(blank=True, db_index=True, max_length=8, verbose_name='CVR number')),
                ('business_name', models.CharField(blank=True, max_length=200, verbose_name='business name')),
                ('granted_on', models.DateField(db_index=True, verbose_name='granted on')),
                ('regulation', models.CharField(default='(EU) 2023/2831', max_length=40, verbose_name='regulation')),
                ('method', models.CharField(choices=[('reference_rate_dcf', 'Discounted interest saving at the reference rate')], default='reference_rate_dcf', max_length=30, verbose_name='GGE method')),
                ('loan_principal_ore', models.PositiveBigIntegerField(verbose_name='loan amount (øre)')),
                ('aid_ore', models.PositiveBigIntegerField(verbose_name='aid (øre)')),
                ('aid_eur_cents', models.PositiveBigIntegerField(verbose_name='aid (euro cents)')),
                ('other_aid_eur_cents', models.PositiveBigIntegerField(default=0, verbose_name='other de minimis aid in the three years (euro cents)')),
                ('base_rate', models.DecimalField(decimal_places=3, max_digits=6, verbose_name='EU base rate (%)')),
                ('base_rate_set_on', models.DateField(verbose_name='base rate set on')),
                ('margin', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='margin (percentage points)')),
                ('discount_rate', models.DecimalField(decimal_places=3, max_digits=6, verbose_name='discount rate (%)')),
                ('eur_dkk_rate', models.DecimalField(decimal_places=4, max_digits=8, verbose_name='EUR/DKK rate')),
                ('ceiling_eur', models.PositiveIntegerField(verbose_name='ceiling (EUR)')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='de_minimis_grants', to='backoffice.case', verbose_name='case')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                ('decision', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='backoffice.decision', verbose_name='decision')),
                ('letter', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='backoffice.document', verbose_name='grant letter')),
                ('loan', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='de_minimis_grant', to='backoffice.loan', verbose_name='loan')),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='de_minimis_grants', to='backoffice.municipality', verbose_name='municipality')),
            ],
            options={
                'verbose_name': 'de minimis grant',
                'verbose_name_plural': 'de minimis grants',
                'ordering': ['-granted_on', '-id'],
                'indexes': [models.Index(fields=['municipality', 'granted_on'], name='de_minimis_register_idx')],
            },
        ),
    ]
