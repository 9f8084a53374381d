"""CheckpointStore and the file helpers of the file-system source."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from connectors.checkpoint import CheckpointStore, DocState, FileCheckpoint, checkpoint_path
from connectors.fs_files import is_ignored, title_of

pytestmark = pytest.mark.unit


def test_checkpoint_round_trips_and_leaves_no_temp_files(tmp_path: Path) -> None:
    """A saved checkpoint loads back equal, and the atomic write leaves only the final file."""
    store = CheckpointStore(checkpoint_path(tmp_path / "state", "filesystem", "fs-1"))
    checkpoint = FileCheckpoint(
        source_id="fs-1",
        root="/docs",
        documents={"a.md": DocState(version=3, sha256="ab"), "b.md": DocState(version=4)},
    )
    store.save(checkpoint)
    store.save(checkpoint)

    assert store.load("fs-1", "/docs") == checkpoint
    assert [p.name for p in (tmp_path / "state").iterdir()] == ["filesystem-fs-1.json"]


def test_missing_checkpoint_loads_empty(tmp_path: Path) -> None:
    """With no state file yet the source starts from an empty checkpoint."""
    loaded = CheckpointStore(tmp_path / "none.json").load("fs-1", "/docs")
    assert loaded.documents == {}


def test_checkpoint_file_name_is_safe() -> None:
    """Characters unsafe in file names are replaced in the checkpoint file name."""
    assert checkpoint_path(Path("s"), "filesystem", "a b:c").name == "filesystem-a_b_c.json"


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        ("notes.md", False),
        ("dir/notes.txt", False),
        (".env.md", True),
        (".obsidian/x.md", True),
        ("notes.md~", True),
        ("notes.md.swp", True),
        ("#notes.md#", True),
    ],
)
def test_hidden_and_temp_files_are_ignored(path: str, ignored: bool) -> None:
    """Hidden paths and editor temp files are never read as documents."""
    assert is_ignored(PurePosixPath(path)) is ignored


def test_title_is_first_heading_outside_code_fences() -> None:
    """The Markdown title is the first ATX heading that is not inside a fenced code block."""
    text = "```\n# not a title\n```\nintro\n## Real title ##\n# later"
    assert title_of(text, "text/markdown", "stem") == "Real title"
    assert title_of("# heading", "text/plain", "stem") == "stem"
    assert title_of("no heading", "text/markdown", "stem") == "stem"
