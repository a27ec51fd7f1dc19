"""Bilingual text. Chinese is authoritative for policy text; English is complete."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_LANG", "Lang", "Text"]

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
