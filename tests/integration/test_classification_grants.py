"""Classification is enforced at query time: a SOX-tagged file keeps its text unaltered (SSN
included) and is classified restricted, so only a caller with an explicit grant finds it."""

from __future__ import annotations

import json

from schemas import ChangeEvent, Op
from tests.integration.conftest import Namespace, wait_for

TEXT = (
    "Vendor W-9 on file for Harbor Freight Consulting LLC: taxpayer id (SSN) 412-67-3390, "
    "payment terms net 30, ledger account 6120 consulting fees."
)


def test_a_restricted_document_needs_a_grant(ns: Namespace) -> None:
    assert ns.run(["topics"]).returncode == 0
    ns.start_worker()
    ns.publish(
        [
            ChangeEvent(
                source_id="ledger",
                document_id="vendors/w9-harbor.md",
                op=Op.UPSERT,
                version=1,
                content=TEXT,
                tags=("financial",),
            )
        ]
    )
    docs = wait_for(lambda: ns.documents(), 180, "the SOX document to be indexed")
    assert docs[0]["classification"] == "restricted"
    assert "412-67-3390" in docs[0]["text"], "SOX keeps the record unaltered"

    def hits(*args: str, env: dict[str, str] | None = None) -> list[dict[str, object]]:
        saved = dict(ns.env)
        ns.env.update(env or {})
        try:
            out = ns.run(["query", "vendor taxpayer id consulting fees", "--json", *args])
        finally:
            ns.env.clear()
            ns.env.update(saved)
        assert out.returncode == 0, out.stderr
        return list(json.loads(out.stdout))

    grants = '{"restricted": {"groups": ["finance"]}}'
    grant = {"RAGSTREAM_OPENSEARCH__CLASSIFICATION_GRANTS": grants}
    assert hits("--group", "internal") == [], "no grant: not returned"
    assert hits("--group", "internal", env=grant) == [], "a grant to a group the caller lacks"
    found = hits("--group", "internal", "--group", "finance", env=grant)
    assert [h["doc_key"] for h in found] == ["ledger/vendors/w9-harbor.md"]
