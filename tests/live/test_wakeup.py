"""What a commit tells the other nodes, and what a node makes of what it hears."""

from __future__ import annotations

from tidings.live.wakeup import MAX_PAYLOAD, Commit, decode
from tidings.store.tx import MEMBERS, WORKSPACE, PendingEvent


def _event(workspace_id: int, type_: str, **payload: object) -> PendingEvent:
    return PendingEvent(workspace_id, type_, dict(payload), WORKSPACE)


def test_a_commit_names_its_workspaces_and_the_sign_ins_it_made_stale() -> None:
    commit = Commit.of(
        [
            _event(1, "message.created", id=5),
            _event(2, "token.revoked", token_hash="ab" * 32),
            PendingEvent(2, "member.deactivated", {"id": 9}, MEMBERS, member_ids=(9,)),
        ]
    )
    heard = decode(commit.encode("node-a"), "node-b")
    assert heard is not None
    assert heard.workspace_ids == {1, 2}
    assert heard.tokens == {"ab" * 32}
    assert heard.members == {9}
    assert not heard.all_sign_ins


def test_a_node_ignores_its_own_wake_ups_and_malformed_ones() -> None:
    data = Commit(frozenset({1})).encode("node-a")
    assert decode(data, "node-a") is None
    assert decode(b"{not json", "node-b") is None
    assert decode(b'{"n": "x", "w": ["one"]}', "node-b") is None


def test_a_burst_too_big_for_one_notice_drops_every_cached_sign_in_instead() -> None:
    tokens = frozenset(f"{i:064x}" for i in range(500))
    data = Commit(frozenset({1, 2}), tokens).encode("node-a")
    assert len(data) <= MAX_PAYLOAD
    heard = decode(data, "node-b")
    assert heard is not None and heard.all_sign_ins and heard.workspace_ids == {1, 2}
    many = Commit(frozenset(range(5000))).encode("node-a")
    assert len(many) <= MAX_PAYLOAD
    everything = decode(many, "node-b")
    assert everything is not None and everything.workspace_ids is None


def test_merged_commits_keep_everything_each_named() -> None:
    merged = Commit(frozenset({1}), frozenset({"t"})).merge(
        Commit(frozenset({2}), members=frozenset({3}))
    )
    assert merged == Commit(frozenset({1, 2}), frozenset({"t"}), frozenset({3}))
