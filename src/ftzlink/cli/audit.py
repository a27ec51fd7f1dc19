"""`ftzlink audit verify`: recompute the audit log's hash chain and say where it breaks, if it does."""

from __future__ import annotations

from pathlib import Path

import typer

from ftzlink.cli import app
from ftzlink.cli.database import database_label, open_database
from ftzlink.cli.ledger import (
    CheckpointDirOption,
    CheckpointFilesOption,
    key_or_none,
    outside_of,
    print_outside,
)
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    print_json_data,
)
from ftzlink.settings import Settings

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    key: str | None = typer.Option(
        None,
        "--key",
        help="the ledger's verifier key (name+id+base64); default: the configured key's",
    ),
    checkpoint_files: list[Path] = CheckpointFilesOption,
    checkpoint_dir: Path | None = CheckpointDirOption,
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Check every entry of the audit log against the one before it and the log's head, then
    against its copy on the ledger, then the ledger and its signed checkpoints.

    Checkpoints published outside the database (the checkpoint directory) must be in it too.
    Exit 0 if everything holds; 1, naming the first entry that does not fit, if not; 2 if a
    --checkpoint file is not a signed checkpoint.
    """
    from ftzlink.audit.log import verify as verify_chain

    lang = lang_of(ui_lang)
    en = lang == "en"
    settings = Settings.from_env()
    vkey = key_or_none(settings, key, lang)
    outside = outside_of(settings, checkpoint_files, checkpoint_dir, lang)
    with open_database(settings, lang=lang) as db, db.read() as session:
        result = verify_chain(
            session,
            key=vkey,
            outside_checkpoints=outside.notes,
            published=outside.published,
            max_uncovered_age=outside.max_uncovered_age,
        )
    if format is OutputFormat.json:
        print_json_data(
            {
                "ok": result.ok,
                "entries": result.entries,
                "first_bad_seq": result.first_bad_seq,
                "problem": result.problem,
                "checkpoints": result.checkpoints,
                "published": result.published,
                "checkpoint_dir": str(outside.directory),
                "signed_size": result.signed_size,
                "notes": list(result.notes),
            }
        )
    elif result.ok:
        label = database_label(settings.database_url)
        console.print(
            f"OK: the audit log's {result.entries} entries form an intact chain, agree with the "
            f"ledger, and the ledger matches {result.checkpoints} signed checkpoint(s) ({label})"
            if en
            else f"完好：审计日志的 {result.entries} 条记录构成完整的哈希链，与账本一致，"
            f"账本与 {result.checkpoints} 个签名检查点相符（{label}）",
            markup=False,
        )
        print_outside(outside, result.published, lang)
        for note in result.notes:
            console.print(f"note: {note}" if en else f"注：{note}", markup=False)
    else:
        seq = result.first_bad_seq
        console.print(
            ("BROKEN" if seq is None else f"BROKEN at entry {seq}")
            + f": {result.problem} (checked {result.entries} entries)"
            if en
            else ("损坏：" if seq is None else f"损坏：第 {seq} 条记录：")
            + f"{result.problem}（共检查 {result.entries} 条记录）",
            markup=False,
        )
    if not result.ok:
        raise typer.Exit(1)
