"""The OpenAPI document is the truth about the API: the methods a path takes, the types a request
carries, and the shape of what /check reads."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import FOCUS, PROFILE, Api, uscc

V1 = "/api/v1"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _allowed(header: str) -> set[str]:
    return {m.strip() for m in header.split(",") if m.strip()}


def test_every_method_the_document_does_not_list_is_405_allowing_the_ones_it_does(
    api: Api,
) -> None:
    client = api.client("platform_admin")
    document: dict[str, Any] = client.get("/openapi.json").json()
    wrong = []
    for path, operations in document["paths"].items():
        listed = {m.upper() for m in operations if m.upper() in METHODS}
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in (*METHODS, "OPTIONS"):
            if method in listed:
                continue
            answer = client.request(method, concrete)
            allowed = _allowed(answer.headers.get("allow", ""))
            if answer.status_code != 405 or allowed != listed:
                wrong.append(f"{method} {path}: {answer.status_code}, Allow: {sorted(allowed)}")
            assert answer.headers["content-type"] == "application/problem+json"
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "path", [f"{V1}/proactive/runs/registry", f"{V1}/talent/invitations/verify"]
)
def test_a_fixed_path_is_never_read_as_an_identifier(api: Api, path: str) -> None:
    answer = api.client("platform_admin").get(path)
    assert answer.status_code == 405, answer.text
    assert _allowed(answer.headers["allow"]) == {"POST"}


def test_an_integer_written_with_a_zero_fraction_is_the_same_integer(api: Api) -> None:
    member = api.client("member_a")
    created = member.post(
        f"{V1}/applications",
        json={"organisation_id": api.org["a"], "measure_id": FOCUS, "requested_amount": 736.0},
    )
    assert created.status_code == 201, created.text
    assert created.json()["requested_amount"] == 736

    for refused in (736.5, "736", True):
        answer = member.post(
            f"{V1}/applications",
            json={
                "organisation_id": api.org["a"],
                "measure_id": FOCUS,
                "requested_amount": refused,
            },
        )
        assert answer.status_code == 422, (refused, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == ["requested_amount"]

    # And in a profile: 3.0 foreign professionals are 3.
    profile = {"name": "长宁智能科技有限公司", "uscc": uscc("310105", "MA1FL4X5"), **PROFILE}
    checked = api.client().post(
        f"{V1}/check", json={"profile": {**profile, "talent": {"foreign_professionals": 3.0}}}
    )
    assert checked.status_code == 200, checked.text


def test_the_check_documents_the_profile_it_requires(api: Api) -> None:
    document: dict[str, Any] = api.client().get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    profile = schemas["CheckRequest"]["properties"]["profile"]
    assert profile["$ref"] == "#/components/schemas/EnterpriseProfile"
    shown = schemas["EnterpriseProfile"]
    assert set(shown["required"]) == {"name", "uscc"}
    assert shown["additionalProperties"] is False

    # What the document says is what the code does.
    answer = api.client().post(f"{V1}/check", json={"profile": dict(PROFILE)})
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"profile.name", "profile.uscc"}
