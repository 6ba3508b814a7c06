"""Writes on users, API keys and API sessions."""

from apps.accounts.services.admin import AdminEnsured, admin_ensure
from apps.accounts.services.api_keys import (
    InvalidKeyRequest,
    ScopeNotHeld,
    api_key_create,
    api_key_mark_used,
    api_key_revoke,
    api_key_touch,
)
from apps.accounts.services.sessions import (
    SessionExpired,
    session_create,
    session_delete,
    session_touch,
    session_update,
    sessions_purge_expired,
)
from apps.accounts.services.users import user_aggregate_id, user_create, user_deactivate, user_update

__all__ = [
    "AdminEnsured",
    "InvalidKeyRequest",
    "ScopeNotHeld",
    "SessionExpired",
    "admin_ensure",
    "api_key_create",
    "api_key_mark_used",
    "api_key_revoke",
    "api_key_touch",
    "session_create",
    "session_delete",
    "session_touch",
    "session_update",
    "sessions_purge_expired",
    "user_aggregate_id",
    "user_create",
    "user_deactivate",
    "user_update",
]
