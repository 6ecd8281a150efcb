"""Open Referral UK 3.0 documents built from the directory (no personal data: services, places, times, terms).

Shapes follow data/standards/open-referral-uk-3.0/schema/compiled/: a
list item is the service's one-to-one fields; /services/{id} adds its
child arrays. Ids are the records' UUIDs. Optional values we do not hold
are left out rather than sent as null, which the schemas do not allow.
"""
from __future__ import annotations

import uuid
from typing import Any

from .models import Location, Organisation, Schedule, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm

VERSION = "3.0"
PROFILE = "https://openreferraluk.org/"
# The API description this feed follows (the UK profile's own openapi.json).
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/openapi.json"


def child_id(parent: uuid.UUID, what: str) -> str:
    """A stable UUID for a row we derive (an address, a term link), unique per parent and kind."""
    return str(uuid.uuid5(parent, what))


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, "")}


def organisation_doc(org: Organisation) -> dict[str, Any]:
    return _clean({"id": str(org.uuid), "name": org.name, "description": org.description, "email": org.email,
                   "website": org.website})


def taxonomy_doc(tax: Taxonomy) -> dict[str, Any]:
    return _clean({"id": str(tax.uuid), "name": tax.name, "description": tax.description, "uri": tax.uri,
                   "version": tax.version})


def term_doc(term: TaxonomyTerm, *, taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    taxonomy = taxonomy or term.taxonomy
    return _clean({"id": str(term.uuid), "name": term.name, "description": term.description,                    "term": term.code, "taxonomy": taxonomy.name, "taxonomy_id": str(taxonomy.uuid),
                   "parent_id": str(term.parent.uuid) if term.parent_id and term.parent else None})


def service_list_doc(service: Service) -> dict[str, Any]:
    return _clean({
        "id": str(service.uuid), "organization_id": str(service.organisation.uuid), "name": service.name,
        "description": service.description, "url": service.url, "email": service.email, "status": service.status,
        "fees": "Free" if service.is_free and not service.fees else service.fees,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age,
        "assured_date": service.confirmed_at.date().isoformat(),
        "last_modified": service.modified_at.isoformat(),
        "organization": organisation_doc(service.organisation),
    })


def location_doc(loc: Location) -> dict[str, Any]:
    return _clean({
        "id": str(loc.uuid), "location_type": "physical", "name": loc.name, "description": loc.description,
        "latitude": loc.latitude, "longitude": loc.longitude,
        "addresses": [{"id": child_id(loc.uuid, "address"), "location_id": str(loc.uuid), "address_1": loc.address_1,
                       "city": loc.city, "state_province": "Oxfordshire", "postal_code": loc.postcode,
                       "country": "GB", "address_type": "physical"}],
        "accessibility": [{"id": child_id(loc.uuid, "accessibility"), "location_id": str(loc.uuid), "description": loc.accessibility}]
        if loc.accessibility else None,
    })


def schedule_doc(s: Schedule, service: Service) -> dict[str, Any]:
    return {"id": str(s.uuid), "service_id": str(service.uuid), "freq": "WEEKLY", "interval": 1, "byday": s.byday,
            "opens_at": s.opens_at.strftime("%H:%M"), "closes_at": s.closes_at.strftime("%H:%M"),
            "description": f"{Schedule.DAY_NAMES[s.weekday]} {s.opens_at:%H:%M} to {s.closes_at:%H:%M}"}


def service_full_doc(service: Service, links: list[ServiceAtLocation]) -> dict[str, Any]:
    doc = service_list_doc(service)
    doc["schedules"] = [schedule_doc(s, service) for s in service.schedules.all()]
    doc["service_at_locations"] = [{"id": str(sal.uuid), "service_id": str(service.uuid),
                                    "location_id": str(sal.location.uuid), "location": location_doc(sal.location)}
                                   for sal in links]
    doc["attributes"] = [{"id": child_id(service.uuid, f"term:{t.code}"),
                          "link_id": str(service.uuid), "link_type": "service", "taxonomy_term_id": str(t.uuid),
                          "taxonomy_term": term_doc(t)} for t in service.terms.all()]
    doc["cost_options"] = [] if service.is_free or not service.fees else [
        {"id": child_id(service.uuid, "cost"), "service_id": str(service.uuid), "amount_description": service.fees}]
    doc["contacts"] = []
    doc["languages"] = []
    doc["funding"] = []
    doc["service_areas"] = []
    return doc


def sal_list_doc(sal: ServiceAtLocation) -> dict[str, Any]:
    return {"id": str(sal.uuid), "service_id": str(sal.service.uuid), "location_id": str(sal.location.uuid),
            "service": service_list_doc(sal.service), "location": location_doc(sal.location)}
