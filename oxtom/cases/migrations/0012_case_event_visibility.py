"""CaseEvent.public (a yes/no) becomes visibility: staff, the customer and staff, or anyone.

A yes/no could not say "the customer may read this but the public may not",
so a request for information (and the reply) was published on the public
report page and in Open311. Existing rows: public ones stay public, except
those that are our questions to the customer, their replies and decisions
with reasons, which become visible to the customer and staff only.
"""
from django.db import migrations, models

CUSTOMER_ONLY_STATUS_TEXT = "Reply received"


def forwards(apps, schema_editor):
    CaseEvent = apps.get_model("casework", "CaseEvent")
    CaseEvent.objects.filter(public=True).update(visibility="public")
    private = (
        models.Q(kind="status_changed", to_status="awaiting_customer")
        | models.Q(kind="status_changed", from_status="awaiting_customer", text=CUSTOMER_ONLY_STATUS_TEXT)
        | models.Q(kind="status_changed", to_status="decided")
    )
    CaseEvent.objects.filter(private, public=True).update(visibility="customer")


def backwards(apps, schema_editor):
    CaseEvent = apps.get_model("casework", "CaseEvent")
    CaseEvent.objects.filter(visibility__in=["public", "customer"]).update(public=True)


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0011_public_event_time_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="visibility",
            field=models.CharField(choices=[("staff", "Staff only"), ("customer", "The customer and staff"),
                                            ("public", "Anyone")], default="staff", max_length=8),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveIndex(model_name="caseevent", name="case_event_public_time"),
        migrations.RemoveField(model_name="caseevent", name="public"),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("visibility", "public")), fields=["occurred_at", "id"],
                               name="case_event_public_time"),
        ),
    ]
