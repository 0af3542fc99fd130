"""The audit trail's model moves from the task force core to this app; the table, its triggers and its chain are kept."""

from django.db import migrations, models

from taskforce.migrations._moves import move_content_types, move_content_types_back


# The models that move here, by their content types' model names.
MOVED = ('auditentry',)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The tables exist already: created by the task force core's migrations, before these models moved here.
        ('taskforce', '0011_milestone_description_fr'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        # The models only change app: their tables keep their names (db_table), so the database is not touched.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('occurred_at', models.DateTimeField(verbose_name='when')),
                        ('txid', models.BigIntegerField()),
                        ('kind', models.CharField(choices=[('change', 'Change'), ('security', 'Security event'), ('access', 'Restricted material read')], max_length=10, verbose_name='kind')),
                        ('action', models.CharField(choices=[('create', 'Created'), ('update', 'Changed'), ('delete', 'Deleted'), ('truncate', 'Emptied'), ('sign_in', 'Signed in'), ('sign_in_failed', 'Sign-in failed'), ('sign_out', 'Signed out'), ('locked_out', 'Locked out'), ('lockout_lifted', 'Lockout lifted'), ('password_changed', 'Password changed'), ('second_factor_enrolled', 'Authenticator app set up'), ('second_factor_verified', 'Sign-in confirmed with the authenticator app'), ('recovery_code_used', 'Sign-in confirmed with a recovery code'), ('token_created', 'API token created'), ('token_new_address', 'API token used from a new address'), ('token_revoked', 'API token revoked'), ('not_found', 'Refused: not visible to them'), ('denied', 'Refused: not allowed'), ('granted', 'Access granted'), ('revoked', 'Access withdrawn'), ('viewed', 'Read'), ('downloaded', 'Downloaded')], max_length=30, verbose_name='what')),
                        ('object_type', models.CharField(blank=True, max_length=100)),
                        ('object_id', models.BigIntegerField(null=True)),
                        ('object_label', models.CharField(blank=True, max_length=300)),
                        ('parent_type', models.CharField(blank=True, max_length=100)),
                        ('parent_id', models.BigIntegerField(null=True)),
                        ('body_id', models.BigIntegerField(null=True)),
                        ('classification', models.PositiveSmallIntegerField(default=0)),
                        ('actor_id', models.BigIntegerField(null=True)),
                        ('channel', models.CharField(choices=[('page', 'Web page'), ('api', 'API'), ('feed', 'Calendar feed'), ('admin', 'Admin site'), ('command', 'Command'), ('task', 'Background task'), ('demo', 'Demo loader'), ('database', 'Database, outside the portal')], max_length=20, verbose_name='channel')),
                        ('source', models.CharField(blank=True, max_length=200, verbose_name='source')),
                        ('request_id', models.CharField(blank=True, max_length=64)),
                        ('ip', models.CharField(blank=True, max_length=45, verbose_name='address')),
                        ('old_values', models.JSONField(null=True)),
                        ('new_values', models.JSONField(null=True)),
                        ('details', models.JSONField(null=True)),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('hash', models.CharField(max_length=64)),
                    ],
                    options={
                        'verbose_name': 'audit entry',
                        'verbose_name_plural': 'audit entries',
                        'db_table': 'taskforce_auditentry',
                        'ordering': ['-id'],
                        'managed': False,
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            move_content_types('audit', MOVED), move_content_types_back('audit', MOVED)
        ),
    ]
