"""Reciprocal rank fusion, min-max fusion, the ACL filter and search filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.query import SearchFilters, acl_filter, minmax_fuse, rrf_fuse, search_filter


def test_items_in_both_lists_outrank_items_in_one() -> None:
    """A chunk found by BM25 and k-NN beats chunks found by only one of them."""
    fused = rrf_fuse([["a", "b", "c"], ["d", "b", "e"]])
    assert fused[0][0] == "b"
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 62)


def test_fusion_scores_follow_the_rrf_formula_and_limit() -> None:
    """Scores are sum(1/(k+rank)) and the limit keeps the best ones."""
    fused = rrf_fuse([["x", "y"], ["y"]], k=10, limit=1)
    assert fused == [("y", pytest.approx(1 / 12 + 1 / 11))]


def test_ties_keep_first_seen_order() -> None:
    """Equal scores are ordered deterministically, so repeated queries print the same list."""
    assert [d for d, _ in rrf_fuse([["a", "b"], ["b", "a"]])] == ["a", "b"]


def test_empty_rankings_fuse_to_nothing() -> None:
    """No hits in either leg gives no hits, not an error."""
    assert rrf_fuse([[], []]) == []


def test_acl_filter_admits_public_chunks_and_matching_principals() -> None:
    """Callers see unrestricted chunks and those shared with their user or groups only."""
    f = acl_filter(["alice"], ["eng"])
    should = f["bool"]["should"]
    assert {"terms": {"acl_users": ["alice"]}} in should
    assert {"terms": {"acl_groups": ["eng"]}} in should
    assert len(acl_filter([], [])["bool"]["should"]) == 1


def test_minmax_fusion_normalises_each_list_then_weights_them() -> None:
    """As OpenSearch's normalization-processor: min-max per list, weighted mean, absent 0."""
    fused = dict(
        minmax_fuse([[("a", 10.0), ("b", 5.0), ("c", 0.0)], [("c", 0.9), ("a", 0.1)]], (0.25, 0.75))
    )
    assert fused["a"] == pytest.approx(0.25 * 1.0 + 0.75 * 0.001)
    assert fused["b"] == pytest.approx(0.25 * 0.5)
    assert fused["c"] == pytest.approx(0.25 * 0.001 + 0.75 * 1.0)
    assert dict(minmax_fuse([[("x", 3.0)], []], (0.5, 0.5))) == {"x": pytest.approx(0.5)}
    assert [d for d, _ in minmax_fuse([[("a", 2.0), ("b", 1.0)]], (1.0,), limit=1)] == ["a"]


def test_search_filter_carries_acl_and_every_filter() -> None:
    """Source, classification, tags (all of them) and time range filters sit next to the ACL."""
    since = datetime(2025, 1, 1, tzinfo=UTC)
    until = datetime(2025, 6, 1, tzinfo=UTC)
    f = search_filter(
        ["alice"],
        [],
        SearchFilters(
            sources=("wiki",),
            classifications=("public", "internal"),
            tags=("hr", "eu"),
            since=since,
            until=until,
        ),
    )
    clauses = f["bool"]["filter"]
    assert clauses[0] == acl_filter(["alice"], [])
    assert {"terms": {"source_id": ["wiki"]}} in clauses
    assert {"terms": {"classification": ["public", "internal"]}} in clauses
    assert {"term": {"tags": "hr"}} in clauses and {"term": {"tags": "eu"}} in clauses
    assert {
        "range": {"occurred_at": {"gte": since.isoformat(), "lt": until.isoformat()}}
    } in clauses
    assert search_filter([], [])["bool"]["filter"] == [
        acl_filter([], []),
        {"terms": {"classification": ["internal", "public"]}},
    ]


def test_confidential_and_restricted_need_an_explicit_grant() -> None:
    """Without a grant only public and internal documents can match; a grant to one of the
    caller's groups (or to the user) opens that classification, and only that one."""
    from infra.settings import ClassificationGrant

    grants = {
        "confidential": ClassificationGrant(groups=("finance",)),
        "restricted": ClassificationGrant(users=("cfo",)),
    }

    def clearance(users: list[str], groups: list[str]) -> list[str]:
        clauses = search_filter(users, groups, None, grants)["bool"]["filter"]
        return next(c["terms"]["classification"] for c in clauses if "terms" in c)

    assert clearance(["bob"], ["eng"]) == ["internal", "public"]
    assert clearance(["bob"], ["finance"]) == ["confidential", "internal", "public"]
    assert clearance(["cfo"], []) == ["internal", "public", "restricted"]
