"""Writes to cases: create, work, decide, close, and claim the next case.

Every service is keyword-only, atomic, and takes the acting user as `by=`.
Each records the audit event, the case timeline event and (for what the
customer would recognise) an entry on the customer's timeline itself.

Optimistic locking: every change to an existing case takes the version the
person saw (`expected_version`). The row is re-read under a lock and the
write is a conditional UPDATE on that version, so a second officer working
from a stale page is told instead of silently overwriting the first.
"""
from __future__ import annotations

from ._common import (  # noqa: F401

    Kind, MAX_ANSWERS_CHARS, MAX_MESSAGE_CHARS, MAX_TEXT, StaleCaseError, Visibility, _REFERENCE_ALPHABET, _actor, _alert_staff, _clean_text, _event, _is_admin, _lock, _move, _notify_councillor, _notify_customer, _require_worker, _save, _site_url, _status_event, _timeline, _unique_reference, account_case_url, can_take_cases, can_work_case, customer_message_text, is_team_member, new_case_reference,
)
from .create import (  # noqa: F401
    DuplicateSubmission, case_create,
)
from .work import (  # noqa: F401
    MAX_EXPECTED_DAYS_AHEAD, case_accept, case_add_note, case_add_public_update, case_assign, case_change_priority, case_customer_reply, case_information_received, case_link_duplicate, case_recategorise, case_refer, case_reopen, case_reopen_by_customer, case_request_information, case_set_expected_date, case_start_work, outstanding_request,
)
from .decide import (  # noqa: F401
    MAX_RULE_CHARS, case_close, case_decide, case_decide_automatically, case_record_rule_decision, earlier_deciders, qa_should_sample, require_different_decider,
)
from .claim import (  # noqa: F401
    CLAIMABLE_STATUSES, case_claim_next,
)
from .escalate import (  # noqa: F401
    case_escalate_overdue, overdue_unescalated,
)
from .reassign import (  # noqa: F401
    MAX_BULK_CASES, case_bulk_reassign,
)
from .qa import (  # noqa: F401
    qa_check_record,
)
from .screening import (  # noqa: F401
    case_screen, in_intake,
)
from .deadlines import (  # noqa: F401
    case_extend, case_next_stage, extension_refusal, next_stage,
)
from .follow_on import (  # noqa: F401
    case_open_follow_on, case_open_follow_on_for_customer, follow_on_services,
)
from .tasks import (  # noqa: F401
    case_task_add, case_task_complete, case_task_reopen,
)
