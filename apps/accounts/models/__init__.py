from apps.accounts.models.api_key import ApiKey
from apps.accounts.models.session import ApiSession
from apps.accounts.models.user import Role, User

__all__ = ["ApiKey", "ApiSession", "Role", "User"]
