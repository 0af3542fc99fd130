from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0006_agenda_kinds_and_templates'),
        ('meetings', '0006_paper_versions'),
    ]

    operations = [
    ]
