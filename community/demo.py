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
        # A weekly event the partner proposed, waiting for the moderator.
        from .services.events import event_propose

        place = first.at_locations.first()
        if place is not None:
            event_propose(service=first, by=partner, submission_key="demo-partner-event-0001", now=now, data={
                "title": "Singing for the Brain", "description": "Songs old and new, for people living with "
                "dementia and the people who care for them.", "location": place.location_id,
                "date": timezone.localdate(now) + dt.timedelta(days=9), "starts": dt.time(14), "ends": dt.time(15, 30),
                "capacity": 16, "weeks": 4})
            # Six people rated last month's session: enough to show the partner an average.
            from oxtom.customers.models import Customer

            from .models import Feedback

            raters = list(Customer.objects.filter(merged_into__isnull=True).exclude(
                pk=getattr(resident_customer, "pk", None)).order_by("pk")[:6])
            if len(raters) == 6:
                past = Event.objects.create(service=first, location=place.location, title=first.name,
                                            starts_at=now - dt.timedelta(days=30),
                                            ends_at=now - dt.timedelta(days=30, hours=-2), capacity=12, taken=6)
                for i, (customer, rating, comment) in enumerate(zip(raters, [5, 4, 5, 3, 5, 2], [
                        "Very welcoming.", "", "Mum loved the music.", "Hard to find the room.", "", "Too noisy."])):
                    booking = Booking.objects.create(
                        reference=f"BKDEMOF{i:03d}", event=past, booker=customer, attendee_name=customer.display_name,
                        attendee_key="self", status=Booking.Status.CONFIRMED, attended=True,
                        submission_key=f"demo-feedback-booking-{i}", created_at=now - dt.timedelta(days=40))
                    Feedback.objects.create(booking=booking, rating=rating, comment=comment)
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


def seed_demo_assessors(*, badge_officer) -> int:
    """The blue badge mobility assessment's two assessors: the team's officer on weekdays from 9:30 to 3:30 and
    a colleague (the team's leader, or the next member) on Tuesday and Thursday afternoons only. Returns
    rows made (0 when the service already has resources, or no officer to give it)."""
    from oxtom.accounts.models import TeamMembership

    from .models import AppointmentResource, AppointmentService, ResourceHours

    service = AppointmentService.objects.filter(code="blue-badge-mobility-assessment").first()
    if service is None or badge_officer is None or AppointmentResource.objects.filter(service=service).exists():
        return 0
    colleague = (TeamMembership.objects.filter(team_id=service.team_id, user__is_active=True)
                 .exclude(user=badge_officer).select_related("user").order_by("-is_leader", "user_id").first()
                 if service.team_id else None)
    made = 0
    first = AppointmentResource.objects.create(service=service, name=str(badge_officer),
                                               user=badge_officer)
    ResourceHours.objects.bulk_create([ResourceHours(resource=first, weekday=d, starts_at=service.opens_at,
                                                     ends_at=service.closes_at) for d in range(5)])
    made += 6
    if colleague is not None:
        second = AppointmentResource.objects.create(
            service=service, name=str(colleague.user), user=colleague.user)
        ResourceHours.objects.bulk_create([ResourceHours(resource=second, weekday=d, starts_at=dt.time(12, 45),
                                                         ends_at=service.closes_at) for d in (1, 3)])
        made += 3
    return made


def seed_demo_assessor_absence(*, badge_officer, now=None) -> int:
    """The first assessor is on training on the day of their next booked assessment after tomorrow, so the
    team's day page shows it needs moving. Returns rows made (0 when there is an absence already)."""
    from oxtom.core.calendar import is_working_day

    from .models import Appointment, AppointmentResource, ResourceAbsence

    resource = AppointmentResource.objects.filter(service__code="blue-badge-mobility-assessment",
                                                  user=badge_officer).first() if badge_officer else None
    if resource is None or ResourceAbsence.objects.filter(resource__service_id=resource.service_id).exists():
        return 0
    now = now or timezone.now()
    after = timezone.localdate(now) + dt.timedelta(days=2)
    booked = Appointment.objects.filter(resource=resource, status=Appointment.Status.BOOKED, starts_at__date__gte=after) \
        .order_by("starts_at").first()
    day = timezone.localdate(booked.starts_at) if booked else after
    while booked is None and not is_working_day(day):
        day += dt.timedelta(days=1)
    ResourceAbsence.objects.create(resource=resource, **ResourceAbsence.whole_days(day, day),
                                   reason=ResourceAbsence.Reason.TRAINING)
    return 1


def seed_demo_appointments(*, resident_customer, officer, badge_officer, now=None) -> int:
    """Book it work for each role: booked mobility assessments on the blue badge team's day (today's history
    and the coming days'), the resident's own callback to move or cancel, and times offered to the resident
    from one of their open cases to choose from. The referred blue badge case is left for its officer to offer
    times on. Returns rows made (0 when already there)."""
    from oxtom.cases.models import Case
    from oxtom.customers.models import Customer
    from oxtom.notify.models import OutboundMessage

    from .models import Appointment, AppointmentOffer, AppointmentService
    from .services.appointments import appointment_book, slots
    from .services.offers import appointment_offer_create
    from .services.resources import resource_calendar

    if Appointment.objects.filter(submission_key__startswith="demo-appointment-").exists():
        return 0
    now = now or timezone.now()
    services = {s.code: s for s in AppointmentService.objects.filter(
        code__in=["blue-badge-mobility-assessment", "contact-centre-callback"])}
    assessment, callback = services.get("blue-badge-mobility-assessment"), services.get("contact-centre-callback")
    if assessment is None or callback is None:
        return 0
    started = timezone.now()
    made = 0
    others = list(Customer.objects.filter(merged_into__isnull=True, user__isnull=False)
                  .exclude(pk=getattr(resident_customer, "pk", None)).order_by("pk")[:6])
    # Today's assessments (the officer marks who came) are history: written as they would have been booked.
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    from oxtom.core.calendar import is_working_day

    if is_working_day(today):
        for i, customer in enumerate(others[:2]):
            starts = dt.datetime.combine(today, assessment.opens_at, tzinfo=tz) + dt.timedelta(
                minutes=assessment.slot_minutes * (i * 2 + 1))
            calendar = resource_calendar(assessment, today, today)
            free_now = calendar.free_at(starts) if calendar is not None else []
            Appointment.objects.create(reference=f"ATDEMO{i:04d}", service=assessment, customer=customer,
                                       starts_at=starts, submission_key=f"demo-appointment-today-{i}",
                                       created_at=now - dt.timedelta(days=5),
                                       resource=free_now[0] if free_now else None)
            made += 1
    free = slots(assessment, now=now)
    for i, customer in enumerate(others[2:5]):
        if len(free) > i * 3:
            appointment_book(service=assessment, customer=customer, starts_at=free[i * 3], by=customer.user,
                             submission_key=f"demo-appointment-soon-{i}", now=now)
            made += 1
    if resident_customer is not None:
        free_calls = slots(callback, now=now)
        if len(free_calls) > 12:
            appointment_book(service=callback, customer=resident_customer, starts_at=free_calls[12],
                             by=resident_customer.user, submission_key="demo-appointment-resident-callback",
                             notes="About my street light report", now=now)
            made += 1
        case = (Case.objects.filter(customer=resident_customer, closed_at__isnull=True,
                                    team__memberships__user=officer).order_by("received_at").first()
                if officer is not None else None)
        if case is not None and len(free_calls) > 30 and not AppointmentOffer.objects.filter(case=case).exists():
            appointment_offer_create(case=case, service=callback, starts=[free_calls[20], free_calls[25],
                                                                         free_calls[30]],
                                     message="I would like to talk through the repair with you.",
                                     submission_key="demo-offer-resident-callback", by=officer, now=now)
            made += 1
    # Their messages are history (like the other demo data's), except the resident's offer, left to be read.
    OutboundMessage.objects.filter(created_at__gte=started, status=OutboundMessage.Status.PENDING).exclude(
        idempotency_key__startswith="community:offer:").update(status=OutboundMessage.Status.SENT, sent_at=timezone.now())
    return made


def seed_demo_appointment_feedback(*, resident_customer, now=None) -> int:
    """Two of the resident's past council callbacks, both attended: one waiting for their feedback (and the
    message that asked for it), one they have rated. Returns rows made (0 when already there)."""
    from oxtom.core.calendar import is_working_day
    from oxtom.notify.models import OutboundMessage

    from .models import Appointment, AppointmentFeedback, AppointmentService
    from .services.appointments import FEEDBACK_TEMPLATE

    if resident_customer is None or Appointment.objects.filter(submission_key__startswith="demo-attended-").exists():
        return 0
    callback = AppointmentService.objects.filter(code="contact-centre-callback").first()
    if callback is None:
        return 0
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    made = 0
    for i, (days_ago, rating, comment) in enumerate([(6, None, ""), (20, 4, "The adviser rang on time and "
                                                     "explained what happens next with the repair.")]):
        day = timezone.localdate(now) - dt.timedelta(days=days_ago)
        while not is_working_day(day):
            day -= dt.timedelta(days=1)
        starts = dt.datetime.combine(day, callback.opens_at, tzinfo=tz) + dt.timedelta(minutes=callback.slot_minutes)
        appointment = Appointment.objects.create(
            reference=f"ATDEMOF{i:03d}", service=callback, customer=resident_customer, starts_at=starts,
            status=Appointment.Status.ATTENDED, submission_key=f"demo-attended-{i}",
            created_at=starts - dt.timedelta(days=5), reminded_at=starts - dt.timedelta(hours=callback.reminder_hours))
        made += 1
        if rating is not None:
            AppointmentFeedback.objects.create(appointment=appointment, rating=rating, comment=comment,
                                               submission_key=f"demo-attended-feedback-{i}",
                                               created_at=starts + dt.timedelta(hours=3))
            made += 1
        else:
            from oxtom.core.links import absolute_reverse
            from oxtom.notify.services import notification_queue

            from .services.appointments import when_words

            # The ask that went after the callback (history, like the demo's other messages).
            message = notification_queue(
                customer=resident_customer, template=FEEDBACK_TEMPLATE, by=None,
                context={"name": resident_customer.display_name, "service": callback.name,
                         "when": when_words(starts), "reference": appointment.reference,
                         "feedback_url": absolute_reverse("community_account:appointment",
                                                          appointment.reference) + "#feedback"},
                idempotency_key=f"community:appointment:{appointment.pk}:feedback-ask")
            OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.PENDING).update(
                status=OutboundMessage.Status.SENT, sent_at=timezone.now())
    return made


def community_step(context) -> int:
    """Demo step (oxtom/core/demo.py): the directory, events, a partner's waiting changes and Donna's family,
    then Book it appointments and offered times."""
    from oxtom.customers.models import Customer

    users = context.users("partner", "moderator", "resident", "officer", "officer.blue-badge")
    resident = Customer.objects.filter(user=users.get("resident")).first()
    made = seed_demo_community(partner=users.get("partner"), moderator=users.get("moderator"),
                               resident_customer=resident)
    made += seed_demo_assessors(badge_officer=users.get("officer.blue-badge"))
    made += seed_demo_appointments(resident_customer=resident, officer=users.get("officer"),
                                   badge_officer=users.get("officer.blue-badge"))
    made += seed_demo_assessor_absence(badge_officer=users.get("officer.blue-badge"))
    return made + seed_demo_appointment_feedback(resident_customer=resident)
