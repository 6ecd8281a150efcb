"""The parking permit start page charges what the decision charges (issue 10, item 9).

The fees come from the service's zones, the data the rules decide by: the
resident's own zone when their address is in one, else a table of every zone.
"""
from __future__ import annotations

import pytest

from applications.models import ApplicationService

from .test_apply_support import PERMIT_OK, add_evidence, answer_questions

pytestmark = pytest.mark.django_db


def start_page(client) -> str:
    response = client.get("/apply/parking-permit/")
    assert response.status_code == 200
    return response.content.decode()


def live_in(user, line: str, postcode: str) -> None:
    customer = user.customer
    customer.address_line_1, customer.postcode = line, postcode
    customer.save(update_fields=["address_line_1", "postcode"])


def test_signed_out_the_start_page_shows_every_zones_charges(client):
    html = start_page(client)
    assert "£65.00 for your household" not in html
    assert 'id="fees"' in html
    for zone, prices in (("Zone A: Oxford city centre", ["£65.00", "£130.00", "Not available"]),
                         ("Zone B: East Oxford", ["£55.00", "£90.00", "£140.00"]),
                         ("Zone C: Banbury town", ["£45.00", "£75.00", "£120.00"])):
        row = html.split(zone, 1)[1].split("</tr>", 1)[0]
        assert [cell.split("</td>")[0] for cell in row.split('numeric">')[1:]] == prices


def test_a_zone_b_resident_sees_zone_b_charges_and_pays_them(client, resident_a):
    live_in(resident_a, "12 Cowley Road", "OX4 1HP")
    client.force_login(resident_a)
    html = start_page(client)
    assert "Your address is in Zone B: East Oxford." in html
    assert "Your household’s first permit costs £55.00, a second £90.00 and a third £140.00." in html
    assert "£65.00" not in html and 'id="fees"' not in html
    # Check answers charges the same, from the same data.
    answers = {**PERMIT_OK, "address_line_1": "12 Cowley Road", "postcode": "OX4 1HP"}
    response = answer_questions(client, "parking-permit", answers)
    assert response["Location"].endswith("/evidence/")
    add_evidence(client, "parking-permit", None)
    assert "it costs <strong>£55.00</strong>" in client.get("/apply/parking-permit/check/").content.decode()


def test_a_resident_outside_every_zone_sees_the_table_and_is_told(client, resident_a):
    live_in(resident_a, "1 Woodstock Road", "OX2 7AS")
    client.force_login(resident_a)
    html = start_page(client)
    assert 'id="fees"' in html and 'id="outside-zones"' in html


def test_the_start_page_reads_the_charges_from_the_config(client, resident_a):
    service = ApplicationService.objects.get(code="parking-permit")
    config = service.config
    config["zones"][1]["charges_pence"] = [4200, 8400]
    service.config = config
    service.save(update_fields=["config"])
    live_in(resident_a, "12 Cowley Road", "OX4 1HP")
    client.force_login(resident_a)
    html = start_page(client)
    assert "first permit costs £42.00, a second £84.00 and a third £84.00." in html


def test_the_start_page_costs_a_fixed_number_of_queries(client, resident_a, django_assert_max_num_queries):
    live_in(resident_a, "12 Cowley Road", "OX4 1HP")
    client.force_login(resident_a)
    start_page(client)
    with django_assert_max_num_queries(8):
        start_page(client)


def test_services_without_zones_keep_their_single_fee(client):
    assert "£10.00" in client.get("/apply/blue-badge/").content.decode()
    assert "It is free." in client.get("/apply/bus-pass/").content.decode()
