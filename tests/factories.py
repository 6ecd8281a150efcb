"""Factories shared by every test module (and by seed_demo's small demo set)."""
from __future__ import annotations

import datetime as dt

import factory
from django.utils.text import slugify

from oxtom.accounts.models import Team, TeamMembership, User
from oxtom.customers.models import Customer
from oxtom.places.models import BoundarySet, Division, Locality

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    roles = factory.LazyFunction(lambda: ["resident"])
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Mark the email verified so allauth lets the user sign in."""
        if not create:
            return
        obj.save()
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=obj, email=obj.email, defaults={"verified": extracted is not False, "primary": True}
        )


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory, roles=["officer"])
    is_leader = False


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"District {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    ons_code = factory.Sequence(lambda n: f"E07{n:06d}")


class BoundarySetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoundarySet
        django_get_or_create = ("slug",)

    name = "Oxfordshire divisions 2025"
    slug = "oxfordshire-2025"
    in_force_from = dt.date(2025, 5, 1)
    is_current = True


def square(lat: float, lon: float, half: float = 0.01) -> dict:
    """A small square polygon (GeoJSON) centred on a point, for test divisions."""
    ring = [
        [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
        [lon - half, lat + half], [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division

    class Params:
        centre = (51.75, -1.25)

    boundary_set = factory.SubFactory(BoundarySetFactory)
    name = factory.Sequence(lambda n: f"Division {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    ons_code = factory.Sequence(lambda n: f"E58{n:06d}")
    locality = factory.SubFactory(LocalityFactory)
    geometry = factory.LazyAttribute(lambda o: square(*o.centre))
    min_lat = factory.LazyAttribute(lambda o: o.centre[0] - 0.01)
    max_lat = factory.LazyAttribute(lambda o: o.centre[0] + 0.01)
    min_lon = factory.LazyAttribute(lambda o: o.centre[1] - 0.01)
    max_lon = factory.LazyAttribute(lambda o: o.centre[1] + 0.01)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    reference = factory.Sequence(lambda n: f"C{n:08d}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.Sequence(lambda n: f"customer{n}@example.org")
    phone = factory.Sequence(lambda n: f"+4477009{n % 100000:05d}")
    address_line_1 = factory.Faker("street_address", locale="en_GB")
    town = "Oxford"
    postcode = "OX1 1AA"
    division = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Search keys are derived by the customers service, as they are in production.
        from oxtom.customers.services import set_search_keys

        obj = model_class(*args, **kwargs)
        set_search_keys(obj)
        obj.save()
        return obj
