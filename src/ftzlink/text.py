"""Bilingual text. Chinese is authoritative for policy text; English is complete."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_LANG", "Lang", "Text", "name_in", "names"]

Lang = Literal["zh", "en"]
DEFAULT_LANG: Lang = "zh"


class Text(BaseModel):
    """A label or sentence in Chinese and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def join(self, other: Text, zh_sep: str = "", en_sep: str = " ") -> Text:
        return Text(zh=self.zh + zh_sep + other.zh, en=self.en + en_sep + other.en)


def names(name: str, name_en: str | None) -> Text:
    """A name given in Chinese and perhaps in English, for either reader (see `name_in`)."""
    return Text(zh=name, en=name_en or name)


def name_in(name: str, name_en: str | None, lang: Lang) -> str:
    """A name given in Chinese (authoritative) and perhaps also in English, as a reader of `lang`
    sees it: in English where an English name is given, else in Chinese."""
    return name_en if lang == "en" and name_en else name
