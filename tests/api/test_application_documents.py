"""The API's application documents: uploaded under the measure's slots, listed as a checklist,
downloaded by those who may read the application; refusals are problem+json with stable codes."""

from __future__ import annotations

from tests.api.conftest import Api

PDF = b"%PDF-1.4\n% an annex\n%%EOF\n"


def test_a_document_uploaded_for_a_slot_is_listed_under_it_and_downloads(api: Api) -> None:
    app_id = api.application["a", "draft"]
    member = api.client("member_a")
    made = member.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"requirement": "supporting"},
        files={"file": ("plan.pdf", PDF, "application/pdf")},
    )
    assert made.status_code == 201, made.text
    assert made.json()["requirement"] == "supporting"
    checklist = member.get(f"/api/v1/applications/{app_id}/documents/checklist").json()
    [slot] = checklist["slots"]
    assert (slot["kind"], slot["label_zh"], slot["label_en"]) == (
        "supporting",
        "证明材料",
        "Supporting documents",
    )
    assert slot["required"] is False and slot["missing"] is False
    assert made.json()["id"] in [d["id"] for d in slot["documents"]]
    content = member.get(f"/api/v1/documents/{made.json()['id']}/content")
    assert content.status_code == 200 and content.content == PDF


def test_a_slot_the_measure_lacks_and_an_unsupported_type_are_refused_with_codes(
    api: Api,
) -> None:
    app_id = api.application["a", "draft"]
    member = api.client("member_a")
    unknown = member.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"requirement": "business-licence"},
        files={"file": ("plan.pdf", PDF, "application/pdf")},
    )
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    text = member.post(
        f"/api/v1/applications/{app_id}/documents",
        files={"file": ("note.txt", b"words", "text/plain")},
    )
    assert text.status_code == 415 and text.json()["code"] == "unsupported_type"


def test_a_stranger_does_not_find_the_checklist(api: Api) -> None:
    app_id = api.application["a", "draft"]
    assert (
        api.client("member_b").get(f"/api/v1/applications/{app_id}/documents/checklist").status_code
        == 404
    )
