"""Load policy YAML files, with errors that name the line and the problem.

Validation errors from pydantic carry a location path (``rules -> 0 -> entities -> PERSON``);
the YAML node tree maps that path back to the line it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from streams.compliance.policy import Policy

POLICY_DIR = Path(__file__).parent / "policies"


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One problem in a policy file."""

    line: int
    location: str
    message: str

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"line {self.line}{where}: {self.message}"


class PolicyError(ValueError):
    """A policy file that cannot be used; ``problems`` lists each with its line."""

    def __init__(self, source: str, problems: tuple[PolicyProblem, ...]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {source}:{p}" for p in problems)
        super().__init__(f"invalid policy {source}:\n{lines}")


def _line_of(root: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """1-based line of the deepest YAML node reached by following ``loc``."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    node = value_node
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node = node.value[part]
            else:
                break
        else:
            break
    return int(node.start_mark.line) + 1


def _key_line(root: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """Line of a dict key named by ``loc`` (whose last part is the key)."""
    parent_line = _line_of(root, loc[:-1])
    node = root
    for part in loc[:-1]:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(part)), node)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if key_node.value == str(loc[-1]):
                return int(key_node.start_mark.line) + 1
    return parent_line


def parse_policy(text: str, source: str = "<string>") -> Policy:
    """Parse and validate one policy document; raises PolicyError naming lines."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        raise PolicyError(
            source, (PolicyProblem(line, "", f"YAML syntax: {err.problem}"),)
        ) from err
    if root is None or not isinstance(data, dict):
        raise PolicyError(source, (PolicyProblem(1, "", "a policy must be a YAML mapping"),))
    try:
        return Policy.model_validate(data)
    except ValidationError as err:
        problems = []
        for e in err.errors(include_url=False):
            loc = tuple(e["loc"])
            if loc and loc[-1] == "[key]":
                loc = loc[:-1]
                line = _key_line(root, loc)
            elif e["type"] == "extra_forbidden" and loc:
                line = _key_line(root, loc)
            else:
                line = _line_of(root, loc)
            location = ".".join(str(p) for p in loc)
            problems.append(PolicyProblem(line, location, e["msg"]))
        raise PolicyError(source, tuple(problems)) from err


def load_policy(name: str, policy_dir: Path | None = None) -> Policy:
    """Load a policy by name (``default``, ``gdpr``...) or by path to a YAML file.

    Names are looked up in ``policy_dir`` first (when given), then in the shipped policies.
    """
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        path = candidate
    else:
        dirs = [d for d in (policy_dir, POLICY_DIR) if d is not None]
        found = [d / f"{name}.yaml" for d in dirs if (d / f"{name}.yaml").is_file()]
        if not found:
            raise FileNotFoundError(
                f"no policy {name!r} in {', '.join(str(d) for d in dirs)}; shipped: "
                f"{', '.join(shipped_policies())}"
            )
        path = found[0]
    return parse_policy(path.read_text(encoding="utf-8"), str(path))


def shipped_policies() -> tuple[str, ...]:
    """Names of the policies shipped with ragstream."""
    return tuple(sorted(p.stem for p in POLICY_DIR.glob("*.yaml")))
