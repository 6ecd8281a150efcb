"""What a user may do. Roles (roles.py) grant these; views and selectors check them."""
from __future__ import annotations

import enum


class Permission(enum.StrEnum):
    # residents
    PORTAL_USE = "portal.use"
    # customer record
    CUSTOMER_VIEW = "customer.view"  # the records behind one's own work (scoped: customers.selectors)
    CUSTOMER_VIEW_ALL = "customer.view_all"  # every record, whole: advisers' job (audited)
    CUSTOMER_EDIT = "customer.edit"
    CUSTOMER_CREATE = "customer.create"
    CUSTOMER_MERGE = "customer.merge"
    # assisted digital
    ASSIST_ACT_FOR = "assist.act_for"
    CONTACT_LOG = "contact.log"
    # casework
    CASE_VIEW_TEAM = "case.view_team"
    CASE_WORK = "case.work"
    CASE_ASSIGN = "case.assign"
    TEAM_MANAGE = "team.manage"
    PAYMENT_REFUND = "payment.refund"  # send money back to a customer's card for their team's work (audited)
    # members
    MEMBER_AREA = "member.area"
    MEMBER_ENQUIRY_RAISE = "member.enquiry_raise"
    # back office
    BAS_WORK = "bas.work"  # work the business admin queues of one's teams
    BAS_MANAGE = "bas.manage"  # edit the BAS service menus and their service levels
    FOI_WORK = "foi.work"  # co-ordinate FOI and EIR requests: triage, allocate, draft, publish
    FOI_APPROVE = "foi.approve"  # the Access and Disclosure officer approves responses (never their own)
    COMPLAINTS_WORK = "complaints.work"  # handle corporate complaints at stage 1 and stage 2
    RECRUITMENT_WORK = "recruitment.work"  # vacancies, the pool of talent, interviews, offers and checks
    STAFF_MANAGE = "staff.manage"  # a line manager: raises vacancies, records leavers, follows starters (own only)
    ICT_DESK = "ict.desk"  # the ICT service desk: staff password resets and access requests
    PROVISION_WORK = "provision.work"
    PERFORMANCE_MANAGE = "performance.manage"
    COMMUNITY_DIRECTORY_EDIT = "community.directory_edit"
    COMMUNITY_MODERATE = "community.moderate"  # approve partners' directory changes; run events and bookings
    # strategy and insight
    PMO_WORK = "pmo.work"  # the project office: register, resource pool, chasing highlight reports
    BOARD_DECIDE = "board.decide"  # the Fit for the Future board: approve proposals, record decisions
    PROJECT_PROPOSE = "project.propose"  # write proposals; report on the projects one manages (scoped by data)
    CONSULTATION_MANAGE = "consultation.manage"
    INSIGHT_WORK = "insight.work"  # the BI team: forecasts and risk models
    RISK_MODEL_SIGN_OFF = "risk_model.sign_off"  # a service manager signs a risk model off (never its trainer)
    SAFEGUARDING_SCREEN = "safeguarding.screen"  # MASH referrals (special category; every view audited)
    # administration
    CATALOGUE_EDIT = "catalogue.edit"
    USER_ADMIN = "user.admin"
