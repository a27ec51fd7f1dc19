"""The profile's fields put as questions to the enterprise, with what to say when one is left
unanswered: "贵企业是否为跨国公司地区总部？", "请选择贵企业是否为跨国公司地区总部".

The field labels (profiles/models.py) name a value in a table; these ask for it. The checker and
any other questionnaire ask with these words.
"""

from __future__ import annotations

from dataclasses import dataclass

from ftzlink.text import Text

__all__ = ["ASKED", "Asking", "asking"]


@dataclass(frozen=True)
class Asking:
    question: Text
    missing: Text  # the error when no answer is given


def _ask(zh: str, en: str, missing_zh: str, missing_en: str) -> Asking:
    return Asking(Text(zh=zh, en=en), Text(zh=missing_zh, en=missing_en))


ASKED: dict[str, Asking] = {
    "registered_district": _ask(
        "贵企业在哪个区注册？",
        "In which district is your company registered?",
        "请选择贵企业注册所在的区",
        "Select the district your company is registered in",
    ),
    "zone": _ask(
        "贵企业位于哪个联动创新区？",
        "Which linked innovation zone is your company in?",
        "请选择贵企业所在的联动创新区",
        "Select the linked innovation zone your company is in",
    ),
    "sub_area": _ask(
        "贵企业位于哪个功能区或片区？",
        "Which functional area or sub-area is your company in?",
        "请选择贵企业所在的功能区或片区",
        "Select the functional area or sub-area your company is in",
    ),
    "legal_form": _ask(
        "贵企业的组织形式是什么？",
        "What is your company's legal form?",
        "请选择贵企业的组织形式",
        "Select your company's legal form",
    ),
    "established_on": _ask(
        "贵企业何时成立？",
        "When was your company established?",
        "请输入贵企业的成立日期",
        "Enter the date your company was established",
    ),
    "credit_standing": _ask(
        "贵企业的信用状况如何？",
        "What is your company's credit standing?",
        "请选择贵企业的信用状况",
        "Select your company's credit standing",
    ),
    "district_approved_recipient": _ask(
        "贵企业是否为经区政府同意的支持对象？",
        "Has the district government approved your company as a support recipient?",
        "请选择贵企业是否为经区政府同意的支持对象",
        "Select whether the district government has approved your company as a support recipient",
    ),
    "sector": _ask(
        "贵企业属于哪个行业？",
        "Which sector is your company in?",
        "请选择贵企业所属的行业",
        "Select your company's sector",
    ),
    "sub_sector": _ask(
        "贵企业属于哪个细分领域？",
        "Which sub-sector is your company in?",
        "请选择贵企业所属的细分领域",
        "Select your company's sub-sector",
    ),
    "development_criteria_met": _ask(
        "贵企业是否符合区产业发展导向？",
        "Does your company meet the district's industrial development criteria?",
        "请选择贵企业是否符合区产业发展导向",
        "Select whether your company meets the district's industrial development criteria",
    ),
    "foreign_invested": _ask(
        "贵企业是否为外商投资企业？",
        "Is your company a foreign-invested enterprise?",
        "请选择贵企业是否为外商投资企业",
        "Select whether your company is a foreign-invested enterprise",
    ),
    "multinational": _ask(
        "贵企业是否为跨国公司或其地区总部？",
        "Is your company a multinational or a multinational's regional headquarters?",
        "请选择贵企业是否为跨国公司或其地区总部",
        "Select whether your company is a multinational or a multinational's regional headquarters",
    ),
    "chain_enterprise_headquarters": _ask(
        "贵企业是否为连锁企业总部？",
        "Is your company the headquarters of a chain enterprise?",
        "请选择贵企业是否为连锁企业总部",
        "Select whether your company is the headquarters of a chain enterprise",
    ),
    "key_enterprise": _ask(
        "贵企业是否为区重点企业？",
        "Is your company a recognised key enterprise of the district?",
        "请选择贵企业是否为区重点企业",
        "Select whether your company is a recognised key enterprise of the district",
    ),
    "projects": _ask(
        "贵企业计划开展或正在开展哪些类别的项目？",
        "Which kinds of project does your company plan or run?",
        "请选择贵企业的项目类别，或选择“以上都不是”",
        "Select the kinds of project your company plans or runs, or select none of these",
    ),
    "talent.foreign_professionals": _ask(
        "贵企业聘用了多少名外籍专业人才？",
        "How many foreign professionals does your company employ?",
        "请输入贵企业聘用的外籍专业人才人数",
        "Enter how many foreign professionals your company employs",
    ),
    "talent.high_level_foreign_professionals": _ask(
        "贵企业聘用了多少名高层次外籍专业人才？",
        "How many high-level foreign professionals does your company employ?",
        "请输入贵企业聘用的高层次外籍专业人才人数",
        "Enter how many high-level foreign professionals your company employs",
    ),
    "talent.certified_talents": _ask(
        "贵企业有多少名经引进或认定的人才？",
        "How many introduced or certified talents does your company have?",
        "请输入贵企业经引进或认定的人才人数",
        "Enter how many introduced or certified talents your company has",
    ),
    "talent.certified_talent_teams": _ask(
        "贵企业有多少个经引进或认定的人才团队或项目？",
        "How many introduced or certified talent teams or projects does your company have?",
        "请输入贵企业经引进或认定的人才团队或项目数",
        "Enter how many introduced or certified talent teams or projects your company has",
    ),
    "talent.invites_foreign_guests": _ask(
        "贵企业是否邀请外籍人士来华参加重大科研、交流或商务活动？",
        "Does your company invite foreign nationals to China for major research, exchange or "
        "commercial activities?",
        "请选择贵企业是否邀请外籍人士来华参加重大科研、交流或商务活动",
        "Select whether your company invites foreign nationals to China for major research, "
        "exchange or commercial activities",
    ),
}


def asking(field: str) -> Asking | None:
    """How to ask for `field` (a dotted profile path), if it is ever asked."""
    return ASKED.get(field)
