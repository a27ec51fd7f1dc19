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
}

# Words that fill the templates, by language.
WORDS: dict[str, dict[Lang, str]] = {
    "none": {"zh": "（无）", "en": "(none)"},
    "work_permit": {"zh": "工作许可", "en": "work permit"},
    "residence": {"zh": "居留许可", "en": "residence permit"},
    "approved": {"zh": "准予", "en": "approved"},
    "refused": {"zh": "不予批准", "en": "refused"},
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
