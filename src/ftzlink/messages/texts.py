"""What each kind of message says, in Chinese and English: the domain's own small catalog (the
web UI's Babel catalogs are for pages; a message is written once, in its recipient's language,
when it is created, and then kept as written)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ftzlink.messages.tables import MessageKind
from ftzlink.text import Lang

__all__ = ["KIND_LABELS", "Rendered", "render"]


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


# kind → lang → (subject, body); str.format fields come from the event's resolver.
_TEXTS: dict[MessageKind, dict[Lang, tuple[str, str]]] = {
    MessageKind.APPLICATION_RETURNED: {
        "zh": (
            "申请 {reference} 已退回，请补正",
            "您的申请 {reference}（{measure}）已被审核人退回，需要您补正后重新提交。\n"
            "退回原因：{reasons}",
        ),
        "en": (
            "Application {reference} was returned to you",
            "Your application {reference} ({measure}) was returned by the reviewer and needs "
            "your answer before it can be decided.\nReasons: {reasons}",
        ),
    },
    MessageKind.APPLICATION_APPROVED: {
        "zh": (
            "申请 {reference} 已批准",
            "您的申请 {reference}（{measure}）已获批准，批准金额 {amount} 元。",
        ),
        "en": (
            "Application {reference} was approved",
            "Your application {reference} ({measure}) was approved: {amount} yuan.",
        ),
    },
    MessageKind.APPLICATION_REJECTED: {
        "zh": (
            "申请 {reference} 未获批准",
            "您的申请 {reference}（{measure}）未获批准。\n原因：{reasons}",
        ),
        "en": (
            "Application {reference} was not approved",
            "Your application {reference} ({measure}) was rejected.\nReasons: {reasons}",
        ),
    },
    MessageKind.OFFER: {
        "zh": ("{subject}", "{body}"),
        "en": ("{subject}", "{body}"),
    },
    MessageKind.TALENT_RETURNED: {
        "zh": (
            "外籍人才办件 {reference} 需要补正",
            "办件 {reference} 的{track}审批需要您补充材料或答复。\n说明：{reasons}",
        ),
        "en": (
            "Foreign talent case {reference} needs your answer",
            "The {track} track of case {reference} was returned to you.\nNotes: {reasons}",
        ),
    },
    MessageKind.TALENT_DECIDED: {
        "zh": (
            "外籍人才办件 {reference}：{track}{outcome}",
            "办件 {reference} 的{track}审批已作出决定：{outcome}。\n{reasons}",
        ),
        "en": (
            "Foreign talent case {reference}: {track} {outcome}",
            "The {track} track of case {reference} was decided: {outcome}.\n{reasons}",
        ),
    },
    MessageKind.FILING_RETURNED: {
        "zh": (
            "数据出境申报 {reference} 已退回",
            "您的数据出境申报 {reference}（{title}）已被退回，请修改后重新提交。\n原因：{reasons}",
        ),
        "en": (
            "Data export filing {reference} was returned",
            "Your data export filing {reference} ({title}) was returned: change it and submit "
            "it again.\nReasons: {reasons}",
        ),
    },
    MessageKind.DATAFLOW_REMINDER: {
        "zh": (
            "数据出境安全评估 {reference} 即将到期，请申请延续",
            "安全评估 {reference} 的有效期至 {expires_on}；延续申请窗口自 {opens_on} 起开放。",
        ),
        "en": (
            "Security assessment {reference} expires soon: apply to extend it",
            "Security assessment {reference} is valid until {expires_on}; the window to apply "
            "for its extension opens on {opens_on}.",
        ),
    },
    MessageKind.PERMIT_EXPIRING: {
        "zh": (
            "外籍人才办件 {reference}：{track}将于 {valid_until} 到期",
            "办件 {reference}（{professional}）的{track}有效期至 {valid_until}，请及时办理延期。",
        ),
        "en": (
            "Foreign talent case {reference}: the {track} ends on {valid_until}",
            "The {track} of case {reference} ({professional}) is valid until {valid_until}: "
            "apply to extend it in time.",
        ),
    },
    MessageKind.FOREIGN_FILING_SUBMITTED: {
        "zh": (
            "代表机构{kind} {reference} 待审查",
            "{organisation}提交了代表机构{kind} {reference}（{office}），请在 {due} 前作出决定。",
        ),
        "en": (
            "Representative office {kind} {reference} awaits your decision",
            "{organisation} filed the representative office {kind} {reference} ({office}); "
            "decide by {due}.",
        ),
    },
    MessageKind.FOREIGN_FILING_RETURNED: {
        "zh": (
            "代表机构{kind} {reference} 已退回，请补正",
            "登记机关退回了代表机构{kind} {reference}（{office}），请补交材料后重新提交。\n"
            "退回原因：{reasons}",
        ),
        "en": (
            "Representative office {kind} {reference} was returned to you",
            "The registrar returned the representative office {kind} {reference} ({office}): "
            "provide what is asked and send it again.\nReasons: {reasons}",
        ),
    },
    MessageKind.FOREIGN_FILING_DECIDED: {
        "zh": (
            "代表机构{kind} {reference}：{outcome}",
            "登记机关对代表机构{kind} {reference}（{office}）作出决定：{outcome}。\n{reasons}",
        ),
        "en": (
            "Representative office {kind} {reference}: {outcome}",
            "The registrar decided the representative office {kind} {reference} ({office}): "
            "{outcome}.\n{reasons}",
        ),
    },
    MessageKind.FOREIGN_REMINDER: {
        "zh": ("{office}：{what}", "{office}（{reference}）：{what}，截止日期 {due}。"),
        "en": ("{office}: {what}", "{office} ({reference}): {what}, by {due}."),
    },
    MessageKind.FOREIGN_CORRECTION: {
        "zh": ("{office}：{what}", "{office}（{reference}）：{what}（{year}年度年度报告）。"),
        "en": ("{office}: {what}", "{office} ({reference}): {what} (the annual report on {year})."),
    },
}

KIND_LABELS: dict[MessageKind, dict[Lang, str]] = {
    MessageKind.APPLICATION_RETURNED: {"zh": "申请被退回", "en": "An application is returned"},
    MessageKind.APPLICATION_APPROVED: {"zh": "申请获批准", "en": "An application is approved"},
    MessageKind.APPLICATION_REJECTED: {"zh": "申请未获批准", "en": "An application is rejected"},
    MessageKind.OFFER: {"zh": "免申即享：政策主动送达", "en": "Support offered without applying"},
    MessageKind.TALENT_RETURNED: {"zh": "外籍人才办件被退回", "en": "A talent case is returned"},
    MessageKind.TALENT_DECIDED: {"zh": "外籍人才审批决定", "en": "A talent track is decided"},
    MessageKind.FILING_RETURNED: {"zh": "数据出境申报被退回", "en": "A data filing is returned"},
    MessageKind.DATAFLOW_REMINDER: {
        "zh": "数据出境安全评估延续提醒",
        "en": "Security assessment extension reminders",
    },
    MessageKind.PERMIT_EXPIRING: {
        "zh": "外籍人才许可即将到期提醒",
        "en": "A foreign professional's permit ends soon",
    },
    MessageKind.FOREIGN_FILING_SUBMITTED: {
        "zh": "代表机构申请待审查（登记机关）",
        "en": "A representative office filing awaits the registrar",
    },
    MessageKind.FOREIGN_FILING_RETURNED: {
        "zh": "代表机构申请被退回",
        "en": "A representative office filing is returned",
    },
    MessageKind.FOREIGN_FILING_DECIDED: {
        "zh": "代表机构申请的决定",
        "en": "A representative office filing is decided",
    },
    MessageKind.FOREIGN_REMINDER: {
        "zh": "代表机构年度报告与驻在期限提醒",
        "en": "Representative office annual report and term reminders",
    },
    MessageKind.FOREIGN_CORRECTION: {
        "zh": "代表机构责令改正（年度报告）",
        "en": "Representative office orders to correct (annual report)",
    },
}

# Words that fill the templates, by language.
WORDS: dict[str, dict[Lang, str]] = {
    "none": {"zh": "（无）", "en": "(none)"},
    "work_permit": {"zh": "工作许可", "en": "work permit"},
    "residence": {"zh": "居留许可", "en": "residence permit"},
    "approved": {"zh": "准予", "en": "approved"},
    "refused": {"zh": "不予批准", "en": "refused"},
    "rejected": {"zh": "不予登记", "en": "rejected"},
    "establishment": {"zh": "设立登记", "en": "establishment"},
    "change": {"zh": "变更登记", "en": "change"},
    "filing": {"zh": "备案", "en": "filing (备案)"},
    "annual_report": {"zh": "年度报告", "en": "annual report"},
    "extension": {"zh": "延期", "en": "extension"},
    "deregistration": {"zh": "注销登记", "en": "deregistration"},
    "annual_report_reminder": {
        "zh": "请于6月30日前报送上一年度的年度报告（条例第六条）",
        "en": "send last year's annual report by 30 June (Reg-2024 Art. 6)",
    },
    "term_end_reminder": {
        "zh": "驻在期限即将届满，请在届满前60日内申请延期（条例第二十八条）",
        "en": "the residence term ends soon: apply for an extension in the 60 days before it "
        "ends (Reg-2024 Art. 28)",
    },
    "correction_opened": {
        "zh": "未按时报送年度报告，登记机关责令限期改正，请于 {due} 前报送（条例第三十八条）",
        "en": "the annual report is missing: the registrar orders it corrected by {due} "
        "(Reg-2024 Art. 38)",
    },
    "correction_closed": {
        "zh": "年度报告已补报，改正案件已结案",
        "en": "the annual report was sent: the correction case is closed",
    },
}


def word(key: str, lang: Lang) -> str:
    entry = WORDS.get(key)
    return entry[lang] if entry else key


def render(kind: MessageKind, lang: Lang, values: dict[str, Any]) -> Rendered:
    """The subject and body of a message of `kind` in `lang`; `values` fill the template."""
    subject, body = _TEXTS[kind][lang]
    return Rendered(subject.format(**values)[:300], body.format(**values))


_ACT: dict[Lang, str] = {"zh": "请登录平台查看：{url}", "en": "Sign in to see it: {url}"}
_FOOTER: dict[Lang, str] = {
    "zh": "此邮件由平台自动发送，请勿直接回复。可在“消息设置”中选择哪些消息通过邮件发送：{url}",
    "en": "Sent by the platform; do not reply. Choose which messages come by e-mail: {url}",
}


def email_text(*, lang: Lang, body: str, link_url: str, preferences_url: str) -> str:
    """The plain-text e-mail of a message: its body, where to act, and how to stop such mail."""
    return (
        f"{body}\n\n{_ACT[lang].format(url=link_url)}\n\n"
        f"--\n{_FOOTER[lang].format(url=preferences_url)}\n"
    )
