"""A believable demo for an empty database: officials, enterprises in five districts, a chain
headquarters acting for its branches, budgets, and applications in every state of the workflow.

Everything is built through the domain services, as the demo's own users, so the demo obeys every
rule the platform enforces (eligibility on the submission date, caps, budgets, delegations) and
leaves an audit log that verifies. The data is fixed; only reference numbers and timestamps vary.
Applications under Changning's trial policy are submitted in 2025-2026, while it was in force.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ftzlink.applications import budgets
from ftzlink.applications import service as applications
from ftzlink.applications.tables import Application
from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role, User
from ftzlink.catalogue.models import Catalogue
from ftzlink.dataflow.demo import load_dataflow_demo
from ftzlink.errors import Conflict
from ftzlink.foreign.demo import load_foreign_demo
from ftzlink.ledger.keys import Signer
from ftzlink.messages.service import set_email
from ftzlink.organisations import service as organisations
from ftzlink.organisations.tables import Organisation
from ftzlink.pilots.service import seed_pilot_cases
from ftzlink.proactive.demo import load_proactive_demo
from ftzlink.profiles.uscc import make_uscc
from ftzlink.talent.demo import load_talent_demo

__all__ = [
    "DEMO_PASSWORD",
    "TRY_AS_OF",
    "DemoSummary",
    "Login",
    "demo_logins",
    "is_empty",
    "load_demo",
    "present_logins",
]

# One documented password for every demo user: the demo is for trying the platform, not for use.
DEMO_PASSWORD = "ftzlink-demo"

# A date after the demo's last step on which every policy of its applications is still in force
# (Changning's trial policy ran 2024-11-15 to 2026-11-14): run the service as of it
# (FTZLINK_TODAY) to submit new applications in the demo.
TRY_AS_OF = dt.date(2026, 11, 1)

# Actor of the first step only (the platform admin's account); everything after is done by the
# demo's own users.
_BOOTSTRAP = Actor(None, "demo")


@dataclass(frozen=True)
class Login:
    username: str
    display_name: str
    role: str
    scope: str  # the organisation's name or the district the role is held for, or ""
    password: str = DEMO_PASSWORD


@dataclass(frozen=True)
class DemoSummary:
    logins: list[Login]
    organisations: int
    delegations: int
    budgets: int
    applications: dict[str, int] = field(default_factory=dict)  # count by status
    talent_cases: dict[str, int] = field(default_factory=dict)  # count by status or track state


# --- the cast ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Org:
    key: str
    name: str
    division: str  # administrative division code of the registering authority (in the USCC)
    body: str  # 8 characters of organisation code before its check character
    district: str
    zone: str
    sector: str
    profile: Mapping[str, Any]
    headquarters: str | None = None  # key of the headquarters, for a branch
    name_en: str | None = None  # the English name shown on English pages

    @property
    def uscc(self) -> str:
        return make_uscc("9", "1", self.division, self.body)


_GOOD_CORPORATE = {"legal_form": "corporate", "credit_standing": "good"}
_BRANCH = {"legal_form": "unincorporated", "credit_standing": "good"}

_ORGANISATIONS = (
    # The example enterprise of examples/enterprise-changning-ai.yaml (same credit code).
    _Org(
        "cn-ai",
        "上海示例智能科技有限公司",
        "310105",
        "MA1FL4X5",
        "changning",
        "changning",
        "smart_internet",
        {
            **_GOOD_CORPORATE,
            "sub_area": "silicon-lane",
            "sub_sector": "artificial_intelligence",
            "established_on": "2019-03-18",
            "foreign_invested": False,
            "multinational": False,
            "chain_enterprise_headquarters": False,
            "key_enterprise": True,
            "talent": {
                "foreign_professionals": 6,
                "high_level_foreign_professionals": 2,
                "certified_talents": 2,
                "invites_foreign_guests": True,
            },
        },
        name_en="Shanghai Example Intelligent Technology Co., Ltd.",
    ),
    _Org(
        "cn-air",
        "上海示例航空服务有限公司",
        "310105",
        "MA1G3K7B",
        "changning",
        "changning",
        "aviation_transport",
        {
            **_GOOD_CORPORATE,
            "sub_area": "hongqiao-cbd-changning",
            "sub_sector": "aviation_services",
            "established_on": "2015-09-01",
            "foreign_invested": True,
            "multinational": True,
        },
        name_en="Shanghai Example Aviation Services Co., Ltd.",
    ),
    _Org(
        "chain-hq",
        "上海示例连锁商业管理有限公司",
        "310105",
        "MA1H8N2C",
        "changning",
        "changning",
        "fashion_consumption",
        {
            **_GOOD_CORPORATE,
            "sub_area": "hongqiao-trade-center",
            "sub_sector": "modern_trade",
            "established_on": "2012-04-16",
            "chain_enterprise_headquarters": True,
        },
        name_en="Shanghai Example Retail Chain Management Co., Ltd.",
    ),
    _Org(
        "chain-cn",
        "上海示例连锁商业管理有限公司长宁虹桥分公司",
        "310105",
        "MA1J4P6D",
        "changning",
        "changning",
        "fashion_consumption",
        {**_BRANCH, "sub_area": "hongqiao-trade-center", "sub_sector": "modern_trade"},
        headquarters="chain-hq",
        name_en="Shanghai Example Retail Chain Management Co., Ltd., Changning Hongqiao Branch",
    ),
    _Org(
        "chain-mh",
        "上海示例连锁商业管理有限公司闵行分公司",
        "310112",
        "MA1K5Q8E",
        "minhang",
        "minhang",
        "fashion_consumption",
        {**_BRANCH, "sub_area": "hongqiao-cbd-minhang", "sub_sector": "modern_trade"},
        headquarters="chain-hq",
        name_en="Shanghai Example Retail Chain Management Co., Ltd., Minhang Branch",
    ),
    _Org(
        "xh-data",
        "上海示例数据服务有限公司",
        "310104",
        "MA1L6R3F",
        "xuhui",
        "xuhui",
        "smart_internet",
        {**_GOOD_CORPORATE, "sub_area": "xujiahui", "sub_sector": "internet_platforms"},
        name_en="Shanghai Example Data Services Co., Ltd.",
    ),
    _Org(
        "mh-equip",
        "上海示例智能装备有限公司",
        "310112",
        "MA1M7T4G",
        "minhang",
        "minhang",
        "advanced_manufacturing",
        {**_GOOD_CORPORATE, "sub_area": "grand-neo-bay", "development_criteria_met": True},
        name_en="Shanghai Example Smart Equipment Co., Ltd.",
    ),
    _Org(
        "yp-pay",
        "上海示例跨境支付科技有限公司",
        "310110",
        "MA1N8U5H",
        "yangpu",
        "yangpu",
        "business_finance",
        {**_GOOD_CORPORATE, "sub_area": "gkic", "sub_sector": "financial_services"},
        name_en="Shanghai Example Cross-border Payment Technology Co., Ltd.",
    ),
    _Org(
        "hp-wealth",
        "上海示例财富管理有限公司",
        "310101",
        "MA1P9W6J",
        "huangpu",
        "huangpu",
        "business_finance",
        {
            **_GOOD_CORPORATE,
            "sub_area": "bund",
            "sub_sector": "financial_services",
            "foreign_invested": True,
        },
        name_en="Shanghai Example Wealth Management Co., Ltd.",
    ),
)


@dataclass(frozen=True)
class _User:
    username: str
    display_name: str
    role: Role
    organisation: str | None = None  # key of an _Org
    district: str | None = None


_USERS = (
    _User("admin", "平台管理员 Platform admin", Role.PLATFORM_ADMIN),
    _User("auditor", "审计员 Auditor", Role.AUDITOR),
    _User("cn-reviewer", "王敏 Wang Min", Role.REVIEWER, district="changning"),
    _User("cn-budget", "李静 Li Jing", Role.BUDGET_OFFICER, district="changning"),
    _User("xh-reviewer", "陈志远 Chen Zhiyuan", Role.REVIEWER, district="xuhui"),
    _User("work-permits", "钱昊 Qian Hao", Role.WORK_PERMIT_OFFICER),
    _User("exit-entry", "冯雪 Feng Xue", Role.EXIT_ENTRY_OFFICER),
    _User("data-regulator", "许宁 Xu Ning", Role.DATA_REGULATOR),
    _User("inspector-a", "袁博 Yuan Bo", Role.INSPECTOR),
    _User("inspector-b", "邵敏 Shao Min", Role.INSPECTOR),
    _User("registrar", "顾晨 Gu Chen", Role.REGISTRAR),
    _User("cn-ai-admin", "张伟 Zhang Wei", Role.ENTERPRISE_ADMIN, "cn-ai"),
    _User("cn-ai-staff", "刘洋 Liu Yang", Role.ENTERPRISE_MEMBER, "cn-ai"),
    _User("cn-air-admin", "赵磊 Zhao Lei", Role.ENTERPRISE_ADMIN, "cn-air"),
    _User("chain-hq-admin", "孙丽 Sun Li", Role.ENTERPRISE_ADMIN, "chain-hq"),
    _User("chain-hq-staff", "周杰 Zhou Jie", Role.ENTERPRISE_MEMBER, "chain-hq"),
    _User("chain-cn-admin", "吴芳 Wu Fang", Role.ENTERPRISE_ADMIN, "chain-cn"),
    _User("chain-mh-admin", "郑浩 Zheng Hao", Role.ENTERPRISE_ADMIN, "chain-mh"),
    _User("xh-data-admin", "黄蕾 Huang Lei", Role.ENTERPRISE_ADMIN, "xh-data"),
    _User("mh-equip-admin", "马骏 Ma Jun", Role.ENTERPRISE_ADMIN, "mh-equip"),
    _User("yp-pay-admin", "林晓 Lin Xiao", Role.ENTERPRISE_ADMIN, "yp-pay"),
    _User("hp-wealth-admin", "何婷 He Ting", Role.ENTERPRISE_ADMIN, "hp-wealth"),
)

# Budgets of Changning's grant measures, set by its budget officer (integer yuan).
_BUDGETS = {
    2025: {
        "cn-trial-focus-entities": 300_000_000,
        "cn-trial-ai-industry": 50_000_000,
        "cn-trial-sci-tech": 80_000_000,
        "cn-trial-modern-trade": 30_000_000,
        "cn-trial-fashion-brands": 10_000_000,
        "cn-trial-aviation-services": 30_000_000,
        "cn-trial-green": 20_000_000,
        "cn-trial-quality-brand": 5_000_000,
    },
    2026: {
        "cn-trial-focus-entities": 300_000_000,
        "cn-trial-ai-industry": 60_000_000,
        "cn-trial-sci-tech": 80_000_000,
        "cn-trial-modern-trade": 30_000_000,
    },
}


def demo_logins() -> list[Login]:
    """The demo's users, all with DEMO_PASSWORD."""
    names = {o.key: o.name for o in _ORGANISATIONS}
    return [
        Login(
            u.username,
            u.display_name,
            u.role.value,
            names[u.organisation] if u.organisation else u.district or "",
        )
        for u in _USERS
    ]


def is_empty(session: Session) -> bool:
    """A database without users: nothing has been set up in it yet."""
    return not session.scalar(select(func.count()).select_from(User))


def present_logins(session: Session) -> list[Login]:
    """The demo's logins whose users exist in the database (all of them once the demo is loaded)."""
    logins = demo_logins()
    names = set(
        session.scalars(
            select(User.username).where(User.username.in_([x.username for x in logins]))
        )
    )
    return [login for login in logins if login.username in names]


# --- building it -------------------------------------------------------------------------------


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class _Builder:
    def __init__(self, session: Session, catalogue: Catalogue) -> None:
        self.session, self.catalogue = session, catalogue
        self.orgs: dict[str, Organisation] = {}
        self.people: dict[str, Principal] = {}
        self.apps: list[Application] = []
        self.delegations = 0

    def user(self, spec: _User, actor: Actor) -> Principal:
        org = self.orgs[spec.organisation].id if spec.organisation else None
        user = auth.create_user(
            self.session,
            actor=actor,
            username=spec.username,
            display_name=spec.display_name,
            password=DEMO_PASSWORD,
            roles=[Grant(spec.role, org, spec.district)],
        )
        # On a reserved domain (RFC 2606): a demo started with FTZLINK_SMTP_URL mails them.
        set_email(self.session, user_id=user.id, email=f"{spec.username}@ftzlink.example")
        principal = auth.principal_for(user)
        self.people[spec.username] = principal
        return principal

    def organisation(self, spec: _Org, admin: Principal) -> None:
        profile = dict(spec.profile)
        hq = self.orgs[spec.headquarters] if spec.headquarters else None
        if hq is not None:
            profile["headquarters_uscc"] = hq.uscc
        branches = [o.uscc for o in _ORGANISATIONS if o.headquarters == spec.key]
        if branches:
            profile["branch_usccs"] = branches
        self.orgs[spec.key] = organisations.create_organisation(
            self.session,
            principal=admin,
            catalogue=self.catalogue,
            uscc=spec.uscc,
            name=spec.name,
            district=spec.district,
            name_en=spec.name_en,
            zone=spec.zone,
            sector=spec.sector,
            headquarters_id=hq.id if hq else None,
            profile=profile,
        )

    def delegate(
        self, *, by: str, branch: str, measures: list[str] | None, valid_to: str | None
    ) -> None:
        branch_org = self.orgs[branch]
        assert branch_org.headquarters_id is not None
        organisations.create_delegation(
            self.session,
            principal=self.people[by],
            catalogue=self.catalogue,
            headquarters_id=branch_org.headquarters_id,
            branch_id=branch_org.id,
            measures=measures,
            valid_from=_day("2025-05-20"),
            valid_to=_day(valid_to) if valid_to else None,
            on=_day("2025-05-20"),
        )
        self.delegations += 1

    def draft(
        self,
        *,
        by: str,
        org: str,
        measure: str,
        on: str,
        project: tuple[str, str, str] | None = None,
        amount: int | None = None,
    ) -> int:
        """A draft; `project` is its name in Chinese and in English, and its kind."""
        app = applications.create_application(
            self.session,
            principal=self.people[by],
            catalogue=self.catalogue,
            organisation_id=self.orgs[org].id,
            measure_id=measure,
            project_name=project[0] if project else None,
            project_name_en=project[1] if project else None,
            project_kind=project[2] if project else None,
            requested_amount=amount,
            today=_day(on),
        )
        self.apps.append(app)
        return app.id

    def submit(self, app_id: int, *, by: str, on: str) -> None:
        applications.submit(
            self.session,
            principal=self.people[by],
            catalogue=self.catalogue,
            application_id=app_id,
            today=_day(on),
            lang="zh",
        )

    def approve(self, app_id: int, *, by: str, on: str, amount: int | None) -> None:
        applications.approve(
            self.session,
            principal=self.people[by],
            catalogue=self.catalogue,
            application_id=app_id,
            amount=amount,
            today=_day(on),
        )


def load_demo(
    session: Session,
    *,
    catalogue: Catalogue,
    documents_root: Path,
    ledger_signer: Signer | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo; refuses (Conflict) if the database has any user.

    Call inside one write transaction, so that the demo is loaded whole or not at all. The demo's
    scanned documents are stored under `documents_root` (Settings.documents_dir). With the
    ledger's `ledger_signer` (`ftzlink.dataflow.demo.ensure_ledger_signer`), the cross-border
    data demo signs a checkpoint and draws a spot check from it.
    """
    if not is_empty(session):
        raise Conflict(
            "the database already has users; the demo is loaded only into an empty database"
        )
    b = _Builder(session, catalogue)
    admin = b.user(_USERS[0], _BOOTSTRAP)
    for org in _ORGANISATIONS:
        b.organisation(org, admin)
    for spec in _USERS[1:]:
        b.user(spec, Actor(admin.user_id, admin.username))

    for year, amounts in _BUDGETS.items():
        for measure_id, amount in amounts.items():
            budgets.set_budget(
                session,
                principal=b.people["cn-budget"],
                catalogue=catalogue,
                measure_id=measure_id,
                year=year,
                amount=amount,
            )

    # Each branch authorises its headquarters: the Changning branch for two named measures until
    # the end of 2026, the Minhang branch for every measure with no end date.
    b.delegate(
        by="chain-cn-admin",
        branch="chain-cn",
        measures=["cn-trial-modern-trade", "cn-trial-fashion-brands"],
        valid_to="2026-12-31",
    )
    b.delegate(by="chain-mh-admin", branch="chain-mh", measures=None, valid_to=None)

    _applications(b)
    talent = load_talent_demo(session, people=b.people, orgs=b.orgs, documents_root=documents_root)
    # The public pilot-case registry, as seed 004 reports it (the platform admin records it).
    seed_pilot_cases(session, Actor(admin.user_id, admin.username))
    load_proactive_demo(session, catalogue=catalogue, people=b.people, orgs=b.orgs)
    load_dataflow_demo(session, people=b.people, orgs=b.orgs, signer=ledger_signer)
    load_foreign_demo(session, people=b.people, orgs=b.orgs, signer=ledger_signer)

    counts = Counter(app.status for app in b.apps)
    return DemoSummary(
        logins=demo_logins(),
        organisations=len(b.orgs),
        delegations=b.delegations,
        budgets=sum(len(amounts) for amounts in _BUDGETS.values()),
        applications=dict(sorted(counts.items())),
        talent_cases=talent,
    )


def _applications(b: _Builder) -> None:
    """The stories, in the order they happened: at least one application in every state."""
    # Approved: the AI company's large-model platform, part of what it asked for.
    platform = b.draft(
        by="cn-ai-staff",
        org="cn-ai",
        measure="cn-trial-ai-industry",
        project=(
            "城市大模型训练平台",
            "City-scale large-model training platform",
            "ai_industry",
        ),
        amount=8_000_000,
        on="2025-06-02",
    )
    b.submit(platform, by="cn-ai-staff", on="2025-06-03")
    b.approve(platform, by="cn-reviewer", on="2025-07-15", amount=6_000_000)

    # Returned with a question, answered and resubmitted: waiting for the reviewer again.
    ip = b.draft(
        by="cn-ai-staff",
        org="cn-ai",
        measure="cn-trial-quality-brand",
        project=(
            "知识产权分析能力建设",
            "Building an intellectual-property analysis capability",
            "quality_brand",
        ),
        amount=600_000,
        on="2025-06-09",
    )
    b.submit(ip, by="cn-ai-staff", on="2025-06-10")
    applications.return_application(
        b.session,
        principal=b.people["cn-reviewer"],
        application_id=ip,
        questions=[
            "请补充近三年专利申请与授权清单。Please list the patents filed and granted in the last three years."
        ],
        today=_day("2025-06-24"),
    )
    applications.resubmit(
        b.session,
        principal=b.people["cn-ai-staff"],
        catalogue=b.catalogue,
        application_id=ip,
        answers={},
        response="已补充2022—2024年专利清单（发明专利14项，授权9项）。Patent list for 2022-2024 added: 14 filed, 9 granted.",
        today=_day("2025-07-02"),
        lang="zh",
    )

    # Filed by the chain's headquarters for its Changning branch, under the named delegation.
    store = b.draft(
        by="chain-hq-staff",
        org="chain-cn",
        measure="cn-trial-modern-trade",
        project=(
            "虹桥门店数字化改造",
            "Digital upgrade of the Hongqiao stores",
            "modern_trade",
        ),
        amount=2_000_000,
        on="2025-06-17",
    )
    b.submit(store, by="chain-hq-staff", on="2025-06-18")
    b.approve(store, by="cn-reviewer", on="2025-07-25", amount=1_500_000)

    # Rejected: the project already had city funding for the same work.
    maintenance = b.draft(
        by="cn-air-admin",
        org="cn-air",
        measure="cn-trial-aviation-services",
        project=(
            "航空维修数字化平台",
            "Digital platform for aircraft maintenance",
            "aviation_services",
        ),
        amount=5_000_000,
        on="2025-07-07",
    )
    b.submit(maintenance, by="cn-air-admin", on="2025-07-08")
    applications.reject(
        b.session,
        principal=b.people["cn-reviewer"],
        application_id=maintenance,
        reasons=[
            "该项目已获市级同类资金支持，不得重复申报。The project already receives city funding for the same work."
        ],
        today=_day("2025-08-12"),
    )

    # Withdrawn by the applicant after submitting.
    ground = b.draft(
        by="cn-air-admin",
        org="cn-air",
        measure="cn-trial-green",
        project=(
            "机场地面设备电动化改造",
            "Electrifying the airport's ground equipment",
            "green_low_carbon",
        ),
        amount=3_000_000,
        on="2025-07-18",
    )
    b.submit(ground, by="cn-air-admin", on="2025-07-20")
    applications.withdraw(
        b.session,
        principal=b.people["cn-air-admin"],
        application_id=ground,
        today=_day("2025-08-01"),
    )

    # Returned with a question, not answered yet.
    research = b.draft(
        by="cn-ai-staff",
        org="cn-ai",
        measure="cn-trial-sci-tech",
        project=(
            "多模态大模型核心算法攻关",
            "Core algorithms for multimodal large models",
            "sci_tech_innovation",
        ),
        amount=12_000_000,
        on="2025-08-04",
    )
    b.submit(research, by="cn-ai-staff", on="2025-08-05")
    applications.return_application(
        b.session,
        principal=b.people["cn-reviewer"],
        application_id=research,
        questions=[
            "请说明本项目与已获支持的城市大模型训练平台的区别。How does this project differ from the training platform already supported?"
        ],
        today=_day("2025-08-20"),
    )

    # Submitted, awaiting review: the annual support for an AI entity (no project; a yearly cap).
    yearly = b.draft(
        by="cn-ai-admin",
        org="cn-ai",
        measure="cn-trial-focus-entities",
        amount=50_000_000,
        on="2025-08-29",
    )
    b.submit(yearly, by="cn-ai-admin", on="2025-09-01")

    # A service measure in Minhang, filed by the headquarters under the all-measures delegation.
    logistics = b.draft(
        by="chain-hq-staff", org="chain-mh", measure="mh-bonded-logistics", on="2025-09-04"
    )
    b.submit(logistics, by="chain-hq-staff", on="2025-09-05")

    # A service measure in Xuhui, approved by Xuhui's reviewer (no money).
    data = b.draft(
        by="xh-data-admin", org="xh-data", measure="xh-cross-border-data", on="2025-09-09"
    )
    b.submit(data, by="xh-data-admin", on="2025-09-10")
    b.approve(data, by="xh-reviewer", on="2025-09-26", amount=None)

    # A service measure in Huangpu: recognition of the overseas qualifications of its staff.
    qualifications = b.draft(
        by="hp-wealth-admin",
        org="hp-wealth",
        measure="hp-overseas-financial-qualifications",
        on="2025-09-16",
    )
    b.submit(qualifications, by="hp-wealth-admin", on="2025-09-17")

    # The headquarters' own application, awaiting review.
    brand = b.draft(
        by="chain-hq-admin",
        org="chain-hq",
        measure="cn-trial-fashion-brands",
        project=(
            "海派原创设计品牌联名系列",
            "A co-branded series of original Shanghai-style designs",
            "fashion_brand",
        ),
        amount=1_500_000,
        on="2025-09-19",
    )
    b.submit(brand, by="chain-hq-admin", on="2025-09-20")

    # Drafts not yet submitted.
    b.draft(
        by="cn-ai-staff",
        org="cn-ai",
        measure="cn-trial-leaders-rd",
        project=(
            "研发中心扩建",
            "Expanding the R&D centre",
            "rd_input",
        ),
        amount=80_000_000,
        on="2025-09-15",
    )
    b.draft(
        by="mh-equip-admin", org="mh-equip", measure="mh-advanced-manufacturing", on="2025-10-09"
    )

    # 2026, before the trial policy ended: approved from the 2026 budget.
    inference = b.draft(
        by="cn-ai-staff",
        org="cn-ai",
        measure="cn-trial-ai-industry",
        project=(
            "城市大模型推理服务平台",
            "City-scale large-model inference service platform",
            "ai_industry",
        ),
        amount=6_000_000,
        on="2026-03-09",
    )
    b.submit(inference, by="cn-ai-staff", on="2026-03-10")
    b.approve(inference, by="cn-reviewer", on="2026-04-20", amount=5_000_000)
