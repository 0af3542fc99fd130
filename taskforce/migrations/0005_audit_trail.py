import django.contrib.postgres.fields
from django.db import migrations, models

# The audit trail's table belongs to the database: created here rather than by Django (the model is unmanaged, so
# that Django's flush never empties it), and append-only. The hash chain and the triggers that fill it are
# (re)installed after every migrate by taskforce/audit_trail.py, so that they cover models added later.
AUDIT_TABLE = """
CREATE SEQUENCE taskforce_auditentry_id_seq;
CREATE TABLE taskforce_auditentry (
    id bigint PRIMARY KEY,  -- taken from the sequence by the chain trigger, in the chain's order
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    txid bigint NOT NULL DEFAULT 0,
    kind varchar(10) NOT NULL,
    action varchar(30) NOT NULL,
    object_type varchar(100) NOT NULL DEFAULT '',
    object_id bigint,
    object_label varchar(300) NOT NULL DEFAULT '',
    parent_type varchar(100) NOT NULL DEFAULT '',
    parent_id bigint,
    body_id bigint,
    classification smallint NOT NULL DEFAULT 0 CHECK (classification >= 0),
    actor_id bigint,
    channel varchar(20) NOT NULL DEFAULT '',
    source varchar(200) NOT NULL DEFAULT '',
    request_id varchar(64) NOT NULL DEFAULT '',
    ip varchar(45) NOT NULL DEFAULT '',
    old_values jsonb,
    new_values jsonb,
    details jsonb,
    prev_hash varchar(64) NOT NULL DEFAULT '',
    hash varchar(64) NOT NULL DEFAULT ''
);
ALTER SEQUENCE taskforce_auditentry_id_seq OWNED BY taskforce_auditentry.id;
CREATE INDEX taskforce_auditentry_body ON taskforce_auditentry (body_id, id);
CREATE INDEX taskforce_auditentry_object ON taskforce_auditentry (object_type, object_id);
CREATE INDEX taskforce_auditentry_parent ON taskforce_auditentry (parent_type, parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX taskforce_auditentry_actor ON taskforce_auditentry (actor_id, id);
CREATE INDEX taskforce_auditentry_time ON taskforce_auditentry (occurred_at);

CREATE FUNCTION taskforce_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER taskforce_auditentry_append_only
    BEFORE UPDATE OR DELETE ON taskforce_auditentry
    FOR EACH ROW EXECUTE FUNCTION taskforce_audit_append_only();
CREATE TRIGGER taskforce_auditentry_no_truncate
    BEFORE TRUNCATE ON taskforce_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION taskforce_audit_append_only();
"""
NO_AUDIT_TABLE = """
DROP TABLE IF EXISTS taskforce_auditentry;
DROP FUNCTION IF EXISTS taskforce_audit_append_only();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('taskforce', '0004_api_tokens_feeds_removals'),
    ]

    operations = [
        migrations.RunSQL(AUDIT_TABLE, NO_AUDIT_TABLE),
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('occurred_at', models.DateTimeField(verbose_name='when')),
                ('txid', models.BigIntegerField()),
                ('kind', models.CharField(choices=[('change', 'Change'), ('security', 'Security event'), ('access', 'Restricted material read')], max_length=10, verbose_name='kind')),
                ('action', models.CharField(choices=[('create', 'Created'), ('update', 'Changed'), ('delete', 'Deleted'), ('truncate', 'Emptied'), ('sign_in', 'Signed in'), ('sign_in_failed', 'Sign-in failed'), ('sign_out', 'Signed out'), ('locked_out', 'Locked out'), ('token_created', 'API token created'), ('token_new_address', 'API token used from a new address'), ('token_revoked', 'API token revoked'), ('not_found', 'Refused: not visible to them'), ('denied', 'Refused: not allowed'), ('granted', 'Access granted'), ('revoked', 'Access withdrawn'), ('viewed', 'Read'), ('downloaded', 'Downloaded')], max_length=30, verbose_name='what')),
                ('object_type', models.CharField(blank=True, max_length=100)),
                ('object_id', models.BigIntegerField(null=True)),
                ('object_label', models.CharField(blank=True, max_length=300)),
                ('parent_type', models.CharField(blank=True, max_length=100)),
                ('parent_id', models.BigIntegerField(null=True)),
                ('body_id', models.BigIntegerField(null=True)),
                ('classification', models.PositiveSmallIntegerField(default=0)),
                ('actor_id', models.BigIntegerField(null=True)),
                ('channel', models.CharField(choices=[('page', 'Web page'), ('api', 'API'), ('admin', 'Admin site'), ('command', 'Command'), ('task', 'Background task'), ('demo', 'Demo loader'), ('database', 'Database, outside the portal')], max_length=20, verbose_name='channel')),
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
        migrations.AddField(
            model_name='apitoken',
            name='seen_addresses',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.GenericIPAddressField(), blank=True, default=list, editable=False, size=None),
        ),
    ]
