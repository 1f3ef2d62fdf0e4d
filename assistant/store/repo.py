"""Repository functions: the only place that knows how rows are found, claimed and changed.

Views and the worker call these (``repo.audit(...)``); they never build queries themselves. Each concern
has its own module (messages, cases, audit, outbox, gold_labels, feedback, users, counters); this one
gathers their public names so callers need not know which.
"""

from __future__ import annotations

from .audit import (
    audit,
    audit_many,
)
from .cases import (
    Requester,
    add_note,
    add_reply,
    assign,
    conversation_sizes,
    list_cases,
    open_or_update_case,
)
from .counters import (
    COUNTER_KEEP_SECONDS,
    hit_counter,
    read_counter,
    read_recent,
    reset_counter,
    window_end,
)
from .feedback import (
    chat_feedback,
    purge_old_chat_questions,
    record_chat_feedback,
)
from .gold_labels import (
    GOLD_SOURCES,
    erase_requester_gold,
    gold_labels,
    requester_gold,
    set_gold,
)
from .messages import (
    NewMessage,
    claim_new_messages,
    dismiss,
    find_duplicate,
    get_cursor,
    message_counts,
    note_mailbox,
    purge_old_bodies,
    quarantine,
    quarantined,
    record_classifications,
    record_location,
    record_locations,
    release_stale_claims,
    remark_message,
    replace_content,
    requeue,
    save_message,
    save_messages,
    set_cursor,
)
from .models import AuditEvent  # noqa: F401  (repo.AuditEvent in older callers)
from .outbox import (
    approve_reply,
    pending_outbox,
)
from .users import (
    ROLES,
    Agent,
    agent_by_id,
    agent_for_token,
    authenticate,
    create_user,
    end_sessions,
    find_user,
    issue_api_token,
    set_password,
    usernames,
)

__all__ = [
    "COUNTER_KEEP_SECONDS",
    "GOLD_SOURCES",
    "ROLES",
    "Agent",
    "NewMessage",
    "Requester",
    "add_note",
    "add_reply",
    "agent_by_id",
    "agent_for_token",
    "approve_reply",
    "assign",
    "audit",
    "audit_many",
    "authenticate",
    "chat_feedback",
    "claim_new_messages",
    "conversation_sizes",
    "create_user",
    "dismiss",
    "end_sessions",
    "erase_requester_gold",
    "find_duplicate",
    "find_user",
    "get_cursor",
    "gold_labels",
    "hit_counter",
    "issue_api_token",
    "list_cases",
    "message_counts",
    "note_mailbox",
    "open_or_update_case",
    "pending_outbox",
    "purge_old_bodies",
    "purge_old_chat_questions",
    "quarantine",
    "quarantined",
    "read_counter",
    "read_recent",
    "record_chat_feedback",
    "record_classifications",
    "record_location",
    "record_locations",
    "release_stale_claims",
    "remark_message",
    "replace_content",
    "requester_gold",
    "requeue",
    "reset_counter",
    "save_message",
    "save_messages",
    "set_cursor",
    "set_gold",
    "set_password",
    "usernames",
    "window_end",
]
