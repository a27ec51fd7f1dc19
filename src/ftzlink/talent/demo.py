"""The foreign-talent part of the demo: Changning's AI company, recognised as a key enterprise, files
for its foreign professionals and their families; the two authorities decide. Cases in every state
of both tracks, built through the service as the demo's own users, in the autumn of 2026 (the
Chinese working-day calendar covers up to 2026).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.organisations.tables import Organisation
from ftzlink.talent import cases
from ftzlink.talent.loader import bundled_talent_rules
from ftzlink.talent.tables import TrackKind

__all__ = ["load_talent_demo"]

WP, RP = TrackKind.WORK_PERMIT, TrackKind.RESIDENCE

# A tiny PDF for the demo's scanned documents: the demo has no real papers.
_SCAN = b"%PDF-1.4\n% ftzlink demo document\n%%EOF\n"


@dataclass(frozen=True)
class _Person:
    key: str
    employer: str
    full_name: str
    nationality: str
    passport: str
    birth: str
    education: str
    experience: int
    salary: int
    chinese: str
    post: str
    family: tuple[tuple[str, str, str, str], ...] = ()  # relation, name, birth, passport


_PEOPLE = (
    _Person(
        "schmidt",
        "cn-ai",
        "Anna Schmidt",
        "DEU",
        "C01X00T47",
        "1988-04-12",
        "doctorate",
        12,
        1_200_000,
        "hsk4",
        "人工智能研究负责人 Head of AI research",
        (
            ("spouse", "Lukas Schmidt", "1987-09-03", "C01X00T48"),
            ("child", "Mia Schmidt", "2016-07-07", "C01X00T49"),
        ),
    ),
    _Person(
        "tanaka",
        "cn-ai",
        "Tanaka Kenji",
        "JPN",
        "TK8812034",
        "1991-01-20",
        "master",
        7,
        560_000,
        "hsk5_or_above",
        "数据平台工程师 Data platform engineer",
        (("spouse", "Tanaka Yui", "1992-05-11", "TK8812035"),),
    ),
    _Person(
        "dubois",
        "cn-ai",
        "Claire Dubois",
        "FRA",
        "21AB34567",
        "1985-11-30",
        "doctorate",
        15,
        1_500_000,
        "hsk2",
        "首席科学家 Chief scientist",
    ),
    _Person(
        "okafor",
        "cn-air",
        "Chinedu Okafor",
        "NGA",
        "A09876543",
        "1990-03-14",
        "bachelor",
        8,
        420_000,
        "hsk1",
        "航空维修工程师 Aircraft maintenance engineer",
    ),
    _Person(
        "silva",
        "cn-air",
        "Beatriz Silva",
        "BRA",
        "FZ1234567",
        "1994-08-08",
        "master",
        4,
        300_000,
        "none",
        "航线网络分析师 Route network analyst",
    ),
)

_OFFICERS = {"work": "work-permits", "police": "exit-entry"}


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class _Talent:
    def __init__(
        self,
        session: Session,
        people: Mapping[str, Principal],
        orgs: Mapping[str, Organisation],
        root: Path,
    ) -> None:
        self.session, self.people, self.orgs, self.root = session, people, orgs, root
        self.rules = bundled_talent_rules()
        self.persons: dict[str, int] = {}
        self.family: dict[str, list[int]] = {}
        self.employer_admin = {"cn-ai": "cn-ai-admin", "cn-air": "cn-air-admin"}

    def by(self, person: str) -> Principal:
        employer = next(p.employer for p in _PEOPLE if p.key == person)
        return self.people[self.employer_admin[employer]]

    def record(self, spec: _Person, on: dt.date) -> None:
        who = self.people[self.employer_admin[spec.employer]]
        person = cases.add_professional(
            self.session,
            principal=who,
            rules=self.rules,
            employer_id=self.orgs[spec.employer].id,
            data=cases.ProfessionalInput(
                full_name=spec.full_name,
                nationality=spec.nationality,
                passport_number=spec.passport,
                passport_expiry=_day("2034-06-30"),
                birth_date=_day(spec.birth),
                education=spec.education,
                experience_years=spec.experience,
                annual_salary_yuan=spec.salary,
                chinese_level=spec.chinese,
                post=spec.post,
            ),
            today=on,
        )
        self.persons[spec.key] = person.id
        self.family[spec.key] = []
        for relation, name, birth, passport in spec.family:
            member = cases.add_family_member(
                self.session,
                principal=who,
                professional_id=person.id,
                data=cases.FamilyInput(
                    relation=relation,
                    full_name=name,
                    nationality=spec.nationality,
                    passport_number=passport,
                    passport_expiry=_day("2033-12-31"),
                    birth_date=_day(birth),
                ),
                today=on,
            )
            self.family[spec.key].append(member.id)

    def draft(
        self, person: str, *, on: str, category: str | None, facts: dict[str, Any] | None = None
    ) -> int:
        case = cases.create_case(
            self.session,
            principal=self.by(person),
            rules=self.rules,
            professional_id=self.persons[person],
            work_permit_category=category,
            facts=facts or {},
            family_member_ids=self.family[person],
            today=_day(on),
        )
        return case.id

    def upload(self, case_id: int, person: str, kinds: tuple[str, ...], *, on: str) -> None:
        for kind in kinds:
            cases.add_document(
                self.session,
                principal=self.by(person),
                case_id=case_id,
                kind=kind,
                filename=f"{person}-{kind}.pdf",
                content_type="application/pdf",
                data=_SCAN + f"% {person} {kind}\n".encode(),
                root=self.root,
                max_bytes=1_000_000,
                today=_day(on),
            )

    def file(
        self, person: str, *, on: str, category: str, facts: dict[str, Any] | None = None
    ) -> int:
        case_id = self.draft(person, on=on, category=category, facts=facts)
        self.upload(case_id, person, cases.REQUIRED_DOCUMENTS, on=on)
        cases.submit(
            self.session,
            principal=self.by(person),
            rules=self.rules,
            case_id=case_id,
            today=_day(on),
        )
        return case_id

    def accept(self, case_id: int, kind: TrackKind, *, on: str) -> None:
        who = self.people[_OFFICERS["work" if kind is WP else "police"]]
        cases.accept(
            self.session,
            principal=who,
            rules=self.rules,
            case_id=case_id,
            kind=kind,
            today=_day(on),
        )

    def approve(self, case_id: int, kind: TrackKind, *, on: str, start: str, until: str) -> None:
        who = self.people[_OFFICERS["work" if kind is WP else "police"]]
        cases.approve(
            self.session,
            principal=who,
            rules=self.rules,
            case_id=case_id,
            kind=kind,
            valid_from=_day(start),
            valid_until=_day(until),
            today=_day(on),
        )


def load_talent_demo(
    session: Session,
    *,
    people: Mapping[str, Principal],
    orgs: Mapping[str, Organisation],
    documents_root: Path,
) -> dict[str, int]:
    """Build the talent stories; returns the count of cases by state ("draft", "work_permit:…")."""
    t = _Talent(session, people, orgs, documents_root)
    cases.recognise_key_enterprise(
        session,
        principal=people["cn-reviewer"],
        organisation_id=orgs["cn-ai"].id,
        recognised_by="长宁区人民政府 Changning district government",
        valid_from=_day("2026-01-01"),
        valid_until=_day("2027-12-31"),
    )
    for spec in _PEOPLE:
        t.record(spec, _day("2026-09-01"))
    police, work = people[_OFFICERS["police"]], people[_OFFICERS["work"]]

    # Both tracks approved: a high-level professional of a Changning key enterprise gets five
    # years of residence, and her husband and daughter the same end date.
    schmidt = t.file(
        "schmidt", on="2026-09-07", category="A", facts={"high_level_professional": True}
    )
    t.accept(schmidt, WP, on="2026-09-08")
    t.accept(schmidt, RP, on="2026-09-08")
    t.approve(schmidt, WP, on="2026-09-11", start="2026-09-15", until="2031-09-14")
    t.approve(schmidt, RP, on="2026-09-18", start="2026-09-21", until="2031-09-14")

    # Work permit accepted and running; residence returned for a health certificate.
    tanaka = t.file("tanaka", on="2026-10-26", category="B")
    t.accept(tanaka, WP, on="2026-10-27")
    cases.return_track(
        session,
        principal=police,
        case_id=tanaka,
        kind=RP,
        questions=[
            "请上传六个月内出具的健康证明。Please upload a health certificate issued within the last six months."
        ],
        today=_day("2026-10-28"),
    )

    # Just filed: both tracks received.
    t.file("okafor", on="2026-10-30", category="B")

    # Work permit refused; the residence track, which depends on it, is still as received.
    silva = t.file("silva", on="2026-10-12", category="C")
    t.accept(silva, WP, on="2026-10-13")
    cases.refuse(
        session,
        principal=work,
        case_id=silva,
        kind=WP,
        reasons=[
            "岗位与学历专业不符。The post does not match the field of the degree.",
        ],
        today=_day("2026-10-20"),
    )

    # A draft in progress: category chosen, passport uploaded, the rest to do.
    dubois = t.draft(
        "dubois", on="2026-10-29", category="A", facts={"high_level_professional": True}
    )
    t.upload(dubois, "dubois", ("passport",), on="2026-10-29")

    _inviting_units(session, people, orgs)

    states: Counter[str] = Counter()
    for case in cases.list_cases(session, principal=people["auditor"]):
        if case.status != "filed":
            states[case.status] += 1
    for track in (WP, RP):
        for case in cases.list_cases(session, principal=people["auditor"], track=track):
            view = cases.tracks_of(session, case)[track]
            states[f"{track.value}:{view.state}"] += 1
    return dict(sorted(states.items()))


def _inviting_units(
    session: Session, people: Mapping[str, Principal], orgs: Mapping[str, Organisation]
) -> None:
    """An approved inviting unit that has invited a guest, and a revoked one."""
    from ftzlink.talent import invitations

    police = people[_OFFICERS["police"]]
    ai = invitations.apply(
        session,
        principal=people["cn-ai-admin"],
        organisation_id=orgs["cn-ai"].id,
        contact_name="张伟 Zhang Wei",
        contact_phone="021-5555-0101",
        statement="邀请海外合作研究人员参加大模型联合研究与学术交流。"
        "We invite research partners from abroad for joint work on large models.",
        today=_day("2026-08-03"),
    )
    invitations.approve(
        session, principal=police, unit_id=ai.id, valid_until=_day("2027-12-31"),
        today=_day("2026-08-10"),
    )  # fmt: skip
    invitations.issue(
        session,
        principal=people["cn-ai-admin"],
        organisation_id=orgs["cn-ai"].id,
        invitee_name="Rahul Mehta",
        nationality="IN",
        passport_number="Z7654321",
        date_of_birth=_day("1983-02-17"),
        activity="research",
        purpose="参加多模态模型联合研究研讨会 Joint research workshop on multimodal models",
        visa_type="F",
        planned_entry_on=_day("2026-11-05"),
        today=_day("2026-10-28"),
    )
    data = invitations.apply(
        session,
        principal=people["xh-data-admin"],
        organisation_id=orgs["xh-data"].id,
        contact_name="黄蕾 Huang Lei",
        contact_phone="021-5555-0202",
        statement="邀请境外客户洽谈数据服务合作。We invite clients from abroad to discuss data services.",
        today=_day("2026-08-04"),
    )
    invitations.approve(
        session, principal=police, unit_id=data.id, valid_until=_day("2027-06-30"),
        today=_day("2026-08-11"),
    )  # fmt: skip
    invitations.revoke(
        session,
        principal=police,
        unit_id=data.id,
        reason="邀请事由与实际活动不符。Invitations did not match the activities carried out.",
        today=_day("2026-10-15"),
    )
