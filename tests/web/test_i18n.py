"""Both languages are complete: every message of the templates and the web code has a Chinese and
an English translation, and the catalogs compile."""

from __future__ import annotations

import re

import pytest

from ftzlink.web import i18n


def test_the_templates_and_code_have_messages_to_translate() -> None:
    messages = i18n.extract()
    assert len(messages) > 50
    assert any("templates" in location for m in messages for location in m.locations)
    assert any(location.endswith(".py") for m in messages for location in m.locations)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_message_is_translated(lang: i18n.Lang) -> None:
    missing = i18n.untranslated(lang)
    assert not missing, (
        f"untranslated in {i18n.LOCALES[lang]} (run `python -m ftzlink.web.i18n update`, "
        f"then translate): {missing}"
    )


def test_chinese_translations_keep_every_placeholder() -> None:
    catalog = i18n.load_catalog("zh")
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for original in ids:
            for placeholder in re.findall(r"%\((\w+)\)s", original):
                assert all(f"%({placeholder})s" in s for s in strings), message.id


def test_the_compiled_catalogs_translate() -> None:
    assert i18n.translations("zh").gettext("Sign in") == "登录"
    assert i18n.translations("en").gettext("Sign in") == "Sign in"
