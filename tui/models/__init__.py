"""ORM models: importing this package registers every table on `Base.metadata`."""

from tui.models.post import Post, post_tags
from tui.models.tag import Tag
from tui.models.user import User, UserProfile, UserStatus

__all__ = ["Post", "Tag", "User", "UserProfile", "UserStatus", "post_tags"]
