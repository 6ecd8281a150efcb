"""Demo directory: council venues and fictional community groups, their services and events, a partner with
an organisation to keep (one change waiting, one entry due for confirmation), and Donna's family.

Called by seed_demo (oxtom/core/management/commands/seed_demo.py); idempotent: a demo already seeded is left.
Every organisation here is made up; council venues carry "(demo)" so none is mistaken for the real one.
"""
from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from .models import (Booking, ChangeRequest, Event, Organisation, PartnerMembership, Service, Taxonomy,
                     TaxonomyTerm)
from .services.directory import clean_service_data, location_create, service_apply, snapshot
from .taxonomy import seed_taxonomy

DEMO_MARK = "Oxfordshire Libraries (demo)"

# name, address, city, postcode, lat, lon, accessibility
COUNCIL_VENUES = [
    ("Central Library (demo)", "Westgate", "Oxford", "OX1 1DJ", 51.7506, -1.2600, "Step-free entrance, lift, hearing loop"),
    ("Cowley Library (demo)", "Temple Road", "Oxford", "OX4 2EZ", 51.7340, -1.2110, "Step-free, accessible toilet"),
    ("East Oxford Children's Centre (demo)", "Cowley Road", "Oxford", "OX4 1HU", 51.7470, -1.2370, "Buggy park, step-free"),
    ("Banbury Library (demo)", "Marlborough Road", "Banbury", "OX16 5DB", 52.0600, -1.3390, "Lift to first floor"),
    ("Witney Library (demo)", "Welch Way", "Witney", "OX28 6JH", 51.7860, -1.4860, "Step-free, hearing loop"),
    ("Abingdon Library (demo)", "The Charter", "Abingdon", "OX14 3LY", 51.6700, -1.2820, "Step-free"),
    ("Bicester Day Centre (demo)", "Launton Road", "Bicester", "OX26 6PS", 51.8990, -1.1480, "Step-free, parking"),
    ("Wallingford Library (demo)", "Goldsmith's Lane", "Wallingford", "OX10 0DX", 51.6000, -1.1250, "Ramp at side door"),
]

GROUPS = [
    # org name, description, the services: (name, description, terms, venue index, min age, max age, fee, opening, events)
    ("Cowley Connect Friendship Group (demo)",
     "Volunteers in Cowley and East Oxford running friendly groups for anyone who would like more company.",
     [("Tuesday Social Connections", "A relaxed morning of tea, chat and games at the library. Drop in or book a "
       "place so we know you are coming; carers welcome too.", ["loneliness", "older-people", "carers"], 1, 18, None,
       "", "Tuesday 10:00-12:00", ("weekly", 10, 12, 0)),
      ("Memory Café", "A welcoming café afternoon for people living with dementia and the people who care for them.",
       ["dementia", "carers", "older-people"], 2, None, None, "", "Thursday 14:00-16:00", ("weekly", 14, 8, 0))]),
    ("Little Steps Toddler Group (demo)", "Parent-run play sessions for babies and toddlers.",
     [("Stay and Play", "Songs, toys and a snack for under-5s and their grown-ups.", ["early-years", "children-families"],
       2, 0, 5, "", "Wednesday 09:30-11:30\nFriday 09:30-11:30", ("weekly", 9, 15, 0))]),
    ("Oxfordshire Carers Circle (demo)", "Peer support for unpaid carers across the county.",
     [("Carers' Coffee Morning", "Meet other carers, get advice and take a break.", ["carers", "mental-health"], 0, 18,
       None, "", "Monday 10:00-12:00", ("weekly", 10, 20, 0)),
      ("Carers' Chair Yoga", "Gentle chair-based yoga for carers; mats not needed.", ["carers", "physical-activity"],
       0, 18, None, "£3 a session", "Saturday 11:00-12:00", ("weekly", 11, 10, 300))]),
    ("Banbury Walking for Health (demo)", "Free led walks around Banbury for all abilities.",
     [("Banbury Health Walks", "Gentle one-hour walks with trained leaders, starting from the library.",
       ["physical-activity", "older-people", "loneliness"], 3, 16, None, "", "Wednesday 10:30-11:30", None)]),
    ("Witney Community Larder (demo)", "Low-cost food and a warm welcome in Witney.",
     [("Community Larder", "Choose ten items for £4. Open to anyone in West Oxfordshire.", ["food", "money-advice"],
       4, 18, None, "£4 a visit", "Friday 13:00-15:00", None)]),
    ("Abingdon Digital Buddies (demo)", "Volunteers who help people get online.",
     [("Digital Drop-in", "Bring your phone, tablet or laptop and get one-to-one help.", ["digital-skills", "older-people"],
       5, 16, None, "", "Thursday 10:00-12:00", ("weekly", 10, 6, 0))]),
    ("Bicester Young Carers (demo)", "Support and fun for young people who care for someone at home.",
     [("Young Carers Club", "Activities, trips and a listening ear for young carers.", ["carers", "young-people"], 6,
       8, 18, "", "Tuesday 16:00-18:00", ("weekly", 16, 15, 0))]),
    ("Wallingford Money Matters (demo)", "Free, confidential help with money and benefits.",
     [("Money Advice Sessions", "Book a slot with an adviser for help with bills, debt or benefits.",
       ["money-advice"], 7, 18, None, "", "Monday 13:00-16:00", None)]),
]

COUNCIL_SERVICES = [
    ("Library Reading Group", "A monthly reading group: pick up the book at the desk.", ["reading-learning", "loneliness"],
     0, 16, None, "", "Thursday 18:00-19:30", ("weekly", 18, 15, 0)),
    ("Rhyme Time", "Songs and rhymes for babies and toddlers.", ["early-years", "children-families"], 3, 0, 4, "",
     "Monday 10:30-11:00", ("weekly", 10, 20, 0)),
    ("Computer Help at the Library", "Free help with computers, email and forms online.", ["digital-skills"], 4, 16, None,
     "", "Tuesday 14:00-16:00", None),
    ("Day Centre Lunch Club", "A hot two-course lunch and company, with transport for some.",
     ["older-people", "loneliness", "food"], 6, 60, None, "£5.50 for lunch", "Wednesday 12:00-14:00", None),
]


def _apply(org, name, description, terms, venue, lo, hi, fee, opening, locations, *, by):
    data = {"name": name, "description": description, "terms": terms, "minimum_age": lo, "maximum_age": hi,
            "is_free": not fee, "fees": fee, "opening": opening, "status": "active",
            "locations": [str(locations[venue].uuid)], "accessibility": locations[venue].accessibility}
    return service_apply(organisation=org, service=None, data=clean_service_data(data, organisation=org), by=by,
                         summary=f"Demo: {name}")


def _events(service, location, pattern, *, now):
    if not pattern:
        return 0
    _, hour, capacity, price = pattern
    series = uuid.uuid4()
    start_day = timezone.localdate(now)
    target = service.schedules.first().weekday
    first = start_day + dt.timedelta(days=(target - start_day.weekday()) % 7 or 7)
    made = []
    for week in range(6):
        day = first + dt.timedelta(weeks=week)
        starts = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
        made.append(Event(service=service, location=location, title=service.name, description=service.description,
                          starts_at=starts, ends_at=starts + dt.timedelta(hours=2), capacity=capacity,
                          price_pence=price, cutoff_hours=12, series=series))
    Event.objects.bulk_create(made)
    return len(made)


def demo_present() -> bool:
    """One query: whether the demo directory is already there (a second `make run` does nothing more)."""
    return Organisation.objects.filter(name=DEMO_MARK).exists()


def _appointment_services(venues) -> None:
    """Book it: two council appointment services configured as data."""
    import datetime as dt_

    from oxtom.accounts.models import Team

    from .models import AppointmentService

    teams = {t.slug: t for t in Team.objects.filter(slug__in=["contact-centre", "blue-badge-concessions"])}
    AppointmentService.objects.get_or_create(code="contact-centre-callback", defaults=dict(
        name="Contact centre callback", description="An adviser phones you back at a time that suits you.",
        team=teams.get("contact-centre"), slot_minutes=15, opens_at=dt_.time(9), closes_at=dt_.time(17), desks=2,
        days_ahead=14, cutoff_hours=1))
    AppointmentService.objects.get_or_create(code="blue-badge-mobility-assessment", defaults=dict(
        name="Blue badge mobility assessment", description="A face-to-face assessment for a blue badge application.",
        location=venues[0], team=teams.get("blue-badge-concessions"), slot_minutes=45, opens_at=dt_.time(9, 30),
        closes_at=dt_.time(15, 30), desks=1, days_ahead=28, cutoff_hours=24))


@transaction.atomic
def seed_demo_community(*, partner, moderator, resident_customer, now=None) -> int:
    """The demo directory. Returns rows made (0 when already there)."""
    if demo_present():
        return 0
    seed_taxonomy(Taxonomy, TaxonomyTerm)  # migration 0002 seeds it; a flushed test database may not have it
    now = now or timezone.now()
    admin = moderator
    libraries = Organisation.objects.create(
        name=DEMO_MARK, kind=Organisation.Kind.COUNCIL, description="The county's libraries, children's centres "
        "and day centres: free groups, help and space for everyone.", website="https://www.oxfordshire.gov.uk/",
        phone="01865 792422")
    venues = [location_create(organisation=libraries, name=n, address_1=a, city=c, postcode=p, latitude=la,
                              longitude=lo, accessibility=acc, by=admin) for n, a, c, p, la, lo, acc in COUNCIL_VENUES]
    made = len(venues) + 1
    events = 0
    for name, description, terms, venue, lo, hi, fee, opening, pattern in COUNCIL_SERVICES:
        service = _apply(libraries, name, description, terms, venue, lo, hi, fee, opening, venues, by=admin)
        events += _events(service, venues[venue], pattern, now=now)
        made += 1
    partner_org = None
    for org_name, org_description, services in GROUPS:
        org = Organisation.objects.create(name=org_name, description=org_description, kind=Organisation.Kind.VOLUNTARY,
                                          email="hello@" + "".join(ch for ch in org_name.lower() if ch.isalpha())[:20]
                                          + ".example.org")
        partner_org = partner_org or org
        made += 1
        for name, description, terms, venue, lo, hi, fee, opening, pattern in services:
            service = _apply(org, name, description, terms, venue, lo, hi, fee, opening, venues, by=admin)
            events += _events(service, venues[venue], pattern, now=now)
            made += 1
    _appointment_services(venues)
    if partner is not None:
        PartnerMembership.objects.get_or_create(user=partner, organisation=partner_org)
        first = partner_org.services.order_by("name").first()
        # A change waiting for the moderator: a new time and a clearer description.
        proposed = {**snapshot(first), "description": first.description + " Now with a monthly singing session.",
                    "opening": "Tuesday 10:00-12:30"}
        ChangeRequest.objects.create(organisation=partner_org, service=first, base_version=first.version,
                                     before=snapshot(first), proposed=clean_service_data(proposed, organisation=partner_org),
                                     submitted_by=partner, submitted_at=now - dt.timedelta(hours=3))
        # ...and a brand-new service proposed.
        new = clean_service_data({"name": "Knit and Natter", "description": "Bring your knitting (or learn) and chat.",
                                  "terms": ["loneliness", "older-people"], "is_free": "true", "status": "active",
                                  "opening": "Friday 14:00-16:00", "locations": [str(venues[1].uuid)]},
                                 organisation=partner_org)
        ChangeRequest.objects.create(organisation=partner_org, service=None, before={}, proposed=new,
                                     submitted_by=partner, submitted_at=now - dt.timedelta(hours=1))
        # One entry the partner has not confirmed for over a year: flagged, waiting for them.
        stale = partner_org.services.order_by("-name").first()
        Service.objects.filter(pk=stale.pk).update(confirmed_at=now - dt.timedelta(days=370), flagged_at=now)
    if resident_customer is not None:
        from .services.people import person_save

        by = resident_customer.user
        person_save(customer=resident_customer, person=None, is_self=True, by=by,
                    data={"name": "", "needs": ["carers"]})
        mother = person_save(customer=resident_customer, person=None, by=by, data={
            "name": "Dorothy", "relationship": "Mother", "age": "81", "needs": ["older-people", "loneliness", "dementia"],
            "access_needs": "Uses a walking frame"})
        person_save(customer=resident_customer, person=None, by=by, data={
            "name": "Sam", "relationship": "Son", "age": "3", "needs": ["early-years"]})
        # A past event Donna went to, to give feedback on.
        social = Service.objects.filter(name="Tuesday Social Connections").first()
        if social is not None:
            loc = social.at_locations.first().location
            past = Event.objects.create(service=social, location=loc, title=social.name,
                                        starts_at=now - dt.timedelta(days=7), ends_at=now - dt.timedelta(days=7, hours=-2),
                                        capacity=12, taken=1)
            Booking.objects.create(reference="BKDEMO0001", event=past, booker=resident_customer, attendee=mother,
                                   attendee_name="Dorothy", attendee_key=f"person:{mother.pk}",
                                   status=Booking.Status.CONFIRMED, submission_key="demo-past-booking-0001",
                                   created_at=now - dt.timedelta(days=10), attended=True)
            # The next session is nearly full: two places left.
            nxt = Event.objects.filter(service=social, starts_at__gt=now).order_by("starts_at").first()
            if nxt is not None:
                Event.objects.filter(pk=nxt.pk).update(taken=nxt.capacity - 2)
    return made + events


def community_step(context) -> int:
    """Demo step (oxtom/core/demo.py): the directory, events, a partner's waiting changes and Donna's family."""
    from oxtom.customers.models import Customer

    users = context.users("partner", "moderator", "resident")
    resident = Customer.objects.filter(user=users.get("resident")).first()
    return seed_demo_community(partner=users.get("partner"), moderator=users.get("moderator"),
                               resident_customer=resident)
