"""Writes countries.json: ISO 3166-1 codes (Debian's iso-codes), their names from CLDR (Babel) in
Chinese and English, and each Chinese name's pinyin for the Chinese order.

Run by a maintainer when CLDR or ISO 3166 change (needs `pip install pypinyin` and the iso-codes
package, /usr/share/iso-codes/json/iso_3166-1.json):

    python -m ftzlink.countries.generate
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from babel import Locale

ISO_CODES = Path("/usr/share/iso-codes/json/iso_3166-1.json")
OUT = Path(__file__).with_name("countries.json")


def _pinyin(name: str) -> str:
    from pypinyin import Style, lazy_pinyin  # type: ignore[import-not-found]  # maintainers only

    # Tone numbers after each syllable: 巴 (ba1) before 白 (bai2) before 保 (bao3), as dictionaries do.
    return " ".join(lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True))


def main() -> None:
    zh = Locale.parse("zh_Hans_CN").territories
    en = Locale.parse("en").territories
    rows = []
    for entry in json.loads(ISO_CODES.read_text(encoding="utf-8"))["3166-1"]:
        code = entry["alpha_2"]
        rows.append(
            {
                "alpha2": code,
                "alpha3": entry["alpha_3"],
                "zh": str(zh[code]),
                "en": unicodedata.normalize("NFC", str(en[code])),
                "pinyin": _pinyin(str(zh[code])),
            }
        )
    rows.sort(key=lambda r: r["alpha2"])
    OUT.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
