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
    # members
    MEMBER_AREA = "member.area"
    MEMBER_ENQUIRY_RAISE = "member.enquiry_raise"
    # back office
    BAS_WORK = "bas.work"
    PROVISION_WORK = "provision.work"
    PERFORMANCE_MANAGE = "performance.manage"
    COMMUNITY_DIRECTORY_EDIT = "community.directory_edit"
    COMMUNITY_MODERATE = "community.moderate"  # approve partners' directory changes; run events and bookings
    # administration
    CATALOGUE_EDIT = "catalogue.edit"
    USER_ADMIN = "user.admin"
