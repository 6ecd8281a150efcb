"""The embedded demo's partner systems, with published keys (seed_demo runs only with DEBUG on).

    curl -H "Authorization: Bearer oxt_demo-enforcement-handhelds-0000000000" \\
         "http://127.0.0.1:8000/api/v1/entitlements/check/?registration=AB12CDE&zone=B"
"""
from __future__ import annotations

from oxtom.accounts.models import Team

from .models import ApiClient, Scope

DEMO_CLIENTS = (
    # name, scopes, team slug, key
    ("enforcement-handhelds", [Scope.ENTITLEMENTS_CHECK], "", "oxt_demo-enforcement-handhelds-0000000000"),
    ("highways-contractor", [Scope.CASES_READ, Scope.CASES_UPDATE], "highways-north",
     "oxt_demo-highways-contractor-00000000000"),
    ("contact-centre-telephony", [Scope.CUSTOMERS_LOOKUP], "", "oxt_demo-contact-centre-telephony-000000"),
)


def seed_demo_api_clients() -> int:
    """Create whichever demo clients are missing; returns how many were made."""
    from .services import api_client_create

    made = 0
    present = set(ApiClient.objects.filter(name__in=[c[0] for c in DEMO_CLIENTS]).values_list("name", flat=True))
    for name, scopes, team_slug, key in DEMO_CLIENTS:
        if name in present:  # one query when the demo is already there (make run seeds on every start)
            continue
        team = Team.objects.filter(slug=team_slug).first() if team_slug else None
        if team_slug and team is None:
            continue
        api_client_create(name=name, scopes=scopes, team=team, by=None, demo_key=key,
                          description="Demo partner system (published key)")
        made += 1
    return made


def api_clients_step(context) -> int:
    """Demo step (oxtom/core/demo.py): the partner systems and their published keys."""
    return seed_demo_api_clients()


def demo_listing(base: str) -> list[str]:
    """For manage.py demo_signins: the demo's partner systems and their published API keys."""
    from urllib.parse import urljoin

    from .models import ApiClient

    live = set(ApiClient.objects.filter(is_active=True).values_list("name", flat=True))
    rows = [(n, ", ".join(scopes), key) for n, scopes, _team, key in DEMO_CLIENTS if n in live]
    if not rows:
        return []
    return (["API partner systems (docs at " + urljoin(base, "api/v1/docs/") + "):"]
            + [f"  {name:<26}  {scopes:<26}  Authorization: Bearer {key}" for name, scopes, key in rows])
