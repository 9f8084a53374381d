"""Reciprocal rank fusion and the ACL filter of hybrid retrieval."""

from __future__ import annotations

import pytest

from streams.query import acl_filter, rrf_fuse


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
