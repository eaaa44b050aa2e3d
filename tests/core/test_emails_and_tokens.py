"""E-mail forms and who may revoke a token: pure rules."""

from __future__ import annotations

import pytest

from tidings.core import names
from tidings.core.permissions import require_revoke_token
from tidings.core.roles import Actor, Role
from tidings.errors import InvalidEmail, NotFound


@pytest.mark.parametrize(
    "typed",
    ["Ana@Example.com", "  ana@example.com ", "ａｎａ@ｅｘａｍｐｌｅ.com", "ANA@EXAMPLE.COM"],
)
def test_one_address_has_one_form(typed: str) -> None:
    assert names.email(typed) == "ana@example.com"


@pytest.mark.parametrize(
    "hidden", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u3164",
               "\u115f", "\ufe0f", "\u2800", "\u202e", "\x00"],
)  # fmt: skip
def test_invisible_characters_are_refused_not_dropped(hidden: str) -> None:
    with pytest.raises(InvalidEmail):
        names.email(f"a{hidden}na@example.com")
    with pytest.raises(InvalidEmail):
        names.email_key(f"ana@exa{hidden}mple.com")


def test_a_malformed_address_is_invalid_email() -> None:
    with pytest.raises(InvalidEmail) as refused:
        names.email("not an address")
    assert refused.value.code == "invalid_email" and refused.value.status == 422


def _actor(role: Role, member_id: int = 1) -> Actor:
    return Actor(member_id, 1, role, "someone")


@pytest.mark.parametrize(
    ("actor", "holder", "allowed"),
    [
        (Role.OWNER, Role.ADMIN, True),
        (Role.OWNER, Role.MEMBER, True),
        (Role.OWNER, Role.OWNER, False),
        (Role.ADMIN, Role.OWNER, False),
        (Role.ADMIN, Role.ADMIN, False),
        (Role.ADMIN, Role.MEMBER, True),
        (Role.ADMIN, Role.GUEST, True),
        (Role.MEMBER, Role.GUEST, False),
        (Role.GUEST, Role.GUEST, False),
    ],
)
def test_only_a_higher_ranked_admin_revokes_someone_elses_token(
    actor: Role, holder: Role, allowed: bool
) -> None:
    if allowed:
        require_revoke_token(_actor(actor), 2, holder)
    else:
        with pytest.raises(NotFound):
            require_revoke_token(_actor(actor), 2, holder)


@pytest.mark.parametrize("role", list(Role))
def test_everyone_revokes_their_own_tokens(role: Role) -> None:
    require_revoke_token(_actor(role), 1, role)
