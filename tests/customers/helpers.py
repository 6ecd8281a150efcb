"""Customer test data made the way the services make it (search keys filled)."""
from __future__ import annotations

from typing import Any

from oxtom.customers.models import Customer
from oxtom.customers.services import customer_bulk_create

_counter = {"n": 0}


def make_customer(**fields: Any) -> Customer:
    """One live customer with search keys filled, through customer_bulk_create (no audit noise)."""
    _counter["n"] += 1
    n = _counter["n"]
    values = {
        "first_name": "Test", "last_name": "Person", "email": f"person{n}@example.org",
        "phone": f"+4477009{n % 1000:05d}" if "phone" not in fields else fields["phone"],
        "postcode": "OX1 1DS",
    }
    values.update(fields)
    customer_bulk_create(rows=[values])
    return Customer.objects.order_by("-pk").first()
