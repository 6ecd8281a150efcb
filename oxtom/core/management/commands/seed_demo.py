"""Demo data for the embedded platform, and county-sized data for benchmarks.

`make run` calls this on every start, so it is idempotent and quick once the
data exists: each step checks what is already there with a query or two and
creates only what is missing.

    manage.py seed_demo                      # places, teams, demo sign-ins, councillors, ~300 residents
    manage.py seed_demo --scale county       # ...and customers up to 730,000, printing rows/s
    manage.py seed_demo --customers 50000    # ...up to a number of your choice

Everyone here is fictional. Demo residents use example.net addresses and
Ofcom's drama telephone ranges; county-scale customers use example.com and
example.org addresses. Demo sign-ins share one published password, so the
command refuses to run unless DEBUG is on (the embedded demo) or
--allow-demo-passwords is given (a throwaway benchmark database).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from oxtom.accounts.models import Team, TeamMembership, User
from oxtom.core.demo import DEMO_DOMAIN, DEMO_RESIDENT_DOMAIN, DemoContext, run_demo_steps
from oxtom.customers.models import Customer
from oxtom.customers.services import customer_bulk_create, customer_ensure_for_user, customer_update
from oxtom.notify.services import publishing_suspended
from oxtom.places import services as places
from oxtom.places.models import BoundarySet, Division, PostcodeCentroid, Street
from oxtom.places.selectors import division_ids_for_points

DEMO_PASSWORD = "oxtom-demo-2025"
# A year of demo street reports by default (portal/demo.py, a registered demo step).
DEFAULT_REPORTS = 240
DEMO_RESIDENTS = 300
DEMO_RESIDENTS_WITH_ACCOUNTS = 12  # including the resident demo sign-in
COUNTY_CUSTOMERS = 730_000
DEMO_COUNCILLOR_DIVISION = "banbury-calthorpe"
RANDOM_SEED = 2025
# The printed demo resident lives in a residents' parking zone (Zone B, East Oxford: OX4 in
# applications/seed.py) inside the county, so they can apply for every service
# (permit, blue badge, bus pass) without changing their address first.
DEMO_RESIDENT_HOME = {"address_line_1": "14 Iffley Road", "town": "Oxford", "postcode": "OX4 1AB",
                      "latitude": 51.7468, "longitude": -1.2368}

TEAMS = (
    ("Highways North", "highways-north", "Roads, pavements, drainage and street lighting: Cherwell and West Oxfordshire"),
    ("Highways South", "highways-south", "Roads, pavements, drainage and street lighting: Oxford, South and Vale"),
    ("Parking Services", "parking-services", "Residents' parking permits, enforcement and appeals"),
    ("Blue Badge and Concessions", "blue-badge-concessions", "Blue badges and concessionary bus passes"),
    ("Contact Centre", "contact-centre", "Customer service advisers: telephone, webchat and face to face"),
    ("Business Admin Support", "business-admin-support", "Business admin requests, FOI and complaints"),
    ("Provision", "provision", "Commissioning, suppliers, contracts and spend"),
    ("Performance and Insight", "performance-insight", "Measures, targets, reports and forecasts"),
)


@dataclass(frozen=True)
class DemoSignIn:
    role: str
    email: str
    full_name: str
    area: str  # where the person lands after signing in
    team: str = ""  # the team they belong to (the team leader leads every team: DEMO_LEADER_TEAMS)


DEMO_SIGN_INS = (
    DemoSignIn("resident", f"resident@{DEMO_DOMAIN}", "Rosa Demo-Resident", "/account/"),
    DemoSignIn("adviser", f"adviser@{DEMO_DOMAIN}", "Adam Demo-Adviser", "/staff/", "contact-centre"),
    DemoSignIn("officer", f"officer@{DEMO_DOMAIN}", "Olive Demo-Officer", "/staff/", "highways-north"),
    DemoSignIn("team_leader", f"team.leader@{DEMO_DOMAIN}", "Terry Demo-Leader", "/staff/"),
    DemoSignIn("councillor", f"councillor@{DEMO_DOMAIN}", "Cllr Carla Demo-Member", "/members/"),
    DemoSignIn("bas_officer", f"bas.officer@{DEMO_DOMAIN}", "Bea Demo-Admin", "/staff/", "business-admin-support"),
    DemoSignIn("bas_manager", f"bas.manager@{DEMO_DOMAIN}", "John Demo-BAS-Lead", "/staff/bas/",
               "business-admin-support"),
    DemoSignIn("foi_coordinator", f"foi@{DEMO_DOMAIN}", "Fay Demo-FOI", "/staff/foi/", "information-governance"),
    DemoSignIn("disclosure_officer", f"disclosure@{DEMO_DOMAIN}", "Dev Demo-Disclosure", "/staff/foi/",
               "information-governance"),
    DemoSignIn("complaints_officer", f"complaints@{DEMO_DOMAIN}", "Cal Demo-Complaints", "/staff/complaints/",
               "corporate-complaints"),
    DemoSignIn("recruitment_coordinator", f"recruitment@{DEMO_DOMAIN}", "Tom Demo-Recruitment", "/staff/people/",
               "recruitment"),
    DemoSignIn("line_manager", f"manager@{DEMO_DOMAIN}", "Jane Demo-Manager", "/staff/people/"),
    DemoSignIn("ict_service_desk", f"ict.desk@{DEMO_DOMAIN}", "Ian Demo-ICT", "/staff/people/access/",
               "ict-service-desk"),
    DemoSignIn("provision_officer", f"provision@{DEMO_DOMAIN}", "Percy Demo-Provision", "/staff/", "provision"),
    DemoSignIn("performance_analyst", f"analyst@{DEMO_DOMAIN}", "Ana Demo-Analyst", "/staff/", "performance-insight"),
    DemoSignIn("community_partner", f"partner@{DEMO_DOMAIN}", "Cora Demo-Partner", "/community/partner/"),
    DemoSignIn("community_moderator", f"moderator@{DEMO_DOMAIN}", "Milo Demo-Moderator", "/staff/community/"),
    DemoSignIn("pmo_officer", f"pmo@{DEMO_DOMAIN}", "Pam Demo-Projects", "/staff/projects/"),
    DemoSignIn("board_member", f"board@{DEMO_DOMAIN}", "Bernard Demo-Board", "/staff/projects/board/"),
    DemoSignIn("project_manager", f"project.manager@{DEMO_DOMAIN}", "Priya Demo-Manager", "/staff/projects/"),
    DemoSignIn("consultation_officer", f"consultation@{DEMO_DOMAIN}", "Connie Demo-Consult", "/staff/consultations/"),
    DemoSignIn("bi_analyst", f"bi.analyst@{DEMO_DOMAIN}", "Bill Demo-Insight", "/staff/insight/", "performance-insight"),
    DemoSignIn("mash_officer", f"mash@{DEMO_DOMAIN}", "Maya Demo-Mash", "/staff/", "mash"),
    DemoSignIn("safeguarding_manager", f"lee@{DEMO_DOMAIN}", "Lee Demo-Safeguarding", "/staff/", "mash"),
    DemoSignIn("administrator", f"admin@{DEMO_DOMAIN}", "Ada Demo-Administrator", "/staff/"),
)
# More sign-ins, so every team with a queue has an officer of its own (officer@ is Highways North's)
# and a second analyst can try two-person approval of figures.
DEMO_TEAM_SIGN_INS = (
    DemoSignIn("officer", f"officer.highways-south@{DEMO_DOMAIN}", "Hari Demo-Highways", "/staff/", "highways-south"),
    DemoSignIn("officer", f"officer.enforcement@{DEMO_DOMAIN}", "Evie Demo-Enforcement", "/staff/",
               "environmental-enforcement"),
    DemoSignIn("officer", f"officer.parking@{DEMO_DOMAIN}", "Parveen Demo-Parking", "/staff/", "parking-services"),
    DemoSignIn("officer", f"officer.blue-badge@{DEMO_DOMAIN}", "Bella Demo-Badges", "/staff/",
               "blue-badge-concessions"),
    DemoSignIn("officer", f"officer.member-services@{DEMO_DOMAIN}", "Morgan Demo-Members", "/staff/",
               "member-services"),
    DemoSignIn("performance_analyst", f"analyst.2@{DEMO_DOMAIN}", "Anil Demo-Analyst", "/staff/",
               "performance-insight"),
    # A second project manager in the resource pool, and a second board member to decide the first's proposals.
    DemoSignIn("project_manager", f"project.manager.2@{DEMO_DOMAIN}", "Paolo Demo-Manager", "/staff/projects/"),
    DemoSignIn("board_member", f"board.2@{DEMO_DOMAIN}", "Bryony Demo-Board", "/staff/projects/board/"),
    # The finance officer who is a starter's buddy in the onboarding demo (the Finance team's worker).
    DemoSignIn("officer", f"sandra@{DEMO_DOMAIN}", "Sandra Demo-Finance", "/staff/", "finance"),
    DemoSignIn("bi_analyst", f"bi.analyst.2@{DEMO_DOMAIN}", "Bea Demo-Insight", "/staff/insight/",
               "performance-insight"),
    # A second complaints officer: a stage 2 complaint is decided by someone who did not handle stage 1.
    DemoSignIn("complaints_officer", f"complaints.2@{DEMO_DOMAIN}", "Kit Demo-Complaints", "/staff/complaints/",
               "corporate-complaints"),
    # Sue's story (issue 13): Mike, the business admin officer John gives Sue's presentation to, and Sue,
    # a manager in Property Services who asks business admin for help.
    DemoSignIn("bas_officer", f"bas.officer.2@{DEMO_DOMAIN}", "Mike Demo-Admin", "/staff/bas/",
               "business-admin-support"),
    DemoSignIn("line_manager", f"sue@{DEMO_DOMAIN}", "Sue Demo-Property", "/staff/bas/", "property"),
)
ALL_DEMO_SIGN_INS = DEMO_SIGN_INS + DEMO_TEAM_SIGN_INS
DEMO_LEADER = f"team.leader@{DEMO_DOMAIN}"
# The team leader sign-in leads every team the demo has (seed_demo's and those other apps' migrations
# add), so each queue has a leader to allocate and reassign its work. Read from the database.


# Teams led by their own demo sign-in, not the team leader: the MASH team's referrals are special
# category, so only its own members (Lee leads it) see them.
OWN_LEADERS = {"mash": "safeguarding_manager"}


def demo_memberships(team_slugs: list[str]) -> list[tuple[str, str, bool]]:
    """(email, team slug, is leader) for every demo membership, given the teams that exist."""
    wanted = [(s.email, s.team, OWN_LEADERS.get(s.team) == s.role) for s in ALL_DEMO_SIGN_INS
              if s.team and s.team in team_slugs]
    return wanted + [(DEMO_LEADER, slug, True) for slug in team_slugs if slug not in OWN_LEADERS]


# Councillors get obviously made-up names: no real person is ever the member for a division here.
_CLLR_FIRST = ("Alex", "Bryony", "Callum", "Dilys", "Efe", "Fern", "Gareth", "Hana", "Idris", "Jess", "Kwame",
               "Lowri", "Milo", "Nia", "Osian", "Priya", "Quinn", "Rhian", "Sam", "Tomasz", "Uma", "Vikram",
               "Wren")
_CLLR_LAST = ("Examplewood", "Sampleton", "Placeholme", "Fictionby", "Mockridge", "Demoford", "Testerley",
              "Pretendall", "Notreal", "Madeupshire", "Imaginham", "Storybrook")

_STREETS = ("High Street", "Church Lane", "Station Road", "Mill Lane", "The Green", "Manor Road", "London Road",
            "Banbury Road", "Woodstock Road", "Abingdon Road", "School Lane", "Park Road", "Victoria Road",
            "Queens Road", "Orchard Close", "Meadow Way", "Chapel Street", "Bridge Street", "Windmill Road",
            "Cherwell Drive", "Thames Street", "Cotswold Crescent", "Chiltern View", "Evenlode Close",
            "Windrush Way", "Ock Street", "Sheep Street", "Market Place", "Oxford Road", "Witney Road")
_UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


class Command(BaseCommand):
    help = "Load demo data (idempotent); --scale county or --customers N adds benchmark-sized customers."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "county"], default="demo",
                            help="county: customers up to --customers (default 730,000) with bulk inserts")
        parser.add_argument("--customers", type=int, help="total customers wanted (implies a scale run)")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--reports", type=int, default=DEFAULT_REPORTS,
                            help="street reports of demo activity over the last year (0: none)")
        parser.add_argument("--seed", type=int, default=RANDOM_SEED, help="random seed for generated people")
        parser.add_argument("--allow-demo-passwords", action="store_true",
                            help="create the demo sign-ins even with DEBUG off (throwaway databases only)")

    def handle(self, *args, **opts):
        if not (settings.DEBUG or getattr(settings, "TESTING", False) or opts["allow_demo_passwords"]):
            raise CommandError(
                "seed_demo creates sign-ins with a published password, so it runs only with DEBUG on "
                "(the embedded demo) or with --allow-demo-passwords on a throwaway database."
            )
        if opts["customers"] is not None and opts["customers"] < 0:
            raise CommandError("--customers must be 0 or more")
        if opts["reports"] < 0:
            raise CommandError("--reports must be 0 or more")
        if opts["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more")
        started = time.perf_counter()
        rng = np.random.default_rng(opts["seed"])
        # The demo's messages are history (marked sent): no dispatch task each on the broker.
        with publishing_suspended():
            created = {
                "places": self._seed_places(),
                "teams": self._seed_teams(),
                "demo sign-ins and team memberships": self._seed_sign_ins(),
                "councillors": self._seed_councillors(),
                "residents": self._seed_residents(rng),
            }
            # Then each app's own demo data, registered in its AppConfig.ready() (oxtom/core/demo.py).
            context = DemoContext(options={"reports": opts["reports"], "seed": opts["seed"]},
                                  showcase=self._showcase_divisions)
            created.update(run_demo_steps(context))
        made = {k: v for k, v in created.items() if v}
        elapsed = time.perf_counter() - started
        if made:
            self.stdout.write("Demo data created: " + ", ".join(f"{v} {k}" for k, v in made.items())
                              + f" ({elapsed:.1f}s)")
        else:
            self.stdout.write(f"Demo data already present ({elapsed:.2f}s)")

        target = opts["customers"]
        if target is None and opts["scale"] == "county":
            target = COUNTY_CUSTOMERS
        if target is not None:
            self._seed_scale(target=target, rng=rng, batch_size=opts["batch_size"])

    # --- places -------------------------------------------------------------------

    def _seed_places(self) -> int:
        """Districts, the 69 divisions, demo boundaries, postcode centroids and demo streets, each only if missing."""
        changes = 0
        bs = BoundarySet.objects.filter(slug=places.COUNTY_SET_SLUG).first()
        if bs is None or bs.divisions.count() < 69:
            places.localities_load()
            result = places.divisions_load()
            bs = result.boundary_set
            changes += result.created
        if bs.divisions.filter(geometry__isnull=True).exists():
            data = json.loads(places.DEMO_BOUNDARIES.read_text(encoding="utf-8"))
            places.boundary_set_load(data=data, set_slug=bs.slug, demo=True, source=places.DEMO_BOUNDARIES.name)
            changes += 1
        if not BoundarySet.objects.filter(is_current=True).exists():
            places.boundary_set_make_current(boundary_set=bs)
        if not PostcodeCentroid.objects.exists():
            changes += places.postcode_centroids_load()
        if not Street.objects.exists():
            changes += places.streets_load(paths=[places.DEMO_STREETS_CSV], source="demo").created
        return changes

    # --- teams and people ---------------------------------------------------------------

    def _seed_teams(self) -> int:
        existing = set(Team.objects.filter(slug__in=[t[1] for t in TEAMS]).values_list("slug", flat=True))
        missing = [Team(name=name, slug=slug, description=desc) for name, slug, desc in TEAMS if slug not in existing]
        Team.objects.bulk_create(missing)
        return len(missing)

    _password_hash: str | None = None

    def _hash(self) -> str:
        # One hash for every demo account: hashing is deliberately slow (PBKDF2),
        # and ~100 of them would make the first `make run` crawl.
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def _create_user(self, *, email: str, full_name: str, roles: list[str], division: Division | None = None) -> User:
        from allauth.account.models import EmailAddress

        user = User(email=email, full_name=full_name, roles=roles, member_division=division, password=self._hash())
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    @transaction.atomic
    def _seed_sign_ins(self) -> int:
        existing = set(User.objects.filter(email__in=[s.email for s in ALL_DEMO_SIGN_INS])
                       .values_list("email", flat=True))
        councillor_division = Division.objects.filter(
            boundary_set__slug=places.COUNTY_SET_SLUG, slug=DEMO_COUNCILLOR_DIVISION
        ).first()
        created = 0
        for sign_in in ALL_DEMO_SIGN_INS:
            if sign_in.email in existing:
                continue
            user = self._create_user(
                email=sign_in.email, full_name=sign_in.full_name, roles=[sign_in.role],
                division=councillor_division if sign_in.role == "councillor" else None,
            )
            if sign_in.role in ("resident", "community_partner"):
                customer_ensure_for_user(user=user, by=None)
            created += 1
        return created + self._seed_memberships()

    @staticmethod
    def _seed_memberships() -> int:
        """Every team has an officer and a leader among the sign-ins (a demo made before gets the missing ones)."""
        teams = dict(Team.objects.values_list("slug", "pk"))
        wanted = demo_memberships(sorted(teams))
        users = dict(User.objects.filter(email__in={email for email, _, _ in wanted}).values_list("email", "pk"))
        have = set(TeamMembership.objects.filter(user_id__in=users.values()).values_list("user_id", "team_id"))
        missing = [TeamMembership(user_id=users[email], team_id=teams[slug], is_leader=leader)
                   for email, slug, leader in wanted
                   if email in users and (users[email], teams[slug]) not in have]
        TeamMembership.objects.bulk_create(missing)
        return len(missing)

    @transaction.atomic
    def _seed_councillors(self) -> int:
        """One fictional councillor per division of the 2025 set (the demo councillor covers one)."""
        divisions = list(Division.objects.filter(boundary_set__slug=places.COUNTY_SET_SLUG).order_by("slug"))
        taken = set(User.objects.exclude(member_division=None).values_list("member_division_id", flat=True))
        created = 0
        for i, division in enumerate(divisions):
            if division.pk in taken:
                continue
            name = f"Cllr {_CLLR_FIRST[i % len(_CLLR_FIRST)]} {_CLLR_LAST[(i * 5) % len(_CLLR_LAST)]}"
            email = f"cllr.{division.slug}@{DEMO_DOMAIN}"
            if User.objects.filter(email=email).exists():
                continue
            self._create_user(email=email, full_name=name, roles=["councillor"], division=division)
            created += 1
        self._publish_councillor_contacts()
        return created

    def _publish_councillor_contacts(self) -> None:
        """Every demo councillor has published council contact details for their division page
        (a made-up address at the demo domain, and the council's office number)."""
        from django.conf import settings

        for user in User.objects.filter(member_division__isnull=False, public_email=""):
            if "councillor" not in (user.roles or []):
                continue
            local = ".".join(part.lower() for part in user.full_name.replace("Cllr ", "").split() if part.isalpha() or "-" in part)
            user.public_email = f"{local or 'councillor'}@{DEMO_DOMAIN}"
            user.public_phone = settings.COUNCIL_PHONE
            user.save(update_fields=["public_email", "public_phone"])

    # --- residents ---------------------------------------------------------------------

    def _seed_residents(self, rng: np.random.Generator) -> int:
        """~300 residents spread over the divisions; a dozen have online accounts."""
        have = Customer.objects.filter(email__endswith=f"@{DEMO_RESIDENT_DOMAIN}").count()
        wanted = DEMO_RESIDENTS - DEMO_RESIDENTS_WITH_ACCOUNTS
        created = 0
        generator = PeopleGenerator(rng=rng)
        if have < wanted:
            rows = list(generator.rows(wanted - have, start=have, email_domains=(DEMO_RESIDENT_DOMAIN,), drama_phones=True))
            created += customer_bulk_create(rows=rows, by=None)
        # Residents with accounts: the resident demo sign-in plus resident.NN@ accounts.
        account_emails = [f"resident.{n:02d}@{DEMO_DOMAIN}" for n in range(2, DEMO_RESIDENTS_WITH_ACCOUNTS + 1)]
        existing = set(User.objects.filter(email__in=account_emails).values_list("email", flat=True))
        missing = [e for e in account_emails if e not in existing]
        demo_resident = Customer.objects.filter(user__email=f"resident@{DEMO_DOMAIN}", postcode="").first()
        if not missing and demo_resident is None:
            return created
        people = list(generator.rows(len(missing) + 1, start=900, email_domains=(DEMO_DOMAIN,), drama_phones=True))
        with transaction.atomic():
            for email, person in zip(missing, people):
                user = self._create_user(
                    email=email, full_name=f"{person['first_name']} {person['last_name']}", roles=["resident"]
                )
                customer = customer_ensure_for_user(user=user, by=None)
                self._give_address(customer, person)
                created += 1
            if demo_resident is not None:
                self._give_address(demo_resident, {**people[-1], **DEMO_RESIDENT_HOME,
                                                   "division_id": self._division_id(DEMO_RESIDENT_HOME)})
        return created

    @staticmethod
    def _showcase_divisions() -> list[int]:
        """The demo councillor's division and the demo resident's: the division pages a tester opens first."""
        ids = list(Division.objects.filter(boundary_set__slug=places.COUNTY_SET_SLUG, slug=DEMO_COUNCILLOR_DIVISION)
                   .values_list("pk", flat=True))
        ids += [pk for pk in Customer.objects.filter(user__email=f"resident@{DEMO_DOMAIN}")
                .exclude(division=None).values_list("division_id", flat=True)]
        return ids

    @staticmethod
    def _division_id(home: dict) -> int | None:
        from oxtom.places.selectors import division_for_point

        division = division_for_point(home["latitude"], home["longitude"])
        return division.pk if division else None

    @staticmethod
    def _give_address(customer: Customer, person: dict) -> None:
        # People who signed up online gave a postcode, not coordinates: their division is found from it by
        # the service, with the same lookup as the public division finder, so the two always agree.
        data = {k: person[k] for k in ("title", "date_of_birth", "phone", "address_line_1", "town", "postcode")}
        customer_update(customer=customer, data=data, by=None, channel="system")

    # --- county scale ------------------------------------------------------------------

    def _seed_scale(self, *, target: int, rng: np.random.Generator, batch_size: int) -> None:
        have = Customer.objects.count()
        to_create = max(0, target - have)
        if not to_create:
            self.stdout.write(f"Already {have:,} customers (wanted {target:,}): nothing to add")
            return
        self.stdout.write(f"Adding {to_create:,} customers (to {target:,}) in batches of {batch_size:,}...")
        generator = PeopleGenerator(rng=rng)
        started = time.perf_counter()
        inserted = customer_bulk_create(
            rows=generator.rows(to_create, start=have, email_domains=("example.com", "example.org"),
                                chunk=batch_size),
            by=None, batch_size=batch_size,
        )
        elapsed = max(time.perf_counter() - started, 1e-9)
        self.stdout.write(
            f"Inserted {inserted:,} customers in {elapsed:.1f}s: {inserted / elapsed:,.0f} rows/s "
            f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )


class PeopleGenerator:
    """Realistic fictional residents, generated in vectorised chunks.

    Each person is placed near a postcode centroid (weighted by rough
    household share), given a postcode in that sector or district, and gets
    the division that contains their point, found with the same polygons as
    every other lookup. Names come from Faker's en_GB lists, weighted.
    """

    def __init__(self, *, rng: np.random.Generator):
        from faker.providers.person.en_GB import Provider as Names

        self.rng = rng
        self.boundary_set = BoundarySet.objects.filter(is_current=True).first()
        if self.boundary_set is None:
            raise CommandError("There is no current boundary set; run seed_demo without --customers first.")
        entries = list(PostcodeCentroid.objects.filter(kind__in=["district", "sector"], weight__gt=0)
                       .values_list("postcode", "kind", "latitude", "longitude", "weight", "post_town"))
        if not entries:
            raise CommandError("There are no postcode centroids; run manage.py load_postcodes first.")
        self.codes = [e[0] for e in entries]
        self.kinds = np.array([e[1] == "sector" for e in entries])
        self.lat = np.array([e[2] for e in entries])
        self.lon = np.array([e[3] for e in entries])
        weights = np.array([e[4] for e in entries], dtype=float)
        self.p = weights / weights.sum()
        self.towns = [e[5] or "Oxford" for e in entries]
        self.female = list(Names.first_names_female)
        self.male = list(Names.first_names_male)
        last = Names.last_names
        self.last = list(last)
        last_weights = np.array(list(last.values()), dtype=float) if isinstance(last, dict) else np.ones(len(last))
        self.last_p = last_weights / last_weights.sum()

    def rows(self, n: int, *, start: int, email_domains: tuple[str, ...], drama_phones: bool = False,
             chunk: int = 5000) -> Iterator[dict]:
        """n people as Customer field dicts; `start` keeps emails and phone numbers unique across runs."""
        done = 0
        while done < n:
            size = min(chunk, n - done)
            yield from self._chunk(size, start + done, email_domains, drama_phones)
            done += size

    def _points(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int | None]]:
        rng = self.rng
        pick = rng.choice(len(self.codes), size=size, p=self.p)
        spread = np.where(self.kinds[pick], 0.006, 0.02)  # sectors are small; districts wider
        lat = self.lat[pick] + rng.normal(0, 1, size) * spread
        lon = self.lon[pick] + rng.normal(0, 1, size) * spread * 1.6  # a degree of longitude is shorter
        divisions = division_ids_for_points(list(zip(lat, lon)), boundary_set=self.boundary_set)
        # Anyone scattered outside the county moves to their postcode's centre (always inside).
        for i, division in enumerate(divisions):
            if division is None:
                lat[i], lon[i] = self.lat[pick[i]], self.lon[pick[i]]
        missing = [i for i, d in enumerate(divisions) if d is None]
        if missing:
            fixed = division_ids_for_points([(lat[i], lon[i]) for i in missing], boundary_set=self.boundary_set)
            for i, d in zip(missing, fixed):
                divisions[i] = d
        return pick, lat, lon, divisions

    def _chunk(self, size: int, offset: int, email_domains: tuple[str, ...], drama_phones: bool) -> Iterator[dict]:
        rng = self.rng
        pick, lat, lon, divisions = self._points(size)
        is_female = rng.random(size) < 0.51
        first_f = rng.integers(0, len(self.female), size)
        first_m = rng.integers(0, len(self.male), size)
        last = rng.choice(len(self.last), size=size, p=self.last_p)
        ages = np.clip(rng.normal(48, 18, size), 18, 99)
        dob_days = (ages * 365.25).astype(int) + rng.integers(0, 365, size)
        house = rng.integers(1, 140, size)
        street = rng.integers(0, len(_STREETS), size)
        digit = rng.integers(0, 10, size)
        letters = rng.integers(0, len(_UNIT_LETTERS), (size, 2))
        mobile = rng.random(size) < 0.85
        channel = rng.random(size)
        title_roll = rng.random(size)
        today = dt.date.today()
        for i in range(size):
            index = offset + i
            first = self.female[first_f[i]] if is_female[i] else self.male[first_m[i]]
            surname = self.last[last[i]]
            code = self.codes[pick[i]]
            outward = code.split(" ")[0]
            sector_digit = code.split(" ")[1] if self.kinds[pick[i]] else str(digit[i])
            postcode = f"{outward} {sector_digit}{_UNIT_LETTERS[letters[i, 0]]}{_UNIT_LETTERS[letters[i, 1]]}"
            if drama_phones:  # Ofcom's ranges for fiction: never a real person's number
                phone = f"+447700900{index % 1000:03d}" if mobile[i] else f"+441632960{index % 1000:03d}"
            elif mobile[i]:
                phone = f"+4477{(index * 7919 + 1234567) % 10**8:08d}"
            else:
                phone = f"+441865{(index * 7919 + 4321) % 10**6:06d}"
            local = "".join(ch for ch in f"{first}.{surname}".lower() if ch.isalnum() or ch == ".")
            if channel[i] < 0.2 and mobile[i]:
                preferred = "sms"
            elif channel[i] > 0.92:
                preferred = "post"
            else:
                preferred = "email"
            if title_roll[i] < 0.3:
                title = ""
            elif title_roll[i] < 0.33:
                title = "Dr"
            else:
                title = ("Ms" if title_roll[i] < 0.6 else "Mrs") if is_female[i] else "Mr"
            yield {
                "title": title,
                "first_name": first,
                "last_name": surname,
                "date_of_birth": today - dt.timedelta(days=int(dob_days[i])),
                "email": f"{local}.{index}@{email_domains[index % len(email_domains)]}",
                "phone": phone,
                "address_line_1": f"{house[i]} {_STREETS[street[i]]}",
                "town": self.towns[pick[i]],
                "postcode": postcode,
                "latitude": round(float(lat[i]), 6),
                "longitude": round(float(lon[i]), 6),
                "division_id": divisions[i],
                "preferred_channel": preferred,
            }
