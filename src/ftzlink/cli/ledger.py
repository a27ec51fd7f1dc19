"""`ftzlink ledger …`: the verifiable log — keys, checkpoints, receipts, verification, witness."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
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
from ftzlink.errors import Conflict, InvalidInput, Problem
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from ftzlink.ledger.keys import Signer
    from ftzlink.ledger.published import Published
    from ftzlink.ledger.verifier import VerifierKey
    from ftzlink.text import Lang

ledger_app = typer.Typer(
    help="The verifiable log (RFC 9162 Merkle tree, signed checkpoints, receipts).",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")
witness_app = typer.Typer(
    help="A witness: keeps the checkpoints it has seen, refuses inconsistent ones. With --state "
    "and --url, a witness of its own (its own directory, following the log over HTTP); the "
    "commands below use the witness kept in the platform's database.",
    no_args_is_help=True,
)
ledger_app.add_typer(witness_app, name="witness")

MAX_INDEX = 2**62

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
    from ftzlink.ledger.published import file_name

    settings = Settings.from_env()
    with open_database(settings, lang=lang_of(ui_lang)) as db, db.write() as session:
        issued = checkpoints.sign(session, settings)
    written = settings.ledger_checkpoints_path / file_name(issued.size)
    if not written.exists():
        raise Conflict(
            f"the checkpoint was signed and stored in the database, but not written to {written}"
            if ui_lang is UILang.en
            else f"检查点已签名并存入数据库，但未能写入 {written}"
        )
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

    if index > MAX_INDEX:  # the API's bound too; past it the database cannot even look
        raise InvalidInput(
            "not an entry index" if ui_lang is UILang.en else "不是记录编号",
            [Problem(f"at most {MAX_INDEX:,}, not {index:,}", field="index")],
        )
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
    from ftzlink.ledger.verifier import VerificationError, parse_vkey
    from ftzlink.ledger.verifier import verify_receipt as check

    try:  # a key that is not one is bad input (2), not a receipt that fails (1)
        verifier = parse_vkey(key)
    except VerificationError as error:
        raise InvalidInput(
            "not a verifier key" if ui_lang is UILang.en else "不是验证公钥",
            [Problem(str(error), field="--key")],
        ) from None
    result = check(file.read_bytes(), verifier)
    # The reason is the verifier's own (it runs alone, without ftzlink); only the verdict is ours.
    if ui_lang is UILang.en:
        verdict = "OK: " if result.ok else "FAILED: "
    else:
        verdict = "收据有效：" if result.ok else "收据无效："
    console.print(verdict + result.why, markup=False)
    if not result.ok:
        raise typer.Exit(1)


# While serving, a checkpoint is signed every `ledger_checkpoint_seconds`; an entry left unsigned
# longer than that and this margin means the checkpoints were deleted (or nobody signs).
GRACE_SECONDS = 60


@dataclass(frozen=True)
class Outside:
    """What `ledger verify` and `audit verify` check the database against, from outside it."""

    notes: list[str]  # --checkpoint files
    directory: Path  # the checkpoint directory
    published: list[Published]
    max_uncovered_age: dt.timedelta | None


def outside_of(
    settings: Settings, files: list[Path], directory: Path | None, lang: Lang
) -> Outside:
    from ftzlink.ledger import published

    directory = directory or settings.ledger_checkpoints_path
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(
            f"--checkpoint-dir {directory} is not a directory"
            if lang == "en"
            else f"--checkpoint-dir {directory} 不是目录"
        )
    try:
        found = published.read(directory)
    except OSError as error:
        raise InvalidInput(
            f"cannot read the checkpoint directory {directory}: {error.strerror}"
            if lang == "en"
            else f"无法读取检查点目录 {directory}：{error.strerror}"
        ) from None
    seconds = settings.ledger_checkpoint_seconds
    age = dt.timedelta(seconds=seconds + GRACE_SECONDS) if seconds > 0 else None
    return Outside([read_note(p, lang) for p in files], directory, found, age)


def print_outside(outside: Outside, published: int, lang: Lang) -> None:
    """The line that says what outside the database was checked."""
    if published:
        console.print(
            f"checkpoints outside the database: {published} in {outside.directory}, all in the "
            "database too"
            if lang == "en"
            else f"数据库之外的检查点：{outside.directory} 中 {published} 个，均与数据库一致",
            markup=False,
        )
    else:
        console.print(
            f"note: no checkpoint in {outside.directory} yet"
            if lang == "en"
            else f"注：{outside.directory} 中尚无检查点",
            markup=False,
        )


CheckpointFilesOption = typer.Option(
    [], "--checkpoint", help="a signed checkpoint kept outside the database (repeatable)"
)
CheckpointDirOption = typer.Option(
    None,
    "--checkpoint-dir",
    help="the directory of published checkpoints (default: FTZLINK_LEDGER_CHECKPOINT_DIR, or "
    "<data dir>/checkpoints)",
)


@ledger_app.command("verify")
def verify(
    key: str | None = KeyOption,
    checkpoint_files: list[Path] = CheckpointFilesOption,
    checkpoint_dir: Path | None = CheckpointDirOption,
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Recompute the whole log: leaf hashes, every stored subtree hash, every signed checkpoint,
    and every checkpoint published outside the database (which must be in it too).

    Exit 0 if everything holds; 1, naming the first bad entry, if not; 2 if a --checkpoint file
    is not a signed checkpoint.
    """
    from ftzlink.ledger.integrity import verify_log

    lang = lang_of(ui_lang)
    en = lang == "en"
    settings = Settings.from_env()
    outside = outside_of(settings, checkpoint_files, checkpoint_dir, lang)
    vkey = key_or_none(settings, key, lang)
    with open_database(settings, lang=lang) as db, db.read() as session:
        result = verify_log(
            session,
            vkey,
            outside_checkpoints=outside.notes,
            published=outside.published,
            max_uncovered_age=outside.max_uncovered_age,
        )
    if format is OutputFormat.json:
        print_json_data(
            {
                "ok": result.ok,
                "entries": result.size,
                "checkpoints": result.checkpoints,
                "published": result.published,
                "checkpoint_dir": str(outside.directory),
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
        print_outside(outside, result.published, lang)
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


def read_note(path: Path, lang: Lang = "en") -> str:
    """A signed checkpoint from a file, forgiving extra blank lines an editor or `echo` left at
    its end; InvalidInput (exit 2), in one line, if the file is not one."""
    from ftzlink.ledger.verifier import VerificationError, parse_checkpoint_body, split_note

    try:
        note = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
        parse_checkpoint_body(split_note(note)[0])
    except (OSError, UnicodeDecodeError, VerificationError) as error:
        why = error.strerror if isinstance(error, OSError) else str(error)
        if isinstance(error, UnicodeDecodeError):
            why = "not UTF-8 text" if lang == "en" else "不是 UTF-8 文本"
        raise InvalidInput(
            f"--checkpoint {path} is not a signed checkpoint: {why}"
            if lang == "en"
            else f"--checkpoint {path} 不是签名检查点：{why}"
        ) from None
    return note


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
    note = read_note(file, lang)
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


# --- a witness of its own: its own process, its own directory, the log over HTTP ---------------

WITNESS_KEY = "witness.key"
LOG_KEY = "log.vkey"


def _witness_keys(
    state: Path, url: str, vkey: str | None, name: str, lang: Lang
) -> tuple[VerifierKey, Signer]:
    """The log's verifier key (kept in the state from the first run: trust on first use) and the
    witness's own signing key (made on the first run)."""
    from ftzlink.ledger.keys import generate, parse_private_key, write_key_file
    from ftzlink.ledger.remote import LogClient
    from ftzlink.ledger.witness import cosignature_vkey

    en = lang == "en"
    state.mkdir(parents=True, exist_ok=True)
    kept = state / LOG_KEY
    if kept.exists():
        log_key = kept.read_text(encoding="ascii").strip()
        if vkey is not None and vkey.strip() != log_key:
            raise InvalidInput(
                f"--key differs from the log key this witness keeps in {kept}"
                if en
                else f"--key 与见证人保存在 {kept} 中的账本公钥不同"
            )
    else:
        log_key = vkey.strip() if vkey is not None else LogClient.at(url).verifier_key()
    verifier = _key(Settings.from_env(), log_key, lang)
    if not kept.exists():
        kept.write_text(verifier.vkey + "\n", encoding="ascii")
    key_file = state / WITNESS_KEY
    if key_file.exists():
        cosigner = parse_private_key(key_file.read_text(encoding="ascii"))
    else:
        cosigner = generate(name)
        write_key_file(key_file, cosigner)
        err_console.print(
            f"witness key written to {key_file}; its cosignature key: {cosignature_vkey(cosigner)}"
            if en
            else f"见证人密钥已写入 {key_file}；其副署公钥：{cosignature_vkey(cosigner)}",
            markup=False,
        )
    return verifier, cosigner


def run_witness(
    state: Path, url: str, vkey: str | None, name: str, lang: Lang
) -> tuple[str, int, bool]:
    """One look at the log: its latest checkpoint, kept (and cosigned) if consistent with what
    this witness saw. (origin, size, whether it was new); Conflict if refused."""
    from ftzlink.ledger.remote import LogClient
    from ftzlink.ledger.verifier import VerificationError, parse_checkpoint_body, split_note
    from ftzlink.ledger.witness import DirectoryStore, Witness

    client = LogClient.at(url)
    verifier, cosigner = _witness_keys(state, url, vkey, name, lang)
    witness = Witness(DirectoryStore(state), [verifier], cosigner=cosigner)
    note = client.checkpoint()
    try:
        size = parse_checkpoint_body(split_note(note)[0]).size
    except VerificationError:
        size = 0  # observe() says why it is refused
    previous = witness.latest(verifier.name)
    proof = None
    if previous is not None and previous.size < size:
        proof = client.consistency(previous.size, size)
    seen = witness.observe(note, proof)
    return seen.origin, seen.size, previous is None or previous.size != seen.size


@witness_app.callback(invoke_without_command=True)
def witness_run(
    ctx: typer.Context,
    state: Path | None = typer.Option(
        None, "--state", file_okay=False, help="the witness's own directory (made if absent)"
    ),
    url: str | None = typer.Option(
        None, "--url", help="the platform's address, e.g. https://ftzlink.example"
    ),
    key: str | None = typer.Option(
        None,
        "--key",
        help="the log's verifier key; default: the one kept in --state, or on the first run "
        "the one the platform serves (trust on first use)",
    ),
    name: str = typer.Option(
        "ftzlink-witness", "--name", help="the witness's name, on its cosignatures"
    ),
    every: int = typer.Option(
        0, "--every", min=0, help="look again every so many seconds (0: look once and exit)"
    ),
    ui_lang: UILang = LangOption,
) -> None:
    """Witness the log at --url, keeping what it accepts in --state. Exit 0 if the log's latest
    checkpoint is consistent with everything this witness saw (it is kept and cosigned); 1 if it
    is refused (a rewritten, forked or shortened log)."""
    import time

    if ctx.invoked_subcommand is not None:
        return
    lang = lang_of(ui_lang)
    en = lang == "en"
    if state is None or url is None:
        raise InvalidInput(
            "a witness of its own needs --state DIR and --url URL"
            if en
            else "独立见证人需要 --state 目录和 --url 地址"
        )
    while True:
        origin, size, new = run_witness(state, url, key, name, lang)
        if en:
            verb = "witnessed and cosigned" if new else "nothing new, still consistent"
            console.print(f"{verb}: {origin} at size {size}", markup=False)
        else:
            verb = "见证人已接受并副署" if new else "无新检查点，仍然一致"
            console.print(f"{verb}：{origin}，树大小 {size}", markup=False)
        if every == 0:
            return
        time.sleep(every)
