"""Notifications, reminders, emails and preferences move from the task force core to this app, their tables kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from taskforce.migrations._moves import move_content_types, move_content_types_back


# The models that move here, by their content types' model names.
MOVED = ('notification', 'notificationpreference', 'reminder', 'delivery')


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
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=50)),
                        ('topic', models.CharField(max_length=100)),
                        ('label', models.CharField(max_length=50)),
                        ('occurrence', models.CharField(max_length=64)),
                        ('due_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('claimed', 'Being sent'), ('sent', 'Sent'), ('dropped', 'Dropped: what it reminded of changed'), ('skipped', 'Skipped: too late')], default='pending', max_length=20)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('processed_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'taskforce_reminder',
                        'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['due_at'], name='reminder_due_pending'), models.Index(fields=['topic', 'status'], name='reminder_topic_status')],
                        'constraints': [models.UniqueConstraint(fields=('kind', 'topic', 'label', 'occurrence'), name='reminder_once')],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('meeting', 'Meeting invitations, changes and cancellations'), ('agenda', 'Agendas circulated and changed, minutes approved'), ('meeting_reminder', 'Reminders before meetings and to answer invitations'), ('deadline', 'Milestones and approval steps coming due or overdue'), ('action_item', 'Your action items coming due or overdue')], max_length=30)),
                        ('event_key', models.CharField(max_length=200)),
                        ('title', models.CharField(max_length=300)),
                        ('body', models.TextField(blank=True)),
                        ('url', models.CharField(blank=True, max_length=500)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'taskforce_notification',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['user', '-created_at'], name='notification_user_recent'), models.Index(condition=models.Q(('read_at__isnull', True)), fields=['user'], name='notification_user_unread')],
                        'constraints': [models.UniqueConstraint(fields=('user', 'event_key'), name='notification_once_per_event')],
                    },
                ),
                migrations.CreateModel(
                    name='NotificationPreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('meeting', 'Meeting invitations, changes and cancellations'), ('agenda', 'Agendas circulated and changed, minutes approved'), ('meeting_reminder', 'Reminders before meetings and to answer invitations'), ('deadline', 'Milestones and approval steps coming due or overdue'), ('action_item', 'Your action items coming due or overdue')], max_length=30)),
                        ('mode', models.CharField(choices=[('immediately', 'Immediately'), ('digest', 'In a daily digest'), ('off', 'Off')], default='immediately', max_length=20)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'taskforce_notificationpreference',
                        'constraints': [models.UniqueConstraint(fields=('user', 'kind'), name='notification_preference_once')],
                    },
                ),
                migrations.CreateModel(
                    name='Delivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=250, unique=True)),
                        ('kind', models.CharField(choices=[('meeting', 'Meeting invitations, changes and cancellations'), ('agenda', 'Agendas circulated and changed, minutes approved'), ('meeting_reminder', 'Reminders before meetings and to answer invitations'), ('deadline', 'Milestones and approval steps coming due or overdue'), ('action_item', 'Your action items coming due or overdue')], max_length=30)),
                        ('subject', models.CharField(max_length=300)),
                        ('body_text', models.TextField()),
                        ('body_html', models.TextField(blank=True)),
                        ('ics', models.TextField(blank=True)),
                        ('ics_method', models.CharField(blank=True, max_length=20)),
                        ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sending', 'Being sent'), ('sent', 'Sent'), ('held', 'Held for the daily digest'), ('digested', 'Sent in a digest'), ('failed', 'Failed')], default='pending', max_length=20)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('leased_until', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to=settings.AUTH_USER_MODEL)),
                        ('reminder', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to='notifications.reminder')),
                    ],
                    options={
                        'verbose_name_plural': 'deliveries',
                        'db_table': 'taskforce_delivery',
                        'indexes': [models.Index(fields=['status', 'created_at'], name='delivery_status_created'), models.Index(fields=['recipient', 'status'], name='delivery_recipient_status')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            move_content_types('notifications', MOVED), move_content_types_back('notifications', MOVED)
        ),
    ]
