"""Demo data for Open311: a client system's key and one request it filed, so an officer can see
a case history that says which client sent it ("by fixmystreet-demo (Open311 client)")."""
from __future__ import annotations

DEMO_CLIENT = "fixmystreet-demo"
# Banbury, by the cross: inside the county and the demo's boundaries.
DEMO_POINT = (52.0607, -1.3398)


def seed_demo_open311() -> int:
    """Once: the demo client's key and a pothole it reported for a member of the public. Returns 1 or 0."""
    from .models import Open311Key
    from .open311 import Open311Error, open311_request_create
    from .open311_keys import open311_key_create

    if Open311Key.objects.filter(name=DEMO_CLIENT).exists():
        return 0
    key, _secret = open311_key_create(name=DEMO_CLIENT, by=None)
    data = {"service_code": "pothole", "lat": str(DEMO_POINT[0]), "long": str(DEMO_POINT[1]),
            "attribute[depth_mm]": "60", "attribute[width_mm]": "350", "attribute[position]": "road",
            "description": "Pothole in the bus lane, reported through FixMyStreet",
            "email": "pat.open311@example.org", "first_name": "Pat", "last_name": "Reporter"}
    try:
        open311_request_create(key=key, data=data)
    except Open311Error:  # the demo's catalogue or boundaries changed: the key alone still shows the client
        return 0
    return 1
