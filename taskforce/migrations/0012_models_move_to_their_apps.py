"""Notifications (notifications/), API tokens and calendar feeds (accounts/) and the audit trail (audit/) leave the
core: their models now belong to those apps, over the same tables."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('taskforce', '0011_milestone_description_fr'),
        # The apps that now hold these models take them over first.
        ('accounts', '0001_initial'),
        ('audit', '0001_initial'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        # Only Django's picture of the models changes: the tables stay, under their names, for the new apps.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='apitoken',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='calendarfeed',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='delivery',
                    name='recipient',
                ),
                migrations.RemoveField(
                    model_name='delivery',
                    name='reminder',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='notificationpreference',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AuditEntry',
                ),
                migrations.DeleteModel(
                    name='ApiToken',
                ),
                migrations.DeleteModel(
                    name='CalendarFeed',
                ),
                migrations.DeleteModel(
                    name='Delivery',
                ),
                migrations.DeleteModel(
                    name='Reminder',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='NotificationPreference',
                ),
            ],
            database_operations=[],
        ),
    ]
