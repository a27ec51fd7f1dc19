"""The JSON Schema of an enterprise profile, with each vocabulary's allowed values filled in
from the catalogue (so the schema a user reads matches what `check` accepts)."""

from __future__ import annotations

from typing import Any

from ftzlink.catalogue.models import Catalogue
from ftzlink.profiles.models import EnterpriseProfile

__all__ = ["profile_json_schema"]


def profile_json_schema(catalogue: Catalogue) -> dict[str, Any]:
    schema = EnterpriseProfile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://ftzlink.invalid/schemas/enterprise-profile.json"

    def fill(node: Any) -> None:
        if isinstance(node, dict):
            vocabulary = node.get("vocabulary")
            if isinstance(vocabulary, str):
                ids = sorted(catalogue.known_terms(vocabulary))
                for branch in node.get("anyOf", [node]):
                    if branch.get("type") == "string":
                        branch["enum"] = ids
                        branch.pop("pattern", None)
                        branch.pop("maxLength", None)
            for value in node.values():
                fill(value)
        elif isinstance(node, list):
            for value in node:
                fill(value)

    fill(schema)
    return schema
