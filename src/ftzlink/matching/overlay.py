"""Overlays: a reform written as changes to the catalogue, for what-if simulation.

An overlay file names policies and measures by id and says what changes, in the catalogue's own
syntax (conditions, validity periods, measures are the catalogue's models, checked by the
catalogue's own checks):

    id: raise-ai-cap
    title: {zh: ..., en: ...}
    changes:
      - set_cap: {measure: cn-trial-ai-industry, amount: 20_000_000}      # period: optional
      - set_condition: {measure: cn-trial-green, when: <condition>}       # a measure's `when`
      - set_condition: {policy: changning-trial-2024, eligibility: <condition>}
      - set_validity: {measure: cn-trial-ai-industry, validity: {start: ..., end: ...}}
      - set_validity: {policy: changning-trial-2024, validity: {end: 2027-11-14}}
      - add_measure: {policy: changning-trial-2024, measure: <a measure>}

Changes apply in order (a later change may edit a measure an earlier one added). Applying an
overlay gives a new `Catalogue`; the baseline is never modified. A malformed overlay is refused
like a malformed policy file: every problem as `file:line: field: message`.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from ftzlink.catalogue.checks import Finding, condition_findings
from ftzlink.catalogue.conditions import Condition
from ftzlink.catalogue.models import (
    Cap,
    Catalogue,
    Citation,
    Measure,
    MeasureKind,
    Period,
    PeriodKind,
    Policy,
)
from ftzlink.errors import CatalogueError, Problem
from ftzlink.profiles.fields import profile_fields
from ftzlink.text import Text
from ftzlink.yamlfile import read_document

__all__ = [
    "AddMeasure",
    "Change",
    "Overlay",
    "SetCap",
    "SetCondition",
    "SetValidity",
    "apply_overlay",
    "load_overlay",
    "overlay_findings",
]

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
CHANGE_KINDS = ("set_cap", "set_condition", "set_validity", "add_measure")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SetCap(_Data):
    """A measure's cap: a new amount (integer yuan), and optionally a new period."""

    measure: Id
    amount: StrictInt = Field(gt=0, description="integer yuan")
    period: PeriodKind | None = None


class SetCondition(_Data):
    """A measure's `when`, or a policy's `eligibility`; null removes the condition."""

    measure: Id | None = None
    policy: Id | None = None
    when: Condition | None = None
    eligibility: Condition | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_target(cls, data: object) -> object:
        if isinstance(data, dict):
            measure, policy = "measure" in data, "policy" in data
            if measure == policy:
                raise ValueError(
                    "name either a `measure` (with `when`) or a `policy` (with `eligibility`)"
                )
            if measure and "when" not in data:
                raise ValueError("give the measure's new condition as `when` (null for none)")
            if measure and "eligibility" in data:
                raise ValueError(
                    "`eligibility` belongs to a policy; a measure's condition is `when`"
                )
            if policy and "eligibility" not in data:
                raise ValueError("give the policy's new condition as `eligibility` (null for none)")
            if policy and "when" in data:
                raise ValueError(
                    "`when` belongs to a measure; a policy's condition is `eligibility`"
                )
        return data


class SetValidity(_Data):
    """A measure's or a policy's validity period (inclusive; a bound left out is open)."""

    measure: Id | None = None
    policy: Id | None = None
    validity: Period

    @model_validator(mode="after")
    def _one_target(self) -> SetValidity:
        if (self.measure is None) == (self.policy is None):
            raise ValueError("name either a `measure` or a `policy`")
        return self


class AddMeasure(_Data):
    """A new measure, in the catalogue's syntax, added to a policy."""

    policy: Id
    measure: Measure


class Change(_Data):
    """One change: exactly one of its keys."""

    set_cap: SetCap | None = None
    set_condition: SetCondition | None = None
    set_validity: SetValidity | None = None
    add_measure: AddMeasure | None = None

    @model_validator(mode="before")
    @classmethod
    def _exactly_one(cls, data: object) -> object:
        if isinstance(data, dict):
            given = [k for k in CHANGE_KINDS if k in data]
            if len(given) != 1:
                raise ValueError(
                    f"a change needs exactly one of {', '.join(CHANGE_KINDS)}; "
                    f"got {', '.join(given) or 'none'}"
                )
        return data

    @property
    def kind(self) -> str:
        return next(k for k in CHANGE_KINDS if getattr(self, k) is not None)


class Overlay(_Data):
    """A reform: a name, what it is for, and its changes to the catalogue, in order."""

    id: Id
    title: Text
    summary: Text | None = None
    changes: list[Change] = Field(min_length=1)

    def measure_ids(self) -> set[str]:
        """The measures the overlay names directly (changed or added)."""
        ids: set[str] = set()
        for change in self.changes:
            if change.set_cap:
                ids.add(change.set_cap.measure)
            elif change.set_condition and change.set_condition.measure:
                ids.add(change.set_condition.measure)
            elif change.set_validity and change.set_validity.measure:
                ids.add(change.set_validity.measure)
            elif change.add_measure:
                ids.add(change.add_measure.measure.id)
        return ids


# --- applying ----------------------------------------------------------------------------------


def _find_measure(catalogue: Catalogue, measure_id: str) -> tuple[Policy, Measure] | None:
    return next(((p, m) for p, m in catalogue.measures() if m.id == measure_id), None)


def _replace_measure(catalogue: Catalogue, policy: Policy, measure: Measure) -> Catalogue:
    measures = [measure if m.id == measure.id else m for m in policy.measures]
    return _replace_policy(catalogue, policy.model_copy(update={"measures": measures}))


def _replace_policy(catalogue: Catalogue, policy: Policy) -> Catalogue:
    policies = [policy if p.id == policy.id else p for p in catalogue.policies]
    return catalogue.model_copy(update={"policies": policies})


def _unknown(what: str, given: str, known: list[str]) -> str:
    close = difflib.get_close_matches(given, known, n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return f"no {what} {given!r} in the catalogue{hint}"


def _citation(
    citation: Citation, catalogue: Catalogue, loc: tuple[int | str, ...]
) -> list[Finding]:
    files = [s.file for s in catalogue.sources]
    if citation.source in files:
        return []
    return [
        ((*loc, "source"), f"{citation.source!r} is not a known source; known: {', '.join(files)}")
    ]


def _apply_one(
    catalogue: Catalogue, change: Change, loc: tuple[int | str, ...]
) -> tuple[Catalogue, list[Finding]]:
    """The catalogue after one change, or the findings that refuse it (catalogue unchanged)."""
    fields = profile_fields()
    measure_ids = [m.id for _, m in catalogue.measures()]
    policy_ids = [p.id for p in catalogue.policies]
    if change.set_cap is not None:
        edit = change.set_cap
        at = (*loc, "set_cap")
        found = _find_measure(catalogue, edit.measure)
        if found is None:
            return catalogue, [((*at, "measure"), _unknown("measure", edit.measure, measure_ids))]
        policy, measure = found
        if measure.kind is MeasureKind.SERVICE:
            return catalogue, [
                (
                    (*at, "measure"),
                    f"{measure.id!r} is a service measure: it gives no money, so it has no cap",
                )
            ]
        period = edit.period or (measure.cap.period if measure.cap else None)
        if period is None:
            return catalogue, [
                ((*at, "period"), f"{measure.id!r} has no cap yet: give the new cap's `period`")
            ]
        cap = Cap(amount=edit.amount, period=period)
        new = measure.model_copy(update={"cap": cap, "no_cap_reason": None})
        return _replace_measure(catalogue, policy, new), []
    if change.set_condition is not None:
        edit_c = change.set_condition
        at = (*loc, "set_condition")
        if edit_c.measure is not None:
            found = _find_measure(catalogue, edit_c.measure)
            if found is None:
                return catalogue, [
                    ((*at, "measure"), _unknown("measure", edit_c.measure, measure_ids))
                ]
            findings = (
                list(condition_findings(edit_c.when, fields, catalogue.known_terms, (*at, "when")))
                if edit_c.when is not None
                else []
            )
            if findings:
                return catalogue, findings
            policy, measure = found
            new = measure.model_copy(update={"when": edit_c.when})
            return _replace_measure(catalogue, policy, new), []
        assert edit_c.policy is not None
        target = catalogue.policy(edit_c.policy)
        if target is None:
            return catalogue, [((*at, "policy"), _unknown("policy", edit_c.policy, policy_ids))]
        findings = (
            list(
                condition_findings(
                    edit_c.eligibility, fields, catalogue.known_terms, (*at, "eligibility")
                )
            )
            if edit_c.eligibility is not None
            else []
        )
        if findings:
            return catalogue, findings
        return _replace_policy(
            catalogue, target.model_copy(update={"eligibility": edit_c.eligibility})
        ), []
    if change.set_validity is not None:
        edit_v = change.set_validity
        at = (*loc, "set_validity")
        if edit_v.measure is not None:
            found = _find_measure(catalogue, edit_v.measure)
            if found is None:
                return catalogue, [
                    ((*at, "measure"), _unknown("measure", edit_v.measure, measure_ids))
                ]
            policy, measure = found
            start = edit_v.validity.start
            if start and policy.validity.start and start < policy.validity.start:
                return catalogue, [
                    (
                        (*at, "validity", "start"),
                        f"starts before its policy does ({policy.validity.start})",
                    )
                ]
            new = measure.model_copy(update={"validity": edit_v.validity})
            return _replace_measure(catalogue, policy, new), []
        assert edit_v.policy is not None
        target = catalogue.policy(edit_v.policy)
        if target is None:
            return catalogue, [((*at, "policy"), _unknown("policy", edit_v.policy, policy_ids))]
        early = [
            (
                (*at, "validity", "start"),
                f"starts after its measure {m.id!r} does ({m.validity.start})",
            )
            for m in target.measures
            if m.validity
            and m.validity.start
            and edit_v.validity.start
            and m.validity.start < edit_v.validity.start
        ]
        if early:
            return catalogue, early
        return _replace_policy(
            catalogue, target.model_copy(update={"validity": edit_v.validity})
        ), []
    assert change.add_measure is not None
    edit_a = change.add_measure
    at = (*loc, "add_measure")
    target = catalogue.policy(edit_a.policy)
    if target is None:
        return catalogue, [((*at, "policy"), _unknown("policy", edit_a.policy, policy_ids))]
    measure = edit_a.measure
    m_at = (*at, "measure")
    findings = []
    if measure.id in measure_ids:
        owner = next(p.id for p, m in catalogue.measures() if m.id == measure.id)
        findings.append(
            ((*m_at, "id"), f"duplicate measure id {measure.id!r} (also in policy {owner!r})")
        )
    findings += _citation(measure.citation, catalogue, (*m_at, "citation"))
    if measure.when is not None:
        findings += condition_findings(measure.when, fields, catalogue.known_terms, (*m_at, "when"))
    start = measure.validity.start if measure.validity else None
    if start and target.validity.start and start < target.validity.start:
        findings.append(((*m_at, "validity", "start"), "starts before its policy does"))
    if findings:
        return catalogue, findings
    return _replace_policy(
        catalogue, target.model_copy(update={"measures": [*target.measures, measure]})
    ), []


def _apply(catalogue: Catalogue, overlay: Overlay) -> tuple[Catalogue, list[Finding]]:
    findings: list[Finding] = []
    for i, change in enumerate(overlay.changes):
        catalogue, found = _apply_one(catalogue, change, ("changes", i))
        findings += found
    return catalogue, findings


def overlay_findings(catalogue: Catalogue, overlay: Overlay) -> list[Finding]:
    """Every problem applying the overlay to the catalogue would meet, located in the overlay."""
    return _apply(catalogue, overlay)[1]


def apply_overlay(catalogue: Catalogue, overlay: Overlay) -> Catalogue:
    """The catalogue with the overlay's changes, in order (pure: the baseline is not modified).

    Raises CatalogueError, with each problem's field path in the overlay, if a change does not
    apply (an unknown id, a condition on an unknown field, a duplicate measure id, ...).
    """
    reform, findings = _apply(catalogue, overlay)
    if findings:
        raise CatalogueError(
            f"overlay {overlay.id!r} does not apply",
            [Problem(message, field=_dotted(loc)) for loc, message in findings],
        )
    return reform


def _dotted(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc).lstrip(".")


def load_overlay(path: Path, catalogue: Catalogue) -> Overlay:
    """Read an overlay file and check it against the catalogue it will be applied to.

    Every problem (YAML, schema, unknown ids, conditions the catalogue's checks refuse) is
    reported at once as `file:line: field: message` (CatalogueError, exit code 2 in the CLI).
    """
    document = read_document(path)
    if isinstance(document, Problem):
        raise CatalogueError(f"overlay file {path} is invalid", [document])
    try:
        overlay = Overlay.model_validate(document.data)
    except ValidationError as exc:
        raise CatalogueError(
            f"overlay file {path} is invalid", document.validation_problems(exc)
        ) from None
    findings = overlay_findings(catalogue, overlay)
    if findings:
        raise CatalogueError(
            f"overlay file {path} is invalid",
            [document.problem(loc, message) for loc, message in findings],
        )
    return overlay
