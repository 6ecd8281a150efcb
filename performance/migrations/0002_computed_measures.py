"""The measures computed from the platform's own data (computations.py registers their functions).

Definitions are written for the public: what it measures, and how we calculate it.
"""
from django.db import migrations

from performance.seeding import measures_ensure

FRONT, BACK = "front_office", "back_office"
CASES_NOTE = ("Cases are reports, applications, requests and councillors' enquiries. A case counts in the "
              "division it is about; cases with no location count for the county only.")
CONTACT_NOTE = ("A contact is something a customer sent or said to us (not our replies or automatic "
                "events), counted in the division of the customer's address.")

MEASURES = [
    dict(code="cases-received", name="Cases received", unit="count", polarity="neutral", tom_layer=BACK,
         definition="How many reports, applications and requests the council received in the month.",
         calculation="Count of cases with a received date in the month. " + CASES_NOTE, display_order=10),
    dict(code="cases-closed", name="Cases closed", unit="count", polarity="neutral", tom_layer=BACK, is_public=False,
         definition="How many cases were finished in the month.",
         calculation="Count of cases closed in the month. " + CASES_NOTE, display_order=11),
    dict(code="cases-closed-on-time", name="Cases closed on time", unit="count", polarity="higher", tom_layer=BACK,
         is_public=False, definition="How many cases were finished by their target date.",
         calculation="Count of cases closed in the month on or before their due date (the service's target in "
                     "working days, moved on by any time we waited for the customer). " + CASES_NOTE,
         display_order=12),
    dict(code="cases-overdue", name="Open cases past their target date", unit="count", polarity="lower",
         tom_layer=BACK, aggregation="snapshot",
         definition="How many cases were still open after their target date at the end of the month.",
         calculation="Count of cases open on the last day of the month whose due date was before that day. "
                     + CASES_NOTE, display_order=20),
    dict(code="cases-median-days-to-close", name="Typical time to finish a case", unit="days", precision=1,
         polarity="lower", tom_layer=BACK,
         definition="The middle (median) number of working days cases took from receipt to being finished.",
         calculation="For the cases closed in the month, the median of working days from the day after receipt "
                     "to the day of closure, not counting weekends or England and Wales bank holidays. "
                     + CASES_NOTE, display_order=30),
    dict(code="contacts-total", name="Contacts from customers", unit="count", polarity="neutral", tom_layer=FRONT,
         definition="How many times customers contacted the council, by any channel.",
         calculation="Count of contacts in the month. " + CONTACT_NOTE, display_order=40),
    dict(code="contacts-digital", name="Contacts made online", unit="count", polarity="higher", tom_layer=FRONT,
         is_public=False, definition="Contacts made online: website, webchat, email or text message.",
         calculation="Count of contacts in the month through the website, webchat, email or text message. "
                     + CONTACT_NOTE, display_order=41),
]
for channel, label in [("web", "the website"), ("phone", "telephone"), ("face-to-face", "face to face"),
                       ("webchat", "webchat"), ("email", "email"), ("sms", "text message"), ("post", "post")]:
    MEASURES.append(dict(
        code=f"contacts-{channel}", name=f"Contacts by {label}", unit="count", polarity="neutral", tom_layer=FRONT,
        is_public=False, definition=f"How many times customers contacted the council by {label}.",
        calculation=f"Count of contacts in the month by {label}. " + CONTACT_NOTE, display_order=45))
for channel, label in [("email", "email"), ("sms", "text message"), ("letter", "letter")]:
    MEASURES.append(dict(
        code=f"notifications-{channel}", name=f"Updates sent by {label}", unit="count", polarity="neutral",
        tom_layer=FRONT, is_public=False, definition=f"How many updates the council sent to customers by {label}.",
        calculation=f"Count of {label} notifications sent successfully in the month, in the division of the "
                    "customer's address.", display_order=60))

DERIVED = [
    dict(code="digital-share", name="Share of contacts made online", unit="percent", precision=1, polarity="higher",
         tom_layer=FRONT, numerator="contacts-digital", denominator="contacts-total", multiplier=100,
         definition="Of all contacts from customers, the percentage made online.",
         calculation="Contacts made online divided by all contacts, times 100. " + CONTACT_NOTE, display_order=42),
    dict(code="cases-on-time-percent", name="Cases finished on time", unit="percent", precision=1, polarity="higher",
         tom_layer=BACK, numerator="cases-closed-on-time", denominator="cases-closed", multiplier=100,
         definition="Of the cases finished in the month, the percentage finished by their target date.",
         calculation="Cases closed on time divided by cases closed, times 100. " + CASES_NOTE, display_order=25),
]


def forwards(apps, schema_editor):
    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES + DERIVED, owner="Head of Performance", directorate="Customers and Organisational Development")


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
