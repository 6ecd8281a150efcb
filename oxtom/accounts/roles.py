"""Roles: who people are, each a documented bundle of permissions.

A user holds zero or more role codes (User.roles). Anything finer than a
role (which team's cases, which division) is derived from data: team
membership, case assignment, a councillor's division.
"""
from __future__ import annotations

from dataclasses import dataclass

from .permissions import Permission as P


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    description: str
    permissions: frozenset[P]
    staff_area: bool = False  # may enter /staff/
    member_area: bool = False  # may enter /members/


RESIDENT = Role(
    "resident", "Resident", "A member of the public or business using the portal for their own affairs.",
    frozenset({P.PORTAL_USE}),
)
ADVISER = Role(
    "adviser", "Contact-centre adviser",
    "Finds customers, sees their whole record and completes online services with or for them.",
    frozenset({P.CUSTOMER_VIEW, P.CUSTOMER_VIEW_ALL, P.CUSTOMER_EDIT, P.CUSTOMER_CREATE, P.ASSIST_ACT_FOR,
               P.CONTACT_LOG}),
    staff_area=True,
)
OFFICER = Role(
    "officer", "Officer", "Works the cases of the teams they belong to. Refunds what that work owes back to a card.",
    frozenset({P.CUSTOMER_VIEW, P.CASE_VIEW_TEAM, P.CASE_WORK, P.CONTACT_LOG, P.PAYMENT_REFUND}),
    staff_area=True,
)
TEAM_LEADER = Role(
    "team_leader", "Team leader", "An officer who also allocates work and manages their teams' queues.",
    OFFICER.permissions | {P.CASE_ASSIGN, P.TEAM_MANAGE, P.CUSTOMER_MERGE},
    staff_area=True,
)
COUNCILLOR = Role(
    "councillor", "Councillor", "An elected member for one division: raises enquiries and sees its performance.",
    frozenset({P.MEMBER_AREA, P.MEMBER_ENQUIRY_RAISE}),
    member_area=True,
)
BAS_OFFICER = Role(
    "bas_officer", "Business admin officer", "Handles business admin requests, FOI and complaints.",
    # FOI, complaints and the post room come from anyone: the whole index, as advisers have.
    frozenset({P.BAS_WORK, P.CUSTOMER_VIEW, P.CUSTOMER_VIEW_ALL}),
    staff_area=True,
)
BAS_MANAGER = Role(
    "bas_manager", "Business admin manager",
    "Leads business admin support: edits the service menus and their targets, allocates and reviews the work.",
    BAS_OFFICER.permissions | {P.BAS_MANAGE, P.CASE_ASSIGN, P.TEAM_MANAGE},
    staff_area=True,
)
FOI_COORDINATOR = Role(
    "foi_coordinator", "FOI co-ordinator",
    "Triages FOI and EIR requests, allocates them to the services that hold the information and drafts responses.",
    frozenset({P.FOI_WORK, P.CUSTOMER_VIEW}),
    staff_area=True,
)
DISCLOSURE_OFFICER = Role(
    "disclosure_officer", "Access and Disclosure officer",
    "Approves FOI and EIR responses drafted by others and decides internal reviews.",
    frozenset({P.FOI_WORK, P.FOI_APPROVE, P.CUSTOMER_VIEW}),
    staff_area=True,
)
COMPLAINTS_OFFICER = Role(
    "complaints_officer", "Complaints officer",
    "Handles corporate complaints at stage 1 and stage 2 and tracks the learning from them.",
    # Complaints are cases on the engine, worked in the complaints team's queue (membership scopes it).
    frozenset({P.COMPLAINTS_WORK, P.CUSTOMER_VIEW, P.CUSTOMER_VIEW_ALL, P.CASE_VIEW_TEAM, P.CASE_WORK}),
    staff_area=True,
)
RECRUITMENT_COORDINATOR = Role(
    "recruitment_coordinator", "Recruitment co-ordinator",
    "Runs the council's recruitment: vacancies, the pool of talent, interviews, offers and pre-employment checks.",
    frozenset({P.RECRUITMENT_WORK}),
    staff_area=True,
)
LINE_MANAGER = Role(
    "line_manager", "Line manager",
    "Raises vacancies, chooses whom to interview and appoint, welcomes starters and records leavers (own staff only).",
    frozenset({P.STAFF_MANAGE}),
    staff_area=True,
)
ICT_SERVICE_DESK = Role(
    "ict_service_desk", "ICT service desk",
    "Handles staff password resets and access requests for the council's systems.",
    frozenset({P.ICT_DESK}),
    staff_area=True,
)
PROVISION_OFFICER = Role(
    "provision_officer", "Provision officer", "Runs commissioning, suppliers, contracts and spend.",
    frozenset({P.PROVISION_WORK}),
    staff_area=True,
)
PERFORMANCE_ANALYST = Role(
    "performance_analyst", "Performance analyst", "Maintains measures, targets, imports and reports.",
    frozenset({P.PERFORMANCE_MANAGE}),
    staff_area=True,
)
COMMUNITY_PARTNER = Role(
    "community_partner", "Community partner",
    "A voluntary or community organisation that keeps its own directory entries up to date.",
    frozenset({P.PORTAL_USE, P.COMMUNITY_DIRECTORY_EDIT}),
)
COMMUNITY_MODERATOR = Role(
    "community_moderator", "Community directory moderator",
    "A council officer who approves partners' directory changes and keeps the directory and its events right.",
    frozenset({P.COMMUNITY_MODERATE, P.COMMUNITY_DIRECTORY_EDIT}),
    staff_area=True,
)
PMO_OFFICER = Role(
    "pmo_officer", "Project office officer",
    "Keeps the project register and resource pool, allocates project managers and chases highlight reports.",
    frozenset({P.PMO_WORK, P.PROJECT_PROPOSE}),
    staff_area=True,
)
BOARD_MEMBER = Role(
    "board_member", "Fit for the Future board member",
    "Approves or rejects project proposals and records the board's decisions on the portfolio.",
    frozenset({P.BOARD_DECIDE}),
    staff_area=True,
)
PROJECT_MANAGER = Role(
    "project_manager", "Project manager",
    "Proposes projects and writes the monthly highlight reports of the projects allocated to them.",
    frozenset({P.PROJECT_PROPOSE}),
    staff_area=True,
)
CONSULTATION_OFFICER = Role(
    "consultation_officer", "Consultation officer",
    "Creates and publishes consultations, enters paper and phone responses, and publishes the results.",
    frozenset({P.CONSULTATION_MANAGE}),
    staff_area=True,
)
BI_ANALYST = Role(
    "bi_analyst", "Business intelligence analyst",
    "Runs demand forecasts and builds, checks and documents predictive models (on synthetic data here).",
    frozenset({P.INSIGHT_WORK}),
    staff_area=True,
)
MASH_OFFICER = Role(
    "mash_officer", "MASH officer",
    "Screens multi-agency safeguarding referrals in the MASH team's queue (special-category records).",
    OFFICER.permissions | {P.SAFEGUARDING_SCREEN},
    staff_area=True,
)
SAFEGUARDING_MANAGER = Role(
    "safeguarding_manager", "Safeguarding service manager",
    "Leads the MASH team: signs risk models off and reviews the weekly report of closed cases at raised risk.",
    TEAM_LEADER.permissions | {P.SAFEGUARDING_SCREEN, P.RISK_MODEL_SIGN_OFF},
    staff_area=True,
)
ADMINISTRATOR = Role(
    "administrator", "Administrator", "Configures the service catalogue, teams and users.",
    frozenset(P),
    staff_area=True,
    member_area=False,
)

ALL_ROLES: tuple[Role, ...] = (
    RESIDENT, ADVISER, OFFICER, TEAM_LEADER, COUNCILLOR, BAS_OFFICER, BAS_MANAGER, FOI_COORDINATOR,
    DISCLOSURE_OFFICER, COMPLAINTS_OFFICER, RECRUITMENT_COORDINATOR, LINE_MANAGER, ICT_SERVICE_DESK,
    PROVISION_OFFICER, PERFORMANCE_ANALYST, COMMUNITY_PARTNER, COMMUNITY_MODERATOR, PMO_OFFICER, BOARD_MEMBER,
    PROJECT_MANAGER, CONSULTATION_OFFICER, BI_ANALYST, MASH_OFFICER, SAFEGUARDING_MANAGER, ADMINISTRATOR,
)
ROLES_BY_CODE: dict[str, Role] = {r.code: r for r in ALL_ROLES}
ROLE_CHOICES = [(r.code, r.name) for r in ALL_ROLES]


def roles_for_codes(codes: list[str]) -> list[Role]:
    return [ROLES_BY_CODE[c] for c in codes if c in ROLES_BY_CODE]
