"""The one error hierarchy of the domain; adapters (CLI, later the API) map it once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

__all__ = [
    "AnnualReportRefused",
    "CalendarNotCovered",
    "CapExceeded",
    "CatalogueError",
    "Conflict",
    "Forbidden",
    "FormExpired",
    "FtzlinkError",
    "InvalidInput",
    "InvalidTransition",
    "LateFiling",
    "NoSignedCheckpoint",
    "NotAuthenticated",
    "NotEligible",
    "NotFound",
    "NotGenuine",
    "NothingToDraw",
    "NothingToFile",
    "OfficeNameForm",
    "OwnAccount",
    "ParentTooYoung",
    "Problem",
    "ProfileError",
    "RateLimited",
    "RecordRefused",
    "RepresentativeBarred",
    "RuleRefused",
    "ScopeNotPermitted",
    "TermBeyondParent",
    "TooLarge",
    "TooManyRepresentatives",
    "UnsupportedType",
    "ValidityTooLong",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, line, field) and what."""

    message: str
    file: Path | None = None
    line: int | None = None
    field: str | None = None
    code: str | None = None  # what is wrong, stable, for adapters to say in the reader's language

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        what = f"{self.field}: " if self.field else ""
        return f"{where}{what}{self.message}"


class FtzlinkError(Exception):
    """Base of every error the domain raises on purpose. `code` is stable."""

    code = "error"


class NotFound(FtzlinkError):
    """Absent, or present but not the caller's to see: the two are deliberately alike."""

    code = "not_found"


class NotAuthenticated(FtzlinkError):
    code = "not_authenticated"


class Forbidden(FtzlinkError):
    """The caller may see the object but not do this to it (an auditor writing, say)."""

    code = "forbidden"


class FormExpired(Forbidden):
    """A posted form without its security (CSRF) token, or with an expired one: nothing changed."""

    code = "form_expired"


class Conflict(FtzlinkError):
    """The request is well formed but clashes with the state of what is stored."""

    code = "conflict"


class OwnAccount(Conflict):
    """A platform admin disabling their own account: refused, so that one cannot lock oneself out."""

    code = "own_account"


class InvalidTransition(Conflict):
    """A workflow step that the object's current state does not allow (see ftzlink.workflow)."""

    code = "invalid_transition"

    def __init__(
        self,
        *,
        action: str,
        state: str,
        allowed_from: list[str],
        kind: str = "application",
        workflow: str = "applications",
    ) -> None:
        self.action, self.state, self.allowed_from = action, state, allowed_from
        self.kind, self.workflow = kind, workflow
        article = "an" if kind[:1] in "aeiou" else "a"
        super().__init__(
            f"cannot {action} {article} {kind} that is {state}; "
            f"{action} is allowed from: {', '.join(allowed_from) or 'no state'}"
        )


class CapExceeded(Conflict):
    """An approval that would take more than a cap, an allowance or a budget has left."""

    code = "cap_exceeded"

    def __init__(self, *, limit: str, requested: int, remaining: int, detail: str) -> None:
        self.limit, self.requested, self.remaining = limit, requested, remaining
        super().__init__(detail)


class NotEligible(Conflict):
    """Submission refused: the engine, as of the submission date, does not find it eligible."""

    code = "not_eligible"

    def __init__(self, message: str, *, status: str, questions: list[str] | None = None) -> None:
        self.status, self.questions = status, questions or []
        super().__init__(message)


class MeasureNotInForce(Conflict):
    """A measure that has ended (`state` "expired") or not begun ("not_yet_effective") on `on`:
    nothing may be started, edited or consented to under it. `start`/`end` are its validity
    (None where the sources state no bound)."""

    code = "measure_not_in_force"

    def __init__(
        self, *, measure_id: str, state: str, on: date, start: date | None, end: date | None
    ) -> None:
        self.measure_id, self.state, self.on, self.start, self.end = (
            measure_id,
            state,
            on,
            start,
            end,
        )
        span = f"{start.isoformat() if start else '…'} – {end.isoformat() if end else '…'}"
        super().__init__(f"measure {measure_id} is {state} on {on.isoformat()} (valid {span})")


class NotGenuine(Conflict):
    """A certificate that does not verify: `reason` says which check failed (`signature`,
    `ledger`, `altered`, `revoked`, `format`, `key`), the message says how, for a person."""

    code = "not_genuine"

    def __init__(self, message: str, *, reason: str) -> None:
        self.reason = reason
        super().__init__(message)


class NoSignedCheckpoint(Conflict):
    """A step that needs a checkpoint signed by the ledger (a spot-check draw) before any was."""

    code = "no_signed_checkpoint"

    def __init__(self) -> None:
        super().__init__("no signed checkpoint has been published yet: sign one first")


class NothingToDraw(Conflict):
    """A spot-check draw on a day no registration is valid."""

    code = "nothing_to_draw"

    def __init__(self, *, on: date) -> None:
        self.on = on
        super().__init__(f"no registration is valid on {on.isoformat()}: nothing to draw")


class NothingToFile(Conflict):
    """Submitting a cross-border data filing whose scenario is exempt: there is nothing to file."""

    code = "nothing_to_file"

    def __init__(self, *, article: str) -> None:
        self.article = article
        super().__init__(f"nothing to file: the scenario is exempt under {article}".rstrip())


class RateLimited(FtzlinkError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class TooLarge(FtzlinkError):
    code = "too_large"


class UnsupportedType(FtzlinkError):
    code = "unsupported_type"


@dataclass
class InvalidInput(FtzlinkError):
    """Input that cannot be accepted; carries every problem found, not just the first."""

    summary: str
    problems: list[Problem] = field(default_factory=list)
    code = "invalid_input"

    def __post_init__(self) -> None:
        super().__init__(self.summary)

    def __str__(self) -> str:
        lines = [self.summary, *(f"  {p}" for p in self.problems)]
        return "\n".join(lines)


class CatalogueError(InvalidInput):
    """A catalogue or policy-test file that is malformed or inconsistent."""

    code = "invalid_catalogue"


class ProfileError(InvalidInput):
    """An enterprise profile that is malformed."""

    code = "invalid_profile"


class CalendarNotCovered(InvalidInput):
    """A day before the first year of the working-day calendar: refused, never guessed. (Later
    years are always counted, provisionally where no official schedule is loaded.)"""

    code = "calendar_not_covered"

    def __init__(self, *, day: date, first_year: int, reached_by: str | None = None) -> None:
        self.day, self.first_year = day, first_year
        how = f" ({reached_by})" if reached_by else ""
        super().__init__(
            f"no working-day calendar for {day.isoformat()}{how}: the calendar starts in "
            f"{first_year}"
        )


class RuleRefused(Conflict):
    """A filing refused by a cited rule: `rule` names it, `article` and `source` cite it (the
    adapters show the citation; the code says which rule without reading the text)."""

    code = "rule_refused"

    def __init__(self, message: str, *, rule: str, source: str, article: str) -> None:
        self.rule, self.source, self.article = rule, source, article
        super().__init__(f"{message} ({source} {article})")


class TooManyRepresentatives(RuleRefused):
    code = "too_many_representatives"


class RepresentativeBarred(RuleRefused):
    code = "representative_barred"


class ParentTooYoung(RuleRefused):
    code = "parent_too_young"


class TermBeyondParent(RuleRefused):
    code = "term_beyond_parent"


class ScopeNotPermitted(RuleRefused):
    code = "scope_not_permitted"


class OfficeNameForm(RuleRefused):
    code = "office_name_form"


class LateFiling(RuleRefused):
    """A change, filing or deregistration filed after its time limit, or an extension filed
    outside the window before the term ends: `first_day` (the window's, else None) and `last_day`
    say when it could have been filed."""

    code = "late_filing"

    def __init__(
        self,
        message: str,
        *,
        rule: str,
        source: str,
        article: str,
        last_day: date,
        first_day: date | None = None,
    ) -> None:
        self.first_day, self.last_day = first_day, last_day
        super().__init__(message, rule=rule, source=source, article=article)


class AnnualReportRefused(RuleRefused):
    """An annual report on a year that has not ended, or on a year the office already reported
    on (Art. 6: each year, on the year before); `year` is the year named."""

    code = "annual_report_refused"

    def __init__(self, message: str, *, rule: str, source: str, article: str, year: int) -> None:
        self.year = year
        super().__init__(message, rule=rule, source=source, article=article)


class RecordRefused(Conflict):
    """A recognition record another authority may not rely on: `reason` is expired, revoked,
    outside_scheme or bad_signature."""

    code = "record_refused"

    def __init__(self, message: str, *, reason: str, source: str = "", article: str = "") -> None:
        self.reason, self.source, self.article = reason, source, article
        super().__init__(message)


class ValidityTooLong(InvalidInput):
    """A permit's validity that ends after the rules allow; `last_day` is the latest it may end.

    Adapters say it in the reader's language from `last_day`; `detail` is the English reason.
    """

    code = "validity_too_long"

    def __init__(self, *, last_day: date, detail: str, field: str = "valid_until") -> None:
        self.last_day = last_day
        super().__init__("the validity is too long", [Problem(detail, field=field, code=self.code)])
