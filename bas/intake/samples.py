"""Fictional files for the declared datasets: the demo's, the tests' and the benchmark's.

Names, pupil numbers and postcodes are made up (UPNs carry a valid check letter but use a
local authority number no council has, 999); schools are invented, with six-digit URNs
starting 99 so none is a real school's.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random

from .datasets import PRIMARY_NEEDS, dataset, upn_with_check_letter

FORENAMES = ["Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Freya", "Arthur", "Maya", "Finley", "Zara",
             "Theo", "Poppy", "Reuben", "Aisha", "Jacob", "Ruby", "Kai", "Evie", "Hamza", "Nia", "Elliot"]
SURNAMES = ["Ashdown", "Brightwell", "Cowley", "Dorchester", "Eynsham", "Fairford", "Garsington", "Headington",
            "Islip", "Kidlington", "Launton", "Marston", "Nettlebed", "Otmoor", "Piddington", "Quarry",
            "Radley", "Sandford", "Thame", "Upton", "Wolvercote", "Yarnton"]
POSTCODES = ["OX1 4AR", "OX2 6GG", "OX3 9DU", "OX4 1XA", "OX5 1AJ", "OX7 5BA", "OX10 0AB", "OX11 7HJ",
             "OX14 3DB", "OX16 5QT", "OX18 4LZ", "OX20 1SB", "OX26 6HW", "OX28 4GE", "OX29 7PQ", "OX44 7SG"]
SCHOOLS = [("991201", "Cherwell Vale Primary"), ("991207", "Isis Meadow Academy"), ("991315", "Thames Reach School"),
           ("991402", "Chiltern Edge Special School"), ("991518", "Windrush Valley College"),
           ("991633", "Ock Meadow Primary")]
OPERATORS = ["Vale Community Travel Ltd", "Shires Minibus Co-operative", "Banbury Cabs & Couriers",
             "Cotswold Coaches (fictional) Ltd", "Abingdon Access Transport"]
SEN_HEADER = ["upn", "forename", "surname", "date_of_birth", "school_urn", "year_group", "sen_provision",
              "primary_need", "ehc_plan_issued_on", "postcode"]
ROUTE_HEADER = ["route_code", "school_urn", "school_name", "operator", "vehicle_type", "seats", "pupils",
                "passenger_assistant", "morning_pickup", "daily_cost", "contract_ends_on"]


def sen_rows(count: int, *, seed: int = 13, today: dt.date | None = None) -> list[list[str]]:
    rng = random.Random(seed)
    today = today or dt.date.today()
    needs = list(PRIMARY_NEEDS)
    rows = []
    for n in range(count):
        year = rng.randint(1, 13)
        born = dt.date(today.year - year - 5, 9, 1) + dt.timedelta(days=rng.randint(0, 364))
        plan = rng.random() < 0.3
        issued = (born + dt.timedelta(days=365 * 4 + rng.randint(0, 900))) if plan else None
        if issued and (issued > today or issued < dt.date(2014, 9, 1)):
            issued = today - dt.timedelta(days=rng.randint(30, 900))
        rows.append([
            upn_with_check_letter(f"999{today.year % 100:02d}{n:07d}"), rng.choice(FORENAMES), rng.choice(SURNAMES),
            born.strftime("%d/%m/%Y"), rng.choice(SCHOOLS)[0], str(year), "E" if plan else "K",
            rng.choice(needs), issued.strftime("%d/%m/%Y") if issued else "", rng.choice(POSTCODES),
        ])
    return rows


def route_rows(count: int, *, seed: int = 14, today: dt.date | None = None) -> list[list[str]]:
    rng = random.Random(seed)
    today = today or dt.date.today()
    rows = []
    for n in range(count):
        vehicle, seats = rng.choice([("taxi", 4), ("mpv", 7), ("minibus", 16), ("coach", 49), ("wav", 6)])
        urn, school = rng.choice(SCHOOLS)
        rows.append([
            f"HTS-{n + 101:04d}", urn, school, rng.choice(OPERATORS), vehicle, str(seats),
            str(rng.randint(1, seats)), rng.choice(["yes", "no"]), f"0{rng.randint(7, 8)}:{rng.choice(['05', '20', '35', '50'])}",
            f"{rng.randint(45, 420)}.{rng.choice(['00', '50', '75'])}",
            (today + dt.timedelta(days=rng.randint(60, 1100))).isoformat(),
        ])
    return rows


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def sen_csv(count: int = 40, **kwargs) -> bytes:
    return to_csv(SEN_HEADER, sen_rows(count, **kwargs))


def sen_csv_with_errors(count: int = 40, **kwargs) -> bytes:
    """The SEN file with the mistakes people make: a mistyped UPN, a formula, an impossible date,
    an unknown need code, a missing EHC plan date and a pupil listed twice."""
    rows = sen_rows(count, **kwargs)
    rows[2][0] = rows[2][0][:-1] + ("0" if rows[2][0][-1] != "0" else "1")  # check letter no longer fits
    rows[5][2] = '=HYPERLINK("http://example.com/x","Click")'
    rows[8][3] = "31/02/2015"
    rows[11][7] = "ADHD"
    rows[14][6], rows[14][8] = "E", ""
    rows[17][0] = rows[16][0]
    return to_csv(SEN_HEADER, rows)


def routes_csv(count: int = 24, **kwargs) -> bytes:
    return to_csv(ROUTE_HEADER, route_rows(count, **kwargs))


def demo_file_rows(code: str) -> int:
    return {"sen_pupils": 40, "transport_routes": 24}[dataset(code).code]
