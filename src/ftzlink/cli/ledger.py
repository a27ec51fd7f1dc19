"""`ftzlink ledger …`: the verifiable log — keys, checkpoints, receipts, verification, witness."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ftzlink.cli import app
from ftzlink.cli.database import database_label, open_database
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    err_console,
    lang_of,
    print_json_data,
)
from ftzlink.errors import InvalidInput, Problem
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from ftzlink.ledger.verifier import VerifierKey
    from ftzlink.text import Lang

ledger_app = typer.Typer(
    help="The verifiable log (RFC 9162 Merkle tree, signed checkpoints, receipts).",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")
witness_app = typer.Typer(
    help="A witness: keeps the checkpoints it has seen, refuses inconsistent ones.",
    no_args_is_help=True,
)
ledger_app.add_typer(witness_app, name="witness")

KeyOption = typer.Option(
    None, "--key", help="the log's verifier key (name+id+base64); default: the configured key's"
)


def _key(settings: Settings, vkey: str | None, lang: Lang) -> VerifierKey:
    from ftzlink.ledger.keys import load_signer
    from ftzlink.ledger.verifier import VerificationError, parse_vkey

    if vkey is None:
        return load_signer(settings).verifier
    try:
        return parse_vkey(vkey)
    except VerificationError as error:
        raise InvalidInput(
            "not a verifier key" if lang == "en" else "不是验证公钥",
            [Problem(str(error), field="--key")],
        ) from None


def key_or_none(settings: Settings, vkey: str | None, lang: Lang = "en") -> VerifierKey | None:
    from ftzlink.errors import NotFound

    try:
        return _key(settings, vkey, lang)
    except NotFound:
        return None


@ledger_app.command("keygen")
def keygen(
    out: Path | None = typer.Option(
        None, "--out", help="where to write (default: the configured key file)"
    ),
    force: bool = typer.Option(False, "--force", help="replace an existing key file"),
    ui_lang: UILang = LangOption,
) -> None:
    """Make an Ed25519 signing key: the private key goes to a file (mode 0600), the verifier key is printed."""
    from ftzlink.ledger.keys import generate, write_key_file

    settings = Settings.from_env()
    path = out or settings.ledger_key_path
    signer = generate(settings.ledger_origin)
    write_key_file(path, signer, overwrite=force)
    err_console.print(
        f"private key written to {path} (keep it outside the database); the verifier key:"
        if ui_lang is UILang.en
        else f"私钥已写入 {path}（请保存在数据库之外）；验证公钥：",
        markup=False,
    )
    print(signer.vkey)


@ledger_app.command("show")
def show(format: OutputFormat = FormatOption, ui_lang: UILang = LangOption) -> None:
    """The log's size and root, and its latest signed checkpoint."""
    from ftzlink.ledger import checkpoints, log

    lang = lang_of(ui_lang)
    en = lang == "en"
    settings = Settings.from_env()
    with open_database(settings, lang=lang) as db, db.read() as session:
        head = log.head(session)
        latest = checkpoints.latest(session)
    data = {
        "size": head.size,
        "root_hash": head.root_hash.hex(),
        "checkpoint": None
        if latest is None
        else {"size": latest.size, "root_hash": latest.root_hex, "note": latest.note},
    }
    if format is OutputFormat.json:
        print_json_data(data)
        return
    label, root = database_label(settings.database_url), head.root_hash.hex()
    if en:
        console.print(f"database: {label}\nentries: {head.size}\nroot: {root}", markup=False)
    else:
        console.print(f"数据库：{label}\n记录数：{head.size}\n根哈希：{root}", markup=False)
    if latest is None:
        console.print(
            "no signed checkpoint yet (ftzlink ledger checkpoint)"
            if en
            else "尚无签名检查点（ftzlink ledger checkpoint）",
            markup=False,
        )
    else:
        console.print(
            f"latest checkpoint (size {latest.size}):"
            if en
            else f"最新签名检查点（树大小 {latest.size}）：",
            markup=False,
        )
        print(latest.note, end="")


@ledger_app.command("checkpoint")
def checkpoint(format: OutputFormat = FormatOption, ui_lang: UILang = LangOption) -> None:
    """Sign a checkpoint of the whole log, after checking it extends the previous one."""
    from ftzlink.ledger import checkpoints
    from ftzlink.ledger.published import publish

    settings = Settings.from_env()
    with open_database(settings, lang=lang_of(ui_lang)) as db, db.write() as session:
        issued = checkpoints.sign(session, settings)
    publish(settings.checkpoints_dir, issued)
    if format is OutputFormat.json:
        print_json_data({"size": issued.size, "root_hash": issued.root_hex, "note": issued.note})
    else:
        print(issued.note, end="")


@ledger_app.command("receipt")
def receipt(
    index: int = typer.Argument(..., min=0, help="the entry's index"),
    out: Path | None = typer.Option(
        None, "--out", help="write the receipt here (default: print it)"
    ),
    ui_lang: UILang = LangOption,
) -> None:
    """An offline receipt for an entry against the latest signed checkpoint."""
    from ftzlink.ledger.receipts import build_receipt

    settings = Settings.from_env()
    with open_database(settings, lang=lang_of(ui_lang)) as db, db.read() as session:
        text = build_receipt(session, index).to_json()
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
        console.print(
            f"receipt for entry {index} written to {out}"
            if ui_lang is UILang.en
            else f"第 {index} 条记录的收据已写入 {out}",
            markup=False,
        )


@ledger_app.command("verify-receipt")
def verify_receipt(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="the receipt (JSON)"),
    key: str = typer.Option(..., "--key", help="the log's verifier key (name+id+base64)"),
    ui_lang: UILang = LangOption,
) -> None:
    """Check a receipt with nothing but the log's public key. Exit 0 if it holds, 1 if not."""
    from ftzlink.ledger.verifier import verify_receipt as check

    result = check(file.read_bytes(), key)
    # The reason is the verifier's own (it runs alone, without ftzlink); only the verdict is ours.
    if ui_lang is UILang.en:
        verdict = "OK: " if result.ok else "FAILED: "
    else:
        verdict = "收据有效：" if result.ok else "收据无效："
    console.print(verdict + result.why, markup=False)
    if not result.ok:
        raise typer.Exit(1)


@ledger_app.command("verify")
def verify(
    key: str | None = KeyOption,
    checkpoint_files: list[Path] = typer.Option(
        [], "--checkpoint", help="a signed checkpoint kept outside the database (repeatable)"
    ),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Recompute the whole log: leaf hashes, every stored subtree hash, every signed checkpoint.

    Exit 0 if everything holds; 1, naming the first bad entry, if not.
    """
    from ftzlink.ledger.integrity import verify_log

    lang = lang_of(ui_lang)
    en = lang == "en"
    settings = Settings.from_env()
    outside = [read_note(p) for p in checkpoint_files]
    vkey = key_or_none(settings, key, lang)
    with open_database(settings, lang=lang) as db, db.read() as session:
        result = verify_log(session, vkey, outside_checkpoints=outside)
    if format is OutputFormat.json:
        print_json_data(
            {
                "ok": result.ok,
                "entries": result.size,
                "checkpoints": result.checkpoints,
                "signed_size": result.signed_size,
                "first_bad_index": result.first_bad_index,
                "problem": result.problem,
                "notes": result.notes,
            }
        )
    elif result.ok:
        label = database_label(settings.database_url)
        console.print(
            f"OK: the ledger's {result.size} entries match every stored hash and "
            f"{result.checkpoints} signed checkpoint(s) ({label})"
            if en
            else f"完好：账本的 {result.size} 条记录与所有已存哈希及 "
            f"{result.checkpoints} 个签名检查点相符（{label}）",
            markup=False,
        )
        for note in result.notes:
            console.print(f"note: {note}" if en else f"注：{note}", markup=False)
    elif en:
        where = "" if result.first_bad_index is None else f" at entry {result.first_bad_index}"
        console.print(f"BROKEN{where}: {result.problem}", markup=False)
    else:
        where = "" if result.first_bad_index is None else f"第 {result.first_bad_index} 条记录："
        console.print(f"损坏：{where}{result.problem}", markup=False)
    if not result.ok:
        raise typer.Exit(1)


def read_note(path: Path) -> str:
    """A signed note from a file, forgiving extra blank lines an editor or `echo` left at its end."""
    return path.read_text(encoding="utf-8").rstrip("\n") + "\n"


def _proof_lines(path: Path, lang: Lang) -> list[bytes]:
    hashes = []
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
        if not line.strip():
            continue
        try:
            hashes.append(base64.b64decode(line.strip(), validate=True))
        except ValueError:
            en = lang == "en"
            raise InvalidInput(
                "not a consistency proof" if en else "不是一致性证明",
                [Problem("not base64" if en else "不是 base64 编码", file=path, line=number)],
            ) from None
    return hashes


@ledger_app.command("consistency")
def consistency(
    old: int = typer.Argument(..., min=0, help="the older tree size"),
    new: int | None = typer.Argument(None, min=0, help="the newer tree size (default: now)"),
    ui_lang: UILang = LangOption,
) -> None:
    """Print a consistency proof between two tree sizes, one base64 hash a line."""
    from ftzlink.ledger import log

    settings = Settings.from_env()
    with open_database(settings, lang=lang_of(ui_lang)) as db, db.read() as session:
        proof = log.consistency_proof(session, old, new)
    for h in proof:
        print(base64.b64encode(h).decode())


@witness_app.command("submit")
def witness_submit(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="a signed checkpoint"),
    key: str | None = KeyOption,
    proof: Path | None = typer.Option(
        None,
        "--proof",
        help="consistency proof from the last checkpoint seen (base64 lines); default: "
        "computed from this platform's log",
    ),
    ui_lang: UILang = LangOption,
) -> None:
    """Give the witness a checkpoint; it is kept if consistent with those seen, refused if not."""
    from ftzlink.ledger import log
    from ftzlink.ledger.verifier import VerificationError, parse_checkpoint_body
    from ftzlink.ledger.witness import Witness

    lang = lang_of(ui_lang)
    settings = Settings.from_env()
    note = read_note(file)
    verifier = _key(settings, key, lang)
    with open_database(settings, lang=lang) as db, db.write() as session:
        witness = Witness(session, [verifier])
        hashes = _proof_lines(proof, lang) if proof is not None else None
        if hashes is None:
            previous = witness.latest(verifier.name)
            try:
                size = parse_checkpoint_body(note.partition("\n\n")[0] + "\n").size
            except VerificationError:
                size = 0
            if previous is not None and previous.size < size <= log.size(session):
                hashes = log.consistency_proof(session, previous.size, size)
        seen = witness.observe(note, hashes)
    console.print(
        f"witnessed: {seen.origin} at size {seen.size}"
        if ui_lang is UILang.en
        else f"见证人已接受：{seen.origin}，树大小 {seen.size}",
        markup=False,
    )


@witness_app.command("show")
def witness_show(format: OutputFormat = FormatOption, ui_lang: UILang = LangOption) -> None:
    """The checkpoints the witness has accepted."""
    from sqlalchemy import select

    from ftzlink.ledger.tables import WitnessedCheckpoint

    settings = Settings.from_env()
    with open_database(settings, lang=lang_of(ui_lang)) as db, db.read() as session:
        rows = [
            {"origin": r.origin, "size": r.size, "root_hash": bytes(r.root_hash).hex()}
            for r in session.scalars(select(WitnessedCheckpoint).order_by(WitnessedCheckpoint.id))
        ]
    if format is OutputFormat.json:
        print_json_data(rows)
        return
    for row in rows:
        console.print(f"{row['origin']}  {row['size']}  {row['root_hash']}", markup=False)
    if not rows:
        console.print(
            "the witness has seen no checkpoint yet"
            if ui_lang is UILang.en
            else "见证人尚未接受任何检查点",
            markup=False,
        )
