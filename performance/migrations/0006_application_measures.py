"""Measures computed from applications (permits, badges, passes).

computations.py reads applications through the app registry: where the
applications app is not installed these measures are skipped, not errors.
"""
from django.db import migrations

from performance.seeding import measures_ensure

ASSESS = "assessment"
NOTE = ("Applications are requests for permits, badges and passes made online, by phone or in person, "
        "including renewals. An application counts in the division of the customer's address.")

MEASURES = [
    dict(code="applications-received", name="Applications received", unit="count", polarity="neutral",
         definition="How many applications for permits, badges and passes the council received in the month.",
         calculation="Count of applications submitted in the month. " + NOTE, display_order=80),
    dict(code="applications-decided", name="Applications decided", unit="count", polarity="neutral", is_public=False,
         definition="How many applications were approved or refused in the month.",
         calculation="Count of applications with a decision in the month. " + NOTE, display_order=81),
    dict(code="applications-decided-automatically", name="Applications decided automatically (number)",
         unit="count", polarity="higher", is_public=False,
         definition="How many applications were decided straight away by the service's rules, with no officer "
                    "needing to look at them.",
         calculation="Count of applications decided in the month without an officer. " + NOTE, display_order=82),
    dict(code="applications-median-days-to-decision", name="Typical time to decide an application", unit="days",
         precision=1, polarity="lower",
         definition="The middle (median) number of working days between an application and its decision.",
         calculation="For the applications decided in the month, the median of working days from the day after "
                     "the application to the day of the decision (0 when decided the same day), not counting "
                     "weekends or England and Wales bank holidays. " + NOTE, display_order=84),
]

DERIVED = [
    dict(code="applications-auto-percent", name="Applications decided automatically", unit="percent", precision=1,
         polarity="higher", numerator="applications-decided-automatically", denominator="applications-decided",
         multiplier=100,
         definition="Of the applications decided in the month, the percentage decided straight away by the "
                    "service's rules.",
         calculation="Applications decided automatically divided by applications decided, times 100. " + NOTE,
         display_order=83),
]


def forwards(apps, schema_editor):
    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES + DERIVED, owner="Head of Customer Assessment",
                    directorate="Customers and Organisational Development", tom_layer=ASSESS)


class Migration(migrations.Migration):
    dependencies = [("performance", "0005_cabinet_report")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
