"""A real worker whose compliance stage fails on everything (a stand-in for a bug or a broken
model file), for the test that the batch survives the crash. Run as a module."""

from __future__ import annotations

from collections.abc import Sequence

from opensearchpy import OpenSearch

from infra.settings import Settings
from ragstream.app import Components
from ragstream.worker import make_components, run_worker
from schemas import ChangeEvent
from streams.stages import ComplianceOutcomeLike


class BrokenCompliance:
    def warm_up(self) -> None:
        return None

    def process(self, events: Sequence[ChangeEvent]) -> list[ComplianceOutcomeLike]:
        raise RuntimeError("policy engine broken (injected by the test)")


def broken_components(settings: Settings, client: OpenSearch) -> Components:
    real = make_components(settings, client)
    return Components(
        BrokenCompliance,
        real.get_chunk_embed,
        real.get_sink,
        real.get_dsr,
    )


if __name__ == "__main__":
    run_worker(Settings(), broken_components)
