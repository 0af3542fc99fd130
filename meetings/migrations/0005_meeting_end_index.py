from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0004_search_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["end"], name="meeting_end"),
        ),
    ]
