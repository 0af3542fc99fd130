import django.db.models.deletion
from django.db import migrations, models


def link_steps_to_their_milestones(apps, schema_editor):
    """A step whose target date is the deadline of exactly one of its agreement's milestones tracks that milestone
    (the demo's "Shared with ATF for review" and "PIA submitted" steps); nothing else is guessed."""
    WorkflowStep = apps.get_model("mou", "WorkflowStep")
    taken = set()
    steps = WorkflowStep.objects.filter(target_date__isnull=False, milestone__isnull=True).select_related("agreement")
    for step in steps.order_by("agreement_id", "position"):
        matches = [m for m in step.agreement.milestones.filter(due_end=step.target_date) if m.pk not in taken]
        if len(matches) == 1:
            step.milestone = matches[0]
            step.save(update_fields=["milestone"])
            taken.add(matches[0].pk)


class Migration(migrations.Migration):

    dependencies = [
        ("mou", "0004_search_index"),
        ("taskforce", "0009_delivery_lease"),
    ]

    operations = [
        migrations.AddField(
            model_name="workflowstep",
            name="milestone",
            field=models.OneToOneField(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="workflow_step",
                to="taskforce.milestone", verbose_name="milestone it tracks",
            ),
        ),
        migrations.RunPython(link_steps_to_their_milestones, migrations.RunPython.noop),
    ]
