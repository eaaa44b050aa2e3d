"""Roles and who is acting."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    GUEST = "guest"


RANK = {Role.GUEST: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


@dataclass(frozen=True)
class Actor:
    """The authenticated member a request acts as."""

    member_id: int
    workspace_id: int
    role: Role
    handle: str

    @property
    def is_admin(self) -> bool:
        return RANK[self.role] >= RANK[Role.ADMIN]

    @property
    def is_guest(self) -> bool:
        return self.role is Role.GUEST
