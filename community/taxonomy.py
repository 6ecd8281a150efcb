"""The directory's needs taxonomy: who a service is for. Seeded by migration 0002, then data.

Each term may name the Customer.interests code it answers to, so a
resident's profile interests feed "For you" as well as the needs they add.
"""
from __future__ import annotations

TAXONOMY = {"slug": "oxtom-needs", "name": "Community support needs",
            "description": "Who a community service is for and what it helps with, used across Oxfordshire's "
                           "community directory.", "version": "1"}

TERMS = [
    # code, name, description, interest code
    ("older-people", "Older people", "Support and activities for people in later life", "social_care"),
    ("carers", "Carers", "Help for people who look after a relative or friend", "social_care"),
    ("dementia", "Dementia", "Support for people living with dementia and those who care for them", "social_care"),
    ("loneliness", "Loneliness and social connection", "Groups for meeting people and staying connected", ""),
    ("early-years", "Early years", "Babies and children under 5 and their parents", "children"),
    ("children-families", "Children and families", "Activities and support for children and families", "children"),
    ("young-people", "Young people", "Clubs and support for people aged 11 to 25", "children"),
    ("mental-health", "Mental health and wellbeing", "Peer support, talking groups and wellbeing activities", ""),
    ("disability", "Disability", "Support and activities for disabled people", "social_care"),
    ("digital-skills", "Digital skills", "Help getting online and using computers and phones", "libraries"),
    ("reading-learning", "Reading and learning", "Reading groups, classes and learning for all ages", "libraries"),
    ("volunteering", "Volunteering", "Ways to give time and help in your community", "jobs"),
    ("money-advice", "Money and benefits advice", "Help with money worries, debt and benefits", ""),
    ("physical-activity", "Being active", "Walks, exercise and sport for all abilities", "environment"),
    ("food", "Food support", "Community larders, lunch clubs and food banks", ""),
]


def seed_taxonomy(taxonomy_model, term_model) -> int:
    """Create what is missing; never change words someone has edited since."""
    tax, _ = taxonomy_model.objects.get_or_create(slug=TAXONOMY["slug"], defaults={
        k: v for k, v in TAXONOMY.items() if k != "slug"})
    made = 0
    for code, name, description, interest in TERMS:
        _, created = term_model.objects.get_or_create(code=code, defaults={
            "taxonomy": tax, "name": name, "description": description, "interest_code": interest})
        made += created
    return made
