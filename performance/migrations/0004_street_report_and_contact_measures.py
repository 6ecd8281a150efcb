"""Measures computed from street reports, their feedback, and contacts resolved at first contact.

computations.py registers a function or query definition for each base
measure; the percentages are derived (numerator / denominator x 100).
"""
from django.db import migrations

from performance.seeding import measures_ensure

FRONT, BACK = "front_office", "back_office"
REPORTS_NOTE = ("Street reports are problems reported on roads, pavements and public spaces, by any channel. "
                "A report counts in the division where the problem is.")
FEEDBACK_NOTE = ("After a report is closed we ask the person who made it how satisfied they are, on a scale "
                 "of 1 (very dissatisfied) to 5 (very satisfied). A response counts in the month it was given "
                 "and the division where the problem was.")
CONTACT_NOTE = ("Contacts here are enquiries our advisers dealt with without opening a service request, "
                "counted in the division of the customer's address at the time.")

MEASURES = [
    dict(code="street-reports-received", name="Street problems reported", unit="count", polarity="neutral",
         tom_layer=FRONT, definition="How many street problems (potholes, broken lights, fly-tipping...) were "
         "reported in the month.", calculation="Count of street reports made in the month. " + REPORTS_NOTE,
         display_order=5),
    dict(code="street-reports-fixed", name="Street problems fixed", unit="count", polarity="neutral",
         tom_layer=BACK, is_public=False, definition="How many reported street problems were fixed in the month.",
         calculation="Count of street reports closed as fixed in the month. " + REPORTS_NOTE, display_order=6),
    dict(code="street-reports-fixed-on-time", name="Street problems fixed within target (number)",
         unit="count",
         polarity="higher", tom_layer=BACK, is_public=False,
         definition="How many street problems were fixed by their target date.",
         calculation="Count of street reports closed as fixed in the month on or before their target date (the "
                     "service's target in working days for the problem's priority). " + REPORTS_NOTE,
         display_order=7),
    dict(code="street-reports-median-days-to-fix", name="Typical time to fix a street problem", unit="days",
         precision=1, polarity="lower", tom_layer=BACK,
         definition="The middle (median) number of working days between a street problem being reported and "
                    "it being fixed.",
         calculation="For the reports fixed in the month, the median of working days from the day after the "
                     "report to the day it was fixed, not counting weekends or England and Wales bank holidays. "
                     + REPORTS_NOTE, display_order=9),
    dict(code="feedback-responses", name="Feedback responses on street reports", unit="count", polarity="neutral",
         tom_layer=FRONT, is_public=False, definition="How many people rated how we dealt with their report.",
         calculation="Count of feedback ratings given in the month. " + FEEDBACK_NOTE, display_order=70),
    dict(code="feedback-satisfied", name="Satisfied feedback responses", unit="count", polarity="higher",
         tom_layer=FRONT, is_public=False, definition="How many people were satisfied with how we dealt with "
         "their report.", calculation="Count of ratings of 4 or 5 given in the month. " + FEEDBACK_NOTE,
         display_order=71),
    dict(code="contacts-logged", name="Enquiries dealt with by advisers", unit="count", polarity="neutral",
         tom_layer=FRONT, is_public=False, definition="How many enquiries advisers dealt with that needed no "
         "service request.", calculation="Count of contacts recorded in the month. " + CONTACT_NOTE,
         display_order=50),
    dict(code="contacts-resolved-first-time", name="Enquiries resolved at first contact (number)",
         unit="count",
         polarity="higher", tom_layer=FRONT, is_public=False,
         definition="How many of those enquiries were resolved there and then.",
         calculation="Count of contacts recorded in the month as resolved at first contact. " + CONTACT_NOTE,
         display_order=51),
]

DERIVED = [
    dict(code="street-reports-fixed-on-time-percent", name="Street problems fixed within target", unit="percent",
         precision=1, polarity="higher", tom_layer=BACK, numerator="street-reports-fixed-on-time",
         denominator="street-reports-fixed", multiplier=100,
         definition="Of the street problems fixed in the month, the percentage fixed by their target date.",
         calculation="Street reports fixed within target divided by street reports fixed, times 100. "
                     + REPORTS_NOTE, display_order=8),
    dict(code="customer-satisfaction", name="Satisfaction with how we dealt with a report", unit="percent",
         precision=1, polarity="higher", tom_layer=FRONT, numerator="feedback-satisfied",
         denominator="feedback-responses", multiplier=100,
         definition="Of the people who rated how we dealt with their street report, the percentage who were "
                    "satisfied or very satisfied.",
         calculation="Ratings of 4 or 5 divided by all ratings given in the month, times 100. " + FEEDBACK_NOTE,
         display_order=72),
    dict(code="first-contact-resolution", name="Enquiries resolved at first contact", unit="percent", precision=1,
         polarity="higher", tom_layer=FRONT, numerator="contacts-resolved-first-time", denominator="contacts-logged",
         multiplier=100, definition="Of the enquiries advisers dealt with, the percentage resolved there and then.",
         calculation="Contacts resolved at first contact divided by all contacts recorded, times 100. "
                     + CONTACT_NOTE, display_order=52),
]


def forwards(apps, schema_editor):
    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES + DERIVED, owner="Head of Performance", directorate="Customers and Organisational Development")


class Migration(migrations.Migration):
    dependencies = [("performance", "0003_import_batch")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
