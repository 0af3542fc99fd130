import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0005_meeting_end_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='paper',
            name='version',
            field=models.PositiveIntegerField(default=1, verbose_name='version'),
        ),
        migrations.AlterField(
            model_name='agendachange',
            name='kind',
            field=models.CharField(choices=[('added', 'Added'), ('edited', 'Edited'), ('moved', 'Moved'), ('withdrawn', 'Withdrawn'), ('paper_added', 'Paper added'), ('paper_replaced', 'Paper replaced')], max_length=20),
        ),
        migrations.CreateModel(
            name='PaperVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='version')),
                ('file', models.FileField(max_length=300, upload_to='')),
                ('original_name', models.CharField(max_length=255)),
                ('content_type', models.CharField(max_length=100)),
                ('size', models.PositiveIntegerField()),
                ('uploaded_at', models.DateTimeField()),
                ('paper', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='meetings.paper')),
                ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'earlier version of a paper',
                'verbose_name_plural': 'earlier versions of papers',
                'ordering': ['paper', '-number'],
                'constraints': [models.UniqueConstraint(fields=('paper', 'number'), name='paper_version_once'), models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='paper_version_positive')],
            },
        ),
    ]
