"""The pool search reads a bounded set (people.models.PoolMatch for profiles, the skill index for skills) and
ranks exactly as the first version did: that version is kept here as the reference and compared on a random
pool, after the writes that change what the ranking reads (skills, consent, appointable, withdrawal, expiry)."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from people import pool_index, selectors, services
from people.models import Candidate, CandidateSkill, PoolMatch, RoleProfile

pytestmark = pytest.mark.django_db

SKILLS = ["customer service", "telephone", "case management", "empathy", "administration", "safeguarding",
          "report writing", "driving licence", "sql", "welding"]


def reference_search(*, profile=None, skills=None, appointable_only=False, limit=50):
    """The first pool_search, verbatim in what it returns: counts skills for every match before the LIMIT."""
    today = timezone.localdate()
    qs = Candidate.objects.filter(in_pool=True, pool_consent_until__gte=today)
    if appointable_only:
        qs = qs.filter(appointable=True)
    wanted = [services.normalise_skill(s) for s in (skills or []) if services.normalise_skill(s)][:10]
    if profile is not None:
        profile_skills = [services.normalise_skill(s) for s in profile.essential_skills or []]
        has = Exists(CandidateSkill.objects.filter(candidate=OuterRef("pk"), skill__in=profile_skills))
        qs = qs.filter(Q(appointable_for=profile) | has)
        wanted = wanted or profile_skills
    if wanted:
        if skills:
            qs = qs.filter(Exists(CandidateSkill.objects.filter(candidate=OuterRef("pk"), skill__in=wanted)))
        qs = qs.annotate(matched=Count("skill_rows", filter=Q(skill_rows__skill__in=wanted)))
        order = ["-appointable", "-matched", "name", "id"]
    else:
        order = ["-appointable", "name", "id"]
    return [c.pk for c in qs.order_by(*order)[:limit]]


@pytest.fixture
def profiles(db):
    made = []
    for title, skills in [("Adviser", ["customer service", "telephone", "empathy"]),
                          ("Caseworker", ["case management", "safeguarding", "report writing", "Telephone"]),
                          ("Empty", [])]:
        made.append(RoleProfile.objects.create(title=title, grade="Grade 5", directorate="Test",
                                               essential_skills=skills))
    return made


@pytest.fixture
def pool(profiles):
    rng = random.Random(14)
    today = timezone.localdate()
    names = ["Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal"]  # repeated names: the id breaks the tie
    for i in range(160):
        appointable = i % 4 == 0
        candidate = Candidate.objects.create(
            name=f"{rng.choice(names)} {rng.choice(names)}", email=f"c{i}@example.net", in_pool=i % 13 != 0,
            pool_consent_until=today + dt.timedelta(days=rng.randint(-20, 200)) if i % 17 else None,
            appointable=appointable, appointable_for=rng.choice(profiles) if appointable else None)
        services._set_skills(candidate, rng.sample(SKILLS, rng.randint(0, 5)))
    return profiles


SEARCHES = [dict(profile_index=0), dict(profile_index=1), dict(profile_index=2),
            dict(profile_index=0, appointable_only=True), dict(profile_index=1, appointable_only=True),
            dict(skills=["telephone"]), dict(skills=["Safeguarding ", "report writing", "sql"]),
            dict(skills=["telephone"], appointable_only=True), dict(profile_index=0, skills=["sql", "welding"]),
            dict(profile_index=2, skills=["telephone"]), dict(skills=["  "]), dict(),
            dict(appointable_only=True), dict(skills=["nobody has this"]), dict(profile_index=0, limit=7),
            dict(skills=["telephone", "empathy"], limit=5)]


def _both(tom, profiles, search):
    search = dict(search)
    if "profile_index" in search:
        search["profile"] = profiles[search.pop("profile_index")]
    new = [c.pk for c in selectors.pool_search(tom, **search)]
    return new, reference_search(**search)


def test_every_search_ranks_as_the_first_version_did(tom, pool):
    for search in SEARCHES:
        new, old = _both(tom, pool, search)
        assert new == old, search
    assert any(len(_both(tom, pool, s)[0]) == 50 for s in SEARCHES)  # the limit is reached somewhere


def test_the_ranking_follows_every_write_that_changes_it(tom, jane, pool):
    candidates = list(Candidate.objects.filter(in_pool=True).order_by("id")[:30])
    services._set_skills(candidates[0], ["customer service", "telephone", "empathy"])  # now a full match
    services.pool_withdraw(candidate_id=candidates[1].pk)
    Candidate.objects.filter(pk=candidates[2].pk).update(pool_consent_until=timezone.localdate() - dt.timedelta(days=1))
    services.pool_expire()
    pool[0].essential_skills = ["sql", "welding"]
    pool[0].save()
    pool_index.rebuild([pool[0].pk])
    for search in SEARCHES:
        new, old = _both(tom, pool, search)
        assert new == old, search
    assert not PoolMatch.objects.filter(candidate_id__in=[candidates[1].pk, candidates[2].pk]).exists()


def test_a_full_rebuild_writes_what_the_writes_kept(pool):
    kept = sorted(PoolMatch.objects.values_list("profile_id", "candidate_id", "appointable", "matched", "name",
                                                "pool_until"))
    assert kept
    PoolMatch.objects.all().delete()
    assert pool_index.rebuild() == len(kept)
    assert sorted(PoolMatch.objects.values_list("profile_id", "candidate_id", "appointable", "matched", "name",
                                                "pool_until")) == kept


def test_a_profile_search_is_one_query_however_big_the_pool(tom, pool, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.pool_search(tom, profile=pool[0])
    with django_assert_num_queries(2):  # the ranked ids from the skill index, then those candidates
        selectors.pool_search(tom, skills=["telephone"])
