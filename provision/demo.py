"""Demo provision data: suppliers, contracts at every point of their runway, an extension waiting for
approval, a year of spend imported through the real import (with off-contract and split orders), and the
runway alerts those contracts earn. Idempotent: nothing is added once the demo suppliers exist.

Everyone and every organisation here is fictional.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import imports, rules, services
from .models import (
    ApprovalRole, Approver, Category, Contract, DelegationBand, ProcurementRoute, SpendKind, Supplier,
)

# (finance id, name, postcode, Companies House, charity, SME, VCSE, sole trader)
SUPPLIERS = (
    ("S1001", "Brightclean Facilities Ltd", "OX4 2JY", "09876543", "", True, False, False),
    ("S1002", "Cherwell Care Partnership", "OX16 5QB", "", "1123456", False, True, False),
    ("S1003", "Thames Valley Highways plc", "RG1 8DB", "01234567", "", False, False, False),
    ("S1004", "Vale Community Transport", "OX14 3JD", "", "1098765", True, True, False),
    ("S1005", "Northgate Digital Services Ltd", "M1 4BT", "07654321", "", False, False, False),
    ("S1006", "J. Example Plumbing", "OX28 6AB", "", "", True, False, True),
    ("S1007", "Oxford Print and Post Ltd", "OX2 6HT", "08765432", "", True, False, False),
    ("S1008", "Brightclean Facilities Limited", "OX4 2JY", "09876543", "", True, False, False),  # a duplicate
    ("S1009", "Greenway Waste Solutions Ltd", "OX29 4AA", "06543210", "", False, False, False),
    ("S1010", "Riverside Catering Co", "OX1 1AA", "05432109", "", True, False, False),
    # Small firms in east Oxford: enough suppliers in one division for its spend figure to be shown
    # (a division figure resting on fewer than 5 suppliers is suppressed on the public pages).
    ("S1011", "Cowley Road Electrical Ltd", "OX4 2AB", "04321098", "", True, False, False),
    ("S1012", "East Oxford Community Meals", "OX4 2DE", "", "1087654", True, True, False),
    ("S1013", "Iffley Fields Grounds Maintenance Ltd", "OX4 2FG", "03210987", "", True, False, False),
    ("S1014", "Temple Cowley Locksmiths Ltd", "OX4 2HJ", "02109876", "", True, False, False),
    ("S1015", "Divinity Road Translation Co-operative", "OX4 2LN", "", "1076543", True, True, False),
)
DIRECTORATES = ("Adult Social Care", "Children's Services", "Environment and Highways", "Resources")


def _supplier(finance_id: str) -> Supplier:
    return Supplier.objects.get(finance_id=finance_id)


@transaction.atomic
def seed_demo_provision(*, officer: Any, approvers: dict[str, Any], contract_manager: Any = None,
                        today: dt.date | None = None) -> int:
    """Everything the provision hub's demo needs; returns the rows it added (0 once seeded)."""
    if officer is None or Supplier.objects.filter(finance_id="S1001").exists():
        return 0
    today = today or timezone.localdate()
    added = 0
    for finance_id, name, postcode, chn, charity, sme, vcse, individual in SUPPLIERS:
        services.supplier_create(
            name=name, email=f"accounts.{finance_id.lower()}@suppliers.example", postcode=postcode, by=officer,
            finance_id=finance_id, companies_house_number=chn, charity_number=charity, is_sme=sme,
            sme_evidence="Fewer than 250 staff (2025 accounts)" if sme else "", is_vcse=vcse,
            vcse_evidence="Registered charity" if vcse else "", is_individual=individual)
        added += 1
    category = {c.slug: c for c in Category.objects.all()}

    def contract(reference, title, cat, supplier_ids, route, value_pounds, start, end, **extra):
        orders = extra.pop("orders", [])
        data = {"reference": reference, "title": title, "description": extra.pop("description", title),
                "category": category[cat], "directorate": extra.pop("directorate", DIRECTORATES[3]),
                "service": extra.pop("service", ""), "route": route, "awarded_value_pence": value_pounds * 100,
                "estimated_annual_value_pence": extra.pop("annual", 0) * 100, "start_date": start, "end_date": end,
                **extra}
        kpis = [("Service delivered on time", "95%"), ("Complaints resolved within 10 days", "90%"),
                ("Customer satisfaction", "85%")] if value_pounds > 5_000_000 else [("Delivered as specified", "98%")]
        return services.contract_create(data=data, suppliers=[_supplier(s) for s in supplier_ids], kpis=kpis,
                                        purchase_orders=orders, by=officer)

    def months(n):
        return rules.add_months(today, n)

    # David's cleaning contract: in its runway (12 months to re-procure and mobilise), two extensions allowed.
    cleaning = contract("OCC-FM-0412", "Office cleaning, county hall and libraries", "property-facilities", ["S1001"],
                        ProcurementRoute.OPEN, 1_800_000, months(-44), months(10), extension_options=2,
                        extension_months=12, max_value_change_percent=30, annual=450_000,
                        cost_centres=["FM100", "LIB200"], directorate=DIRECTORATES[3], service="Facilities",
                        cpv_code="90911200", contract_manager=contract_manager,
                        review_date=today + dt.timedelta(days=21))
    contract("OCC-ASC-0107", "Home care, north of the county", "adult-social-care", ["S1002"],
             ProcurementRoute.COMPETITIVE_FLEXIBLE, 24_000_000, months(-50), months(8), annual=6_000_000,
             directorate=DIRECTORATES[0], service="Home care", cpv_code="85312000")
    contract("OCC-HW-0033", "Highways maintenance term contract", "highways-transport", ["S1003"],
             ProcurementRoute.OPEN, 95_000_000, months(-70), months(26), extension_options=1, extension_months=24,
             max_value_change_percent=10, annual=19_000_000, directorate=DIRECTORATES[2], cpv_code="45233141",
             cost_centres=["HW300"], contract_manager=contract_manager, review_date=today + dt.timedelta(days=45))
    contract("OCC-TR-0219", "Community transport for day centres", "highways-transport", ["S1004"],
             ProcurementRoute.QUOTE, 48_000, months(-23), months(1), directorate=DIRECTORATES[0],
             cpv_code="60130000")
    contract("OCC-ICT-0301", "Case management system support", "ict-digital", ["S1005"], ProcurementRoute.FRAMEWORK,
             2_400_000, months(-36), months(-1), directorate=DIRECTORATES[3], cpv_code="72250000")  # ended, undecided
    contract("OCC-WS-0090", "Household waste recycling centres", "waste-environment", ["S1009"],
             ProcurementRoute.OPEN, 31_000_000, months(-30), months(40), extension_options=2, extension_months=12,
             max_value_change_percent=15, annual=7_500_000, directorate=DIRECTORATES[2], cpv_code="90514000",
             review_date=today + dt.timedelta(days=75))
    contract("OCC-CT-0155", "School meals, west of the county", "education", ["S1010"], ProcurementRoute.OPEN,
             6_500_000, months(-34), months(5), directorate=DIRECTORATES[1], cpv_code="55524000",
             extension_options=1, extension_months=12, max_value_change_percent=20, annual=1_600_000,
             orders=["PO-55510", "PO-55511"], review_date=today + dt.timedelta(days=60))
    contract("OCC-PR-0042", "Printing and post room", "corporate-services", ["S1007"], ProcurementRoute.QUOTE,
             90_000, months(-20), months(16), directorate=DIRECTORATES[3], cpv_code="79800000")
    # Stop smoking: its 12-month runway starts in about two months, so its manager sees the notice coming.
    contract("OCC-PH-0120", "Stop smoking service", "public-health", ["S1002"], ProcurementRoute.OPEN, 750_000,
             months(-22), months(14), extension_options=1, extension_months=12, max_value_change_percent=10,
             annual=250_000, directorate=DIRECTORATES[0], service="Public health", cpv_code="85141000",
             contract_manager=contract_manager)
    added += 9
    # One modification already on record: two more libraries on the cleaning contract, within its 30%.
    services.contract_modify(
        contract=cleaning, title=cleaning.title, description=cleaning.description, end_date=cleaning.end_date,
        review_date=cleaning.review_date, value_pence=cleaning.current_value_pence + 180_000_00,
        reason="Two more libraries (Bicester and Witney) added to the cleaning schedule from January, at the "
               "contract's rates.", expected_version=cleaning.version, by=contract_manager or officer)
    cleaning.refresh_from_db()
    added += 1
    # The delegation matrix: the service director signs small changes; bigger ones go on to the board
    # (a key decision) and then to the delegated authoriser.
    DelegationBand.objects.bulk_create([
        DelegationBand(category=None, from_value_pence=0, steps=[ApprovalRole.SERVICE_DIRECTOR]),
        DelegationBand(category=None, from_value_pence=500_000_00,
                       steps=[ApprovalRole.SERVICE_DIRECTOR, ApprovalRole.AUTHORISER]),
        DelegationBand(category=None, from_value_pence=1_000_000_00,
                       steps=[ApprovalRole.SERVICE_DIRECTOR, ApprovalRole.BOARD, ApprovalRole.AUTHORISER]),
    ])
    for role, user in approvers.items():
        if user is not None:
            Approver.objects.get_or_create(role=role, user=user, category=None)
    # The school meals contract's extension is waiting for its first signature.
    meals = Contract.objects.get(reference="OCC-CT-0155")
    services.extension_request(contract=meals, new_value_pence=meals.current_value_pence + 1_200_000_00,
                               reason="A re-tender now would land in the school summer term; one year's extension "
                                      "keeps meals running while the new specification is agreed.",
                               expected_version=meals.version, by=officer)
    if contract_manager is not None:
        # The cleaning contract's manager reviewed the last half year: the libraries need to improve.
        kpi = cleaning.kpis.first()
        services.supplier_review_record(
            contract=cleaning, period_end=rules.add_months(today.replace(day=1), -1) - dt.timedelta(days=1),
            overall="requires_improvement", summary="County hall cleans on time; three libraries missed cleans in "
            "October after a staff change.", kpi_ratings={kpi.pk: ("94% of cleans on time", "approaching")},
            actions=[{"action": "Weekly spot checks in the three libraries",
                      "due": rules.add_months(today, 2).isoformat()}], by=contract_manager)
        added += 1
    # The hub works its own queue (contract reviews) as officers of the provision team only.
    from oxtom.accounts.models import TeamMembership

    TeamMembership.objects.filter(user=officer, team__slug=services.PROVISION_TEAM).update(team_role="officer")
    services.contract_review_open(contract=cleaning, by=officer)
    added += _seed_spend(officer=officer, today=today, cleaning=cleaning)
    added += services.runway_alerts_send(on=today)
    return added


def _seed_spend(*, officer: Any, today: dt.date, cleaning: Contract) -> int:
    """A year of accounts payable and card spend, imported through the real import as the finance exports."""
    rng = random.Random(2025)
    payable = io.StringIO()
    writer = csv.writer(payable)
    writer.writerow(imports.COLUMNS[SpendKind.PAYABLE])
    number = 700000
    plan = [  # (supplier, cost centre, directorate, expense, monthly pounds, purchase order)
        ("S1001", "FM100", DIRECTORATES[3], "Cleaning", 32_000, ""),
        ("S1001", "LIB200", DIRECTORATES[3], "Cleaning", 6_000, ""),
        ("S1002", "ASC110", DIRECTORATES[0], "Home care", 480_000, ""),
        ("S1003", "HW300", DIRECTORATES[2], "Highways maintenance", 1_400_000, ""),
        ("S1004", "ASC120", DIRECTORATES[0], "Transport", 1_900, ""),
        ("S1009", "ENV400", DIRECTORATES[2], "Waste management", 560_000, ""),
        ("S1010", "EDU500", DIRECTORATES[1], "Catering", 120_000, "PO-55510"),
        ("S1007", "RES600", DIRECTORATES[3], "Printing", 5_200, ""),
        ("S1005", "ICT700", DIRECTORATES[3], "Software support", 48_000, ""),  # after its contract ended: off
        ("S1008", "LIB200", DIRECTORATES[3], "Cleaning", 1_200, ""),  # the duplicate's spend, for the hub to merge
        ("S1011", "FM100", DIRECTORATES[3], "Electrical repairs", 3_400, ""),
        ("S1012", "ASC130", DIRECTORATES[0], "Meals", 7_800, ""),
        ("S1013", "ENV410", DIRECTORATES[2], "Grounds maintenance", 4_100, ""),
        ("S1014", "FM100", DIRECTORATES[3], "Security", 900, ""),
        ("S1015", "RES610", DIRECTORATES[3], "Translation", 2_600, ""),
    ]
    for back in range(12, 0, -1):
        month = rules.add_months(today.replace(day=1), -back)
        for supplier, centre, directorate, expense, pounds, order in plan:
            number += 1
            invoice = month + dt.timedelta(days=rng.randint(0, 20))
            paid = invoice + dt.timedelta(days=rng.choice([12, 18, 25, 28, 29, 33, 41, 65]))
            amount = pounds * rng.uniform(0.9, 1.1)
            writer.writerow([f"AP{number}", invoice.isoformat(), min(paid, today).isoformat(), supplier,
                             dict((s[0], s[1]) for s in SUPPLIERS)[supplier], f"{amount:.2f}", "0.00", centre,
                             directorate, expense, order])
        # Split orders: a plumber with no contract paid just under £5,000 each time.
        for _ in range(2):
            number += 1
            day = month + dt.timedelta(days=rng.randint(1, 25))
            writer.writerow([f"AP{number}", day.isoformat(), min(day + dt.timedelta(days=20), today).isoformat(),
                             "S1006", "J. Example Plumbing", f"{rng.uniform(2400, 2490):.2f}", "0.00", "FM100",
                             DIRECTORATES[3], "Repairs", ""])
    report = imports.spend_import(data=payable.getvalue().encode(), file_name="ap-export-last-12-months.csv",
                                  kind=SpendKind.PAYABLE, by=officer)
    cards = io.StringIO()
    writer = csv.writer(cards)
    writer.writerow(imports.COLUMNS[SpendKind.CARD])
    merchants = (("Stationery Direct", "Office supplies"), ("Rail Travel UK", "Travel"),
                 ("Riverside Catering Co", "Catering"), ("Hardware Store Oxford", "Building supplies"))
    for back in range(3, 0, -1):
        month = rules.add_months(today.replace(day=1), -back)
        for i in range(12):
            merchant, mcc = merchants[i % len(merchants)]
            number += 1
            writer.writerow([f"PC{number}", (month + dt.timedelta(days=i * 2)).isoformat(), merchant, mcc,
                             f"{rng.uniform(8, 420):.2f}", f"{rng.uniform(0, 5):.2f}", "RES600", DIRECTORATES[3],
                             mcc, ])
    card_report = imports.spend_import(data=cards.getvalue().encode(), file_name="card-export-last-3-months.csv",
                                       kind=SpendKind.CARD, by=officer)
    return report.stored + card_report.stored


def provision_step(context) -> int:
    """Demo step (oxtom/core/demo.py): suppliers, contracts in their runway, an extension to approve, spend."""
    users = context.users("provision", "team.leader", "admin", "officer")
    return seed_demo_provision(
        officer=users.get("provision"), contract_manager=users.get("officer"),
        approvers={"service_director": users.get("team.leader"), "board": users.get("admin"),
                   "authoriser": users.get("admin")})
