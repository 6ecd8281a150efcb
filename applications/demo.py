"""Demo applications and entitlements for `manage.py seed_demo`.

A few demo residents who live in permit zones get residents' parking permits
(paid through the sandbox provider, exactly as a resident would), older ones
get bus passes, and one blue badge application is referred to the Blue Badge
and Concessions team's queue for an officer (or the demo administrator) to
assess. Idempotent: every submission and payment uses a stable key, so a
second run adds nothing.
"""
from __future__ import annotations

from typing import Iterable

from django.utils import timezone

from oxtom.customers.models import Channel, Customer
from oxtom.notify.models import OutboundMessage

from . import rules
from .models import Application, ApplicationService

_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_EVIDENCE = {"parking-permit": [("vehicle", _PDF)], "blue-badge": [("photo", _PDF), ("medical", _PDF)],
             "bus-pass": [("photo", _PDF), ("identity", _PDF)]}
_REGISTRATIONS = ("OX21 KLM", "BD70 RST", "FG19 XYZ")
_REFERRED_BADGE = {"applying_for": "myself", "awards": ["none"], "walking_difficulty": "yes", "both_arms": "no",
                   "journey_distress": "no", "child_equipment": "no", "child_near_vehicle": "no",
                   "terminal_illness": "no"}


def _submit(service: ApplicationService, customer: Customer, answers: dict) -> Application:
    from .services import application_submit

    return application_submit(service=service, customer=customer, answers=answers, evidence=_EVIDENCE[service.code],
                              channel=Channel.WEB, by=customer.user,
                              submission_key=f"demo-{service.code}-{customer.reference}")


def _pay(application: Application) -> None:
    """Pay through the built-in sandbox provider, as the resident would on its hosted page."""
    from oxtom.payments.models import SandboxCharge
    from oxtom.payments.providers import sandbox
    from oxtom.payments.services import payment_refresh_status

    from .services import application_payment_start

    # Demo permit holders agreed to pay renewals with their card (Rose's story: one YES renews and pays).
    started = application_payment_start(application=application, return_url="/account/entitlements/",
                                        by=application.customer.user, set_up_agreement=True)
    charge = SandboxCharge.objects.filter(payment_id=started.payment.provider_payment_id).first()
    if charge is not None and not started.payment.is_finished:
        sandbox.pay(charge, "4444333322221111")
        payment_refresh_status(payment=started.payment, by=None)


def seed_demo_applications(*, customers: Iterable[Iterable[Customer]], permits: int = 2, bus_passes: int = 2) -> int:
    """Entitlements and one referred blue badge application for demo residents (`customers`: groups, best first).

    Their notifications are history, not news: marked sent, like the demo street reports'.
    """
    if Application.objects.filter(submission_key__startswith="demo-").exists():
        return 0
    catalogue = {s.code: s for s in ApplicationService.objects.filter(is_active=True)}
    if not {"parking-permit", "blue-badge", "bus-pass"} <= set(catalogue):
        return 0
    started = timezone.now()
    people = [c for group in customers for c in group
              if c.merged_into_id is None and c.postcode and c.address_line_1]
    today = timezone.localdate()
    permit_service = catalogue["parking-permit"]
    in_zone = [c for c in people if rules.find_zone(permit_service.config or {},
                                                     {"postcode": c.postcode, "address_line_1": c.address_line_1})
               and not rules.excluded_property(permit_service.config or {},
                                               {"postcode": c.postcode, "address_line_1": c.address_line_1})]
    made = 0
    used: set[int] = set()
    for customer, registration in zip(in_zone[:permits], _REGISTRATIONS):
        application = _submit(permit_service, customer, {
            "lives_at_address": "yes", "vehicle_registration": registration, "vehicle_kept_at_address": "yes",
            "vehicle_keeper": "me"})
        if application.status == Application.Status.AWAITING_PAYMENT:
            _pay(application)
        used.add(customer.pk)
        made += 1
    older = [c for c in people if c.pk not in used and c.date_of_birth
             and rules.state_pension_date(c.date_of_birth) <= today]
    for customer in older[:bus_passes]:
        _submit(catalogue["bus-pass"], customer, {})
        used.add(customer.pk)
        made += 1
    others = [c for c in people if c.pk not in used and c.date_of_birth]
    if others:
        customer = others[0]
        _submit(catalogue["blue-badge"], customer, {**_REFERRED_BADGE,
                                                    "holder_date_of_birth": customer.date_of_birth.isoformat()})
        made += 1
    OutboundMessage.objects.filter(created_at__gte=started, status=OutboundMessage.Status.PENDING).update(
        status=OutboundMessage.Status.SENT, sent_at=timezone.now())
    return made



def seed_demo_renewal_invitation() -> int:
    """One permit or pass coming up for renewal, its invitation sent by text, so a YES reply can be tried.

    The entitlement's term is moved to end in two weeks (as if issued a year
    ago), and the renewal run's own invitation step sends the text: it is
    left pending in the outbox, so the worker delivers it to the development
    text sink and it shows on /notify/dev/, where a reply can be sent. Returns
    1 when it made the invitation, 0 when one exists or there is nothing to renew.
    """
    import datetime as dt

    from oxtom.customers.services import customer_update

    from .renewals.models import RenewalInvitation
    from .renewals.services import renewals_invite_batch
    from .models import Entitlement

    demo = Entitlement.objects.filter(application__submission_key__startswith="demo-", status=Entitlement.Status.ACTIVE)
    if RenewalInvitation.objects.filter(entitlement__in=demo).exists():
        return 0
    # Not the printed resident's own permit (their journeys should start from a clean slate), one with a mobile.
    # A paid permit renewed under its saved-card agreement if there is one (Rose's story), else any.
    candidates = (demo.exclude(customer__user__email__startswith="resident@").filter(customer__phone__startswith="+447")
                  .exclude(application__submission_key__startswith=REVOKE_KEY)  # the officer's to revoke
                  .select_related("service", "customer").order_by("id"))
    entitlement = candidates.filter(payment_agreement__status="active").first() or candidates.first()
    if entitlement is None or not entitlement.service.auto_renew:
        return 0
    customer = entitlement.customer
    if customer.preferred_channel != "sms":
        customer_update(customer=customer, data={"preferred_channel": "sms"}, by=None, channel=Channel.SYSTEM)
    today = timezone.localdate()
    expires = today + dt.timedelta(days=14)
    Entitlement.objects.filter(pk=entitlement.pk).update(
        expires_on=expires, starts_on=expires - dt.timedelta(days=365))
    made, _ = renewals_invite_batch(service=entitlement.service, today=today, by=None, after_id=entitlement.pk - 1,
                                    batch_size=1)
    return made


REFUND_KEY = "demo-refund-"



def _residents_in_a_permit_zone(config: dict, *, order: str) -> list:
    """Demo residents with no application yet whose address is in a permit zone (of the first 200, in `order`)."""
    from oxtom.core.demo import DEMO_RESIDENT_DOMAIN

    candidates = (Customer.objects.filter(email__endswith=f"@{DEMO_RESIDENT_DOMAIN}", merged_into__isnull=True)
                  .exclude(applications__isnull=False).exclude(postcode="").order_by(order))
    return [c for c in candidates[:200] if c.address_line_1
            and rules.find_zone(config, {"postcode": c.postcode, "address_line_1": c.address_line_1})
            and not rules.excluded_property(config, {"postcode": c.postcode, "address_line_1": c.address_line_1})]

def seed_demo_refund_due() -> int:
    """One paid permit its holder cancelled part-way through its term, with a refund due for the permits officer.

    A demo resident in a permit zone (not a sign-in's own record) applies and pays through the sandbox;
    the term is moved to have started four months ago (as if bought then), and the holder cancels it
    today through the same service the cancel page uses, which opens the "Refund due" case in Parking
    Services' queue. Returns 1 when it made it, 0 when it exists or no one fits.
    """
    import datetime as dt

    from .ending import entitlement_cancel
    from .models import Entitlement

    if Application.objects.filter(submission_key__startswith=REFUND_KEY).exists():
        return 0
    service = ApplicationService.objects.filter(code="parking-permit", is_active=True).first()
    if service is None:
        return 0
    config = service.config or {}
    customer = next(iter(_residents_in_a_permit_zone(config, order="id")), None)
    if customer is None:
        return 0
    started = timezone.now()
    from .services import application_submit

    application = application_submit(
        service=service, customer=customer, channel=Channel.WEB, by=customer.user,
        answers={"lives_at_address": "yes", "vehicle_registration": "KX68 PRN", "vehicle_kept_at_address": "yes",
                 "vehicle_keeper": "me"}, evidence=_EVIDENCE[service.code],
        submission_key=f"{REFUND_KEY}{customer.reference}")
    if application.status == Application.Status.AWAITING_PAYMENT:
        _pay(application)
    permit = Entitlement.objects.filter(application=application, status=Entitlement.Status.ACTIVE).first()
    if permit is None:
        return 0
    starts = timezone.localdate() - dt.timedelta(days=122)
    Entitlement.objects.filter(pk=permit.pk).update(starts_on=starts, expires_on=rules.add_months(starts, 12)
                                                    - dt.timedelta(days=1))
    permit.refresh_from_db()
    entitlement_cancel(entitlement=permit, by=customer.user, channel=Channel.WEB if customer.user_id else Channel.PHONE)
    OutboundMessage.objects.filter(created_at__gte=started, status=OutboundMessage.Status.PENDING).update(
        status=OutboundMessage.Status.SENT, sent_at=timezone.now())
    return 1


def refund_step(context) -> int:
    return seed_demo_refund_due()


REVOKE_KEY = "demo-revoke-"


def seed_demo_revocable_permit() -> int:
    """One paid permit the eligibility rules issued with no case, for the permits officer to revoke.

    A demo resident in a permit zone (not a sign-in's own record, none with an application) applies and
    pays through the sandbox; the rules approve it and it is issued at once. One sampled for QA (it then
    has a case) is passed over for the next resident, so the demo holds a permit whose application has no
    case. Its term is moved to have started three months ago, so revoking it leaves a refund due. Returns
    1 when it made it, 0 when it exists or no one fits.
    """
    import datetime as dt

    from .models import Entitlement
    from .services import application_submit

    if Entitlement.objects.filter(application__submission_key__startswith=REVOKE_KEY, application__case__isnull=True,
                                  status=Entitlement.Status.ACTIVE).exists():
        return 0
    service = ApplicationService.objects.filter(code="parking-permit", is_active=True).first()
    if service is None:
        return 0
    config = service.config or {}
    fits = _residents_in_a_permit_zone(config, order="-id")
    started = timezone.now()
    try:
        for customer in fits[:5]:
            application = application_submit(
                service=service, customer=customer, channel=Channel.WEB, by=customer.user,
                answers={"lives_at_address": "yes", "vehicle_registration": "LV19 RVK",
                         "vehicle_kept_at_address": "yes", "vehicle_keeper": "me"},
                evidence=_EVIDENCE[service.code], submission_key=f"{REVOKE_KEY}{customer.reference}")
            if application.status == Application.Status.AWAITING_PAYMENT:
                _pay(application)
            application.refresh_from_db()
            permit = Entitlement.objects.filter(application=application, status=Entitlement.Status.ACTIVE).first()
            if permit is None or application.case_id is not None:
                continue  # sampled for QA (it has a case): the next resident's will not be
            starts = timezone.localdate() - dt.timedelta(days=91)
            Entitlement.objects.filter(pk=permit.pk).update(starts_on=starts, expires_on=rules.add_months(starts, 12)
                                                            - dt.timedelta(days=1))
            return 1
        return 0
    finally:
        OutboundMessage.objects.filter(created_at__gte=started, status=OutboundMessage.Status.PENDING).update(
            status=OutboundMessage.Status.SENT, sent_at=timezone.now())


def revoke_step(context) -> int:
    return seed_demo_revocable_permit()


def applications_step(context) -> int:
    """Demo step (oxtom/core/demo.py): applications for the demo sign-ins' residents first, then the others."""
    from oxtom.core.demo import DEMO_DOMAIN, DEMO_RESIDENT_DOMAIN

    with_accounts = Customer.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}").order_by("id")
    others = Customer.objects.filter(email__endswith=f"@{DEMO_RESIDENT_DOMAIN}").order_by("id")
    return seed_demo_applications(customers=(with_accounts, others))


def renewal_step(context) -> int:
    return seed_demo_renewal_invitation()


def demo_listing(base: str) -> list[str]:
    """For manage.py demo_signins: the resident whose blue badge an officer is assessing, who can sign in and
    ask to be texted the decision (the printed resident's own journeys start from a clean slate)."""
    from urllib.parse import urljoin

    from oxtom.core.demo import DEMO_DOMAIN

    lines: list[str] = []
    waiting = (Application.objects.filter(submission_key__startswith="demo-", status=Application.Status.REFERRED,
                                          customer__user__is_active=True)
               .select_related("customer__user").order_by("pk").first())
    if waiting is not None:
        lines += ["A resident waiting for a decision (ask to be texted it):",
                  f"  {waiting.customer.user.email:<36}  then "
                  f"{urljoin(base, f'apply/applications/{waiting.reference}/')}"]
    refund = Application.objects.filter(submission_key__startswith=REFUND_KEY, case__isnull=False).first()
    if refund is not None:
        lines += ["A cancelled permit with a refund due (the permits officer issues it):",
                  f"  {'officer.parking@' + DEMO_DOMAIN:<36}  then "
                  f"{urljoin(base, f'staff/applications/{refund.reference}/')}"]
    from .models import Entitlement

    revocable = (Entitlement.objects.filter(application__submission_key__startswith=REVOKE_KEY,
                                            application__case__isnull=True, status=Entitlement.Status.ACTIVE)
                 .select_related("application").first())
    if revocable is not None:
        lines += [f"A paid permit the rules issued with no case ({revocable.number}; the permits officer revokes it):",
                  f"  {'officer.parking@' + DEMO_DOMAIN:<36}  then "
                  f"{urljoin(base, f'staff/applications/{revocable.application.reference}/')}"]
    return lines
