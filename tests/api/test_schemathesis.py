"""Schemathesis against /openapi.json: generated requests, valid and invalid, to every operation,
signed in; no answer may be a server error or differ from what the schema documents.

One platform per test (built once, on each backend) serves every operation in turn; the
operations change it as they go, which is what a live API has to survive too.

The stateful phase then chains operations along the links schemathesis finds between them (an
application created, then read, changed, submitted; a run started, then its candidates listed …),
as a platform admin and as an enterprise member, so that identifiers a response hands out are
tried in the requests that take them.

Checks left out, and why:
- positive_data_acceptance: the schema cannot say everything the domain checks (a USCC's check
  characters, which roles need a district, what a profile must contain, which organisation is
  whose branch), so schema-valid requests are rightly refused with 422.
"""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.schemas import APIOperation

from ftzlink.auth import service as auth
from tests.api.conftest import SYSTEM, Api

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,  # invalid input is refused with a 4xx
]

# Along a chain: what a response handed out is there when asked for next, and gone once deleted.
STATEFUL_CHECKS = [
    *CHECKS,
    schemathesis.checks.ensure_resource_availability,
    schemathesis.checks.use_after_free,
    schemathesis.checks.response_headers_conformance,
]


def _examine(
    operation: APIOperation,
    mode: GenerationMode,
    headers: Callable[[], dict[str, str]],
    max_examples: int,
) -> str | None:
    """Call one operation with generated requests; what schemathesis found wrong, if anything."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,  # the platform differs from run to run: nothing to replay
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers(), checks=CHECKS)

    try:
        call()
    except Unsatisfiable:
        # Nothing of the operation can be made invalid (no parameters, or a free string).
        assert mode is GenerationMode.NEGATIVE, operation.label
    except (Exception, BaseExceptionGroup) as error:
        return f"{operation.label} ({mode.value}): {error}"
    return None


def _always(headers: dict[str, str]) -> Callable[[], dict[str, str]]:
    return lambda: headers


def _fuzz(api: Api, user: str, modes: list[GenerationMode], max_examples: int) -> list[str]:
    """Every operation, called as `user`; the failures found, one block per operation."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    user_id = api.principal(user).user_id

    def new_token() -> dict[str, str]:
        with api.database.write() as session:
            _, secret = auth.create_token(session, actor=SYSTEM, user_id=user_id, name="fuzz")
        return {"Authorization": f"Bearer {secret}"}

    failures, operations = [], 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        operations += 1
        token = new_token()
        # Revoking a token may revoke the one in use (and an admin may revoke all of their own):
        # such an operation gets a new one each call.
        revokes_tokens = operation.path.startswith("/api/v1/tokens/") or operation.path.endswith(
            "/revoke-tokens"
        )
        for mode in modes:
            headers = new_token if revokes_tokens else _always(token)
            found = _examine(operation, mode, headers, max_examples)
            if found:
                failures.append(found)
    assert operations >= 40, f"only {operations} operations in /openapi.json"
    return failures


def test_generated_requests_of_a_platform_admin_get_no_server_error_and_match_the_schema(
    api: Api,
) -> None:
    failures = _fuzz(
        api,
        "platform_admin",
        [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=12,
    )
    assert not failures, "\n\n".join(failures)


def test_generated_requests_of_an_enterprise_member_get_no_server_error_and_match_the_schema(
    api: Api,
) -> None:
    failures = _fuzz(api, "member_a", [GenerationMode.POSITIVE], max_examples=8)
    assert not failures, "\n\n".join(failures)


def _workflows(api: Api, user: str, scenarios: int, steps: int) -> list[str]:
    """Chains of linked operations, called as `user`; what schemathesis found wrong in them.

    Failures are collected, not raised: the platform changes with every call, so Hypothesis could
    not replay a chain to shrink it, and would report that instead of what went wrong. For the
    same reason a run may stop early as "flaky" (a chain's links now lead elsewhere): the next
    run starts afresh, as schemathesis's own runner does, until `scenarios` chains were run."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    user_id = api.principal(user).user_id
    failures: list[str] = []
    chains = 0

    def new_token() -> str:
        with api.database.write() as session:
            _, secret = auth.create_token(session, actor=SYSTEM, user_id=user_id, name="fuzz")
        return secret

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            nonlocal chains
            chains += 1
            self.token = new_token()

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            return {"headers": {"Authorization": f"Bearer {self.token}"}}

        def after_call(self, response: Response, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            # A revoked token may be the one in use: the next call gets a new one.
            if case.operation.path.startswith("/api/v1/tokens/"):
                self.token = new_token()

        def validate_response(
            self,
            response: Response,
            case: schemathesis.Case,
            additional_checks: object = None,
            **kwargs: object,
        ) -> None:
            try:
                case.validate_response(
                    response,
                    checks=STATEFUL_CHECKS,
                    transport_kwargs=kwargs,
                    recorder=self.recorder,
                )
            except (Exception, BaseExceptionGroup) as error:
                failures.append(f"{case.operation.label}: {error}")

    for _ in range(10):
        try:
            Workflow.run(
                settings=settings(
                    max_examples=scenarios - chains,
                    stateful_step_count=steps,
                    phases=[Phase.generate],
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
            )
        except Flaky:
            pass
        except AssertionError as error:
            if not _hypothesis_replay_failed(error):
                raise
        if chains >= scenarios:
            break
    assert chains >= scenarios // 2, f"only {chains} chains of operations ran"
    return failures


def _hypothesis_replay_failed(error: AssertionError) -> bool:
    """Whether Hypothesis's own bookkeeping asserted on a replay that drew differently."""
    trace = error.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    return trace is not None and trace.tb_frame.f_globals["__name__"].startswith("hypothesis.")


def test_linked_operations_of_a_platform_admin_get_no_server_error_and_match_the_schema(
    api: Api,
) -> None:
    failures = _workflows(api, "platform_admin", scenarios=30, steps=8)
    assert not failures, "\n\n".join(failures)


def test_linked_operations_of_an_enterprise_member_get_no_server_error_and_match_the_schema(
    api: Api,
) -> None:
    failures = _workflows(api, "member_a", scenarios=30, steps=8)
    assert not failures, "\n\n".join(failures)
