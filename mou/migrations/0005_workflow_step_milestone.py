import django.db.models.deletion
from django.db import migrations, models


def link_steps_to_their_milestones(apps, schema_editor):
    """A step tracks the one milestone of its agreement due on its target date or, failing that, the one whose due
    window holds it (the demo's "Shared with ATF for review" and "PIA submitted" steps); nothing else is guessed."""
    WorkflowStep = apps.get_model("mou", "WorkflowStep")
    taken = set()
    steps = WorkflowStep.objects.filter(target_date__isnull=False, milestone__isnull=True).select_related("agreement")
    for step in steps.order_by("agreement_id", "position"):
        holding = [m for m in step.agreement.milestones.filter(due_start__lte=step.target_date,
                                                                 due_end__gte=step.target_date) if m.pk not in taken]
        for matches in ([m for m in holding if m.due_end == step.target_date], holding):
            if len(matches) == 1:
                step.milestone = matches[0]
                step.save(update_fields=["milestone"])
                taken.add(matches[0].pk)
                break
            if matches:
                break


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
