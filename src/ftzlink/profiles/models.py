"""The enterprise profile: what the engine knows about an enterprise.

A missing optional field means "unknown", never "false": the engine then answers `needs_info`
with the question that would decide it. Values drawn from a vocabulary (districts, sectors, zones,
project kinds) are checked against the catalogue by `ftzlink.profiles.loader.check_values`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from ftzlink.numbers import WHOLE_NUMBER
from ftzlink.profiles.uscc import uscc_problem

__all__ = ["EnterpriseProfile", "Project", "Talent"]

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Count = Annotated[int, Field(ge=0), WHOLE_NUMBER]
Yuan = Annotated[int, Field(ge=0, le=10**13), WHOLE_NUMBER]


def label(zh: str, en: str, vocabulary: str | None = None) -> dict[str, Any]:
    """Field metadata: the Chinese label (English goes in `title`) and its vocabulary, if any."""
    extra: dict[str, Any] = {"label_zh": zh}
    if vocabulary:
        extra["vocabulary"] = vocabulary
    return {"title": en, "json_schema_extra": extra}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Project(_Strict):
    """A project the enterprise plans or runs, for measures that support projects."""

    name: str = Field(min_length=1, max_length=200, **label("项目名称", "Project name"))
    kind: Slug = Field(**label("项目类别", "Project kind", "project_kinds"))
    requested_amount: Yuan | None = Field(
        default=None, **label("申请支持金额（元）", "Requested support (yuan)")
    )
    start: date | None = Field(default=None, **label("项目开始日期", "Project start date"))
    end: date | None = Field(default=None, **label("项目结束日期", "Project end date"))

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Project:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Talent(_Strict):
    """Talent data, for the measures that depend on the people an enterprise employs or invites."""

    foreign_professionals: Count | None = Field(
        default=None, **label("聘用的外籍专业人才人数", "Foreign professionals employed")
    )
    high_level_foreign_professionals: Count | None = Field(
        default=None,
        **label("聘用的高层次外籍专业人才人数", "High-level foreign professionals employed"),
    )
    certified_talents: Count | None = Field(
        default=None,
        **label("经引进或认定的人才人数", "Talents introduced or certified (people)"),
    )
    certified_talent_teams: Count | None = Field(
        default=None,
        **label(
            "经引进或认定的人才团队或项目数", "Talent teams or projects introduced or certified"
        ),
    )
    invites_foreign_guests: StrictBool | None = Field(
        default=None,
        **label(
            "是否邀请外籍人士来华参加重大科研、交流或商务活动",
            "Invites foreign nationals for major research, exchange or commercial activities",
        ),
    )


class EnterpriseProfile(_Strict):
    """An enterprise (or unincorporated organisation) as the engine sees it."""

    name: str = Field(min_length=1, max_length=200, **label("名称", "Name"))
    uscc: str = Field(**label("统一社会信用代码", "Unified social credit code"))
    registered_district: Slug | None = Field(
        default=None, **label("注册所在区", "Registered district", "districts")
    )
    zone: Slug | None = Field(default=None, **label("所在联动创新区", "Zone", "zones"))
    sub_area: Slug | None = Field(
        default=None, **label("所在功能区或片区", "Sub-area", "sub_areas")
    )
    legal_form: Slug | None = Field(default=None, **label("组织形式", "Legal form", "legal_forms"))
    established_on: date | None = Field(default=None, **label("成立日期", "Date established"))
    credit_standing: Slug | None = Field(
        default=None, **label("信用状况", "Credit standing", "credit_standings")
    )
    district_approved_recipient: StrictBool | None = Field(
        default=None,
        **label(
            "是否为经区政府同意的支持对象", "Support recipient approved by the district government"
        ),
    )
    sector: Slug | None = Field(default=None, **label("所属行业", "Sector", "sectors"))
    sub_sector: Slug | None = Field(default=None, **label("细分领域", "Sub-sector", "sub_sectors"))
    development_criteria_met: StrictBool | None = Field(
        default=None,
        **label("是否符合区产业发展导向", "Meets the district's industrial development criteria"),
    )
    foreign_invested: StrictBool | None = Field(
        default=None, **label("是否为外商投资企业", "Foreign-invested enterprise")
    )
    multinational: StrictBool | None = Field(
        default=None, **label("是否为跨国公司（含其地区总部）", "Multinational company")
    )
    chain_enterprise_headquarters: StrictBool | None = Field(
        default=None, **label("是否为连锁企业总部", "Headquarters of a chain enterprise")
    )
    key_enterprise: StrictBool | None = Field(
        default=None, **label("是否为区重点企业", "Recognised key enterprise of the district")
    )
    headquarters_uscc: str | None = Field(
        default=None, **label("总部统一社会信用代码", "Headquarters' unified social credit code")
    )
    branch_usccs: list[str] | None = Field(
        default=None, **label("分支机构统一社会信用代码", "Branches' unified social credit codes")
    )
    projects: list[Project] | None = Field(default=None, **label("申报项目", "Projects"))
    talent: Talent | None = Field(default=None, **label("人才情况", "Talent"))

    @field_validator("uscc", "headquarters_uscc")
    @classmethod
    def _valid_uscc(cls, value: str | None) -> str | None:
        if value is not None and (problem := uscc_problem(value)):
            raise ValueError(f"not a valid unified social credit code: {problem}")
        return value

    @field_validator("branch_usccs")
    @classmethod
    def _valid_branch_usccs(cls, values: list[str] | None) -> list[str] | None:
        for i, value in enumerate(values or []):
            if problem := uscc_problem(value):
                raise ValueError(f"item {i}: not a valid unified social credit code: {problem}")
        return values

    @model_validator(mode="after")
    def _not_its_own_branch(self) -> EnterpriseProfile:
        if self.headquarters_uscc == self.uscc:
            raise ValueError("headquarters_uscc is the enterprise's own code")
        if self.branch_usccs and self.uscc in self.branch_usccs:
            raise ValueError("branch_usccs contains the enterprise's own code")
        return self
