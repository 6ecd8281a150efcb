"""Decision promises read their timescale from the case service's target (((working_days))).

Only promises still in the words the seed wrote are rewritten, and the blue badge's target becomes 12
weeks (60 working days, what its promise said) only while it is still the seed's table: anything an
administrator changed is left as they left it.
"""
from django.db import migrations

SEEDED = {
    "parking-permit": ("We will tell you straight away, or within 5 working days if an officer needs to check",
                       "We will tell you straight away, or within ((working_days)) if an officer needs to check"),
    "blue-badge": ("We will tell you straight away, or within 12 weeks if an officer needs to assess your application",
                   "We will tell you straight away, or within ((working_days)) if an officer needs to assess your "
                   "application"),
    "bus-pass": ("We will tell you straight away, or within 10 working days if an officer needs to check",
                 "We will tell you straight away, or within ((working_days)) if an officer needs to check"),
}
SEEDED_SLA = {"1": 1, "2": 3, "3": 10, "4": 20}
BLUE_BADGE_SLA = {"1": 1, "2": 3, "3": 60, "4": 60}


def forwards(apps, schema_editor):
    ApplicationService = apps.get_model("applications", "ApplicationService")
    for service in ApplicationService.objects.filter(code__in=SEEDED).select_related("case_service"):
        old, new = SEEDED[service.code]
        if service.decision_promise == old:
            service.decision_promise = new
            service.save(update_fields=["decision_promise"])
        case_service = service.case_service
        if service.code == "blue-badge" and case_service.sla_working_days == SEEDED_SLA:
            case_service.sla_working_days = dict(BLUE_BADGE_SLA)
            case_service.save(update_fields=["sla_working_days"])


def backwards(apps, schema_editor):
    ApplicationService = apps.get_model("applications", "ApplicationService")
    for service in ApplicationService.objects.filter(code__in=SEEDED).select_related("case_service"):
        old, new = SEEDED[service.code]
        if service.decision_promise == new:
            service.decision_promise = old
            service.save(update_fields=["decision_promise"])


class Migration(migrations.Migration):
    dependencies = [("applications", "0005_entitlement_payment_agreement")]
    operations = [migrations.RunPython(forwards, backwards)]
