"""Schemathesis over the served app's /openapi.json: the emulator controls, blob and identity routes that FastAPI
describes (the ARM endpoint is one custom route outside the OpenAPI document; test_fuzz_routes covers it).
No 5xx, and a refused request changes nothing."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from .test_fuzz_routes import EMULATOR_CONTROLS, NOT_FUZZED

EXAMPLES_PER_OPERATION = 3


def test_openapi_operations_never_answer_5xx(target):
    document = target.client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if (op.method.upper(), op.path) not in NOT_FUZZED]
    assert any(op.path.startswith("/_subplane/") for op in operations) and any(op.path.startswith("/blob/")
                                                                                for op in operations)
    headers = {"Authorization": f"Bearer {target.tokens['arm']}"}
    statuses: dict[int, int] = {}
    for operation, mode in ((op, mode) for op in operations for mode in GenerationMode):
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            before = target.fingerprint()
            response = case.call(base_url=target.server.url, headers=headers, verify=target.server.ca_bundle,
                                 timeout=60)
            statuses[response.status_code // 100] = statuses.get(response.status_code // 100, 0) + 1
            case.validate_response(response, checks=[not_a_server_error])
            if 400 <= response.status_code < 500:
                assert target.fingerprint() == before, (case.method, case.formatted_path, response.text[:300])
            if case.formatted_path.startswith(EMULATOR_CONTROLS):
                target.settle()

        try:
            call()
        except Unsatisfiable:  # negative mode of an operation that takes nothing: no invalid request exists
            assert mode is GenerationMode.NEGATIVE, operation.path
    assert statuses.get(2, 0) > 0 and statuses.get(4, 0) > 0, statuses  # valid and refused requests were both sent
