"""API tokens and calendar feed addresses move from the task force core to this app, their tables kept."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from taskforce.migrations._moves import move_content_types, move_content_types_back


# The models that move here, by their content types' model names.
MOVED = ('apitoken', 'calendarfeed')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # The tables exist already: created by the task force core's migrations, before these models moved here.
        ('taskforce', '0011_milestone_description_fr'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        # The models only change app: their tables keep their names (db_table), so the database is not touched.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CalendarFeed',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=32, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_fetched_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='calendar_feed', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'taskforce_calendarfeed',
                    },
                ),
                migrations.CreateModel(
                    name='ApiToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('prefix', models.CharField(max_length=16)),
                        ('digest', models.CharField(max_length=64, unique=True)),
                        ('access', models.CharField(choices=[('read', 'Read only'), ('write', 'Read and write')], default='read', max_length=10, verbose_name='access')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires')),
                        ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='last used')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked')),
                        ('seen_addresses', django.contrib.postgres.fields.ArrayField(base_field=models.GenericIPAddressField(), blank=True, default=list, editable=False, size=None)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'API token',
                        'verbose_name_plural': 'API tokens',
                        'db_table': 'taskforce_apitoken',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['user', 'revoked_at'], name='api_token_user_active')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('access__in', ['read', 'write'])), name='api_token_access_valid')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            move_content_types('accounts', MOVED), move_content_types_back('accounts', MOVED)
        ),
    ]
