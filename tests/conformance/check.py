"""Responses checked against the spec facts (``data/arm_spec_facts.json``): the status is one the operation
declares, required properties are present, types are right and nothing is null where the spec does not allow it."""

from __future__ import annotations

from dataclasses import dataclass

from subplane.api.arm.spec_facts import facts

_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
          "object": (dict,)}


@dataclass(frozen=True)
class Violation:
    method: str
    route: str
    api_version: str
    status: int
    problem: str

    def row(self) -> str:
        return f"{self.method:<6} {self.status:<4} {self.route}  ({self.api_version}): {self.problem}"


def operation_facts() -> dict[tuple[str, str], dict]:
    return {(op["method"], op["route"].lower()): op for op in facts()["operations"]}


def violations(method: str, route: str, api_version: str, status: int, body) -> list[Violation]:
    """What in one response breaks its operation's spec facts; an operation without facts, a HEAD and an error
    answer (ARM's error shape, checked by the error tests) are not judged here."""
    operation = operation_facts().get((method, route.lower()))
    if operation is None or status >= 400:
        return []

    def violation(problem: str) -> Violation:
        return Violation(method, route, api_version, status, problem)

    if str(status) not in operation["statuses"]:
        return [violation(f"status {status} is not declared ({', '.join(operation['statuses'])}) by "
                          f"{operation['operationId']}")]
    schema = operation["responses"][str(status)]
    if schema is None:
        return [] if body in (None, b"", "") else [violation("a body where the spec declares none")]
    return [violation(problem) for problem in schema_problems(schema, body, "$")]


def schema_problems(schema: dict, value, where: str) -> list[str]:
    if schema.get("external") or schema.get("recursive"):
        return []
    if value is None:
        return [] if schema.get("nullable") else [f"{where} is null; the spec's {schema.get('type', 'value')} is "
                                                  f"not nullable"]
    kind = schema.get("type")
    if kind in _TYPES and (not isinstance(value, _TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))):
        return [f"{where} is {type(value).__name__}; the spec says {kind}"]
    problems: list[str] = []
    if isinstance(value, dict):
        problems += [f"{where}.{name} is missing (required)" for name in schema.get("required", []) if name not in value]
        properties = schema.get("properties", {})
        for name, child in value.items():
            declared = properties.get(name) or schema.get("additionalProperties")
            if declared is not None:
                problems += schema_problems(declared, child, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += schema_problems(schema["items"], item, f"{where}[{index}]")
    return problems


def table(found: list[Violation]) -> str:
    return "\n".join(sorted({v.row() for v in found}))
