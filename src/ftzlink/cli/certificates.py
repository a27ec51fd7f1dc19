"""`ftzlink certificates …`: check a certificate file offline; show one the platform issued."""

from __future__ import annotations

from pathlib import Path

import typer

from ftzlink.cli import app
from ftzlink.cli.database import open_database
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    print_json_data,
)
from ftzlink.errors import InvalidInput, NotGenuine, Problem
from ftzlink.settings import Settings

certificates_app = typer.Typer(
    help="Certificates anyone can verify: approval notices and other decisions, signed and on "
    "the ledger.",
    no_args_is_help=True,
)
app.add_typer(certificates_app, name="certificates")


def _key_text(value: str) -> str:
    """`--key` is the verifier key itself, or a file holding it (as `ledger show` prints it)."""
    path = Path(value)
    if "+" not in value or path.is_file():
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            raise InvalidInput(
                "not a verifier key", [Problem(f"no readable key file {value}", field="--key")]
            ) from None
    return value


@certificates_app.command("verify")
def verify(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="the certificate file (JSON)"
    ),
    key: str = typer.Option(
        ...,
        "--key",
        help="the platform's verifier key (name+id+base64), or a file holding it; "
        "from /api/v1/certificates/public-key",
    ),
    ui_lang: UILang = LangOption,
) -> None:
    """Check a certificate file offline: signature, hash and ledger inclusion. Exit 0 if it holds,
    1 if it does not (the reason is printed), 2 if the key is not one."""
    from ftzlink.certificates.document import parse_key, verify_file

    verifier = parse_key(_key_text(key))
    try:
        checked = verify_file(file.read_bytes(), verifier)
    except NotGenuine as refused:
        # The domain error, with the check that failed, goes to the one error mapping (exit 1).
        prefix = "not genuine" if ui_lang is UILang.en else "证书无效"
        raise NotGenuine(f"{prefix}: {refused}", reason=refused.reason) from None
    number = checked.document["number"]
    if ui_lang is UILang.en:
        text = (
            f"genuine: certificate {number} is signed by {verifier.name} and is entry "
            f"{checked.ledger_index} of its ledger (checkpoint of size {checked.tree_size})"
        )
    else:
        text = (
            f"真实有效：证书 {number} 由 {verifier.name} 签名，为账本第 {checked.ledger_index} 条记录"
            f"（检查点规模 {checked.tree_size}）"
        )
    console.print(text, markup=False)


@certificates_app.command("show")
def show(
    number: str = typer.Argument(..., help="the certificate number, e.g. GA-2026-000001"),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """A certificate the platform issued: its facts, hash, ledger entry and whether it stands."""
    from ftzlink.certificates import service

    settings = Settings.from_env()
    lang = lang_of(ui_lang)
    with open_database(settings, lang=lang) as db, db.read() as session:
        row = service.find(session, number=number)
        document, sha256, index = row.document, row.sha256, row.ledger_index
        revoked = row.revoked_at
    if format is OutputFormat.json:
        print_json_data(
            {
                "document": document,
                "sha256": sha256,
                "ledger_index": index,
                "revoked_at": revoked.isoformat() if revoked else None,
            }
        )
        return
    lines = [f"{document['title'][lang]}  {document['number']}"]
    lines.append(("签发日期" if lang == "zh" else "Issued on") + f": {document['issued_on']}")
    for fact in document["facts"]:
        lines.append(f"{fact['label'][lang]}: {fact['value'][lang]}")
    lines.append(f"SHA-256: {sha256}")
    lines.append(("账本记录" if lang == "zh" else "Ledger entry") + f": {index}")
    if revoked:
        lines.append(("已撤销" if lang == "zh" else "Revoked") + f": {revoked.isoformat()}")
    console.print("\n".join(lines), markup=False)
