"""`ftzlink db backup` and `ftzlink db restore`: a thin shell over `ftzlink.ops.backup`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ftzlink.cli.database import database_label, db_app
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    print_json_data,
)
from ftzlink.errors import Conflict, InvalidInput, Problem
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from ftzlink.ops.backup import RestoreReport, VerifyReport


def _say(en: bool, english: str, chinese: str) -> None:
    console.print(english if en else chinese, markup=False)


def _verify_data(report: VerifyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "file": str(report.path),
        "created_at": report.created_at,
        "database": report.dialect,
        "database_included": report.database_included,
        "files": report.files,
        "bytes": report.bytes,
        "ledger_size": report.ledger_size,
        "audit_entries": report.audit_entries,
        "checkpoint_size": report.checkpoint_size,
        "problems": report.problems,
        "notes": report.notes,
    }


def _print_verify(report: VerifyReport, en: bool) -> None:
    _say(
        en,
        f"backup {report.path} taken {report.created_at}: {report.files} files, "
        f"{report.bytes} bytes, database {report.dialect}"
        + ("" if report.database_included else " (not included: see pg_dump)"),
        f"备份 {report.path}（{report.created_at}）：{report.files} 个文件，{report.bytes} 字节，"
        f"数据库 {report.dialect}" + ("" if report.database_included else "（未包含，见 pg_dump）"),
    )
    if report.database_included:
        _say(
            en,
            f"  ledger entries {report.ledger_size}, audit entries {report.audit_entries}, "
            f"newest signed checkpoint at size {report.checkpoint_size or 'none'}",
            f"  账本记录 {report.ledger_size} 条，审计记录 {report.audit_entries} 条，"
            f"最新签名检查点树大小 {report.checkpoint_size or '无'}",
        )
    for note in report.notes:
        _say(en, f"note: {note}", f"注：{note}")
    for problem in report.problems:
        _say(en, f"PROBLEM: {problem}", f"问题：{problem}")
    if report.ok:
        _say(
            en,
            "OK: every file matches the manifest"
            + (", the audit log and the ledger verify" if report.database_included else ""),
            "完好：所有文件与清单相符"
            + ("，审计日志与账本校验通过" if report.database_included else ""),
        )


@db_app.command("backup")
def backup_command(
    out: Path | None = typer.Option(
        None, "--out", help="write a backup to this new file (.tar.gz)", dir_okay=False
    ),
    verify: Path | None = typer.Option(
        None, "--verify", help="check this backup without restoring it", dir_okay=False
    ),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Back up the platform while it runs: a consistent snapshot of the SQLite database, the
    uploaded documents and the published checkpoints, with a manifest of sizes and SHA-256.

    On PostgreSQL the database itself is dumped with pg_dump (the command is printed); the backup
    then holds the documents and checkpoints. With --verify FILE, check a backup instead: every
    file against the manifest, the database's integrity, its documents, audit log and ledger.
    Exit 0 if it holds, 1 if not.
    """
    from ftzlink.ops import backup as ops

    lang = lang_of(ui_lang)
    en = lang == "en"
    if (out is None) == (verify is None):
        raise InvalidInput(
            "give --out FILE to take a backup, or --verify FILE to check one"
            if en
            else "请用 --out FILE 创建备份，或用 --verify FILE 检查备份",
            [Problem("one of them, not both" if en else "二者选其一", field="--out")],
        )
    settings = Settings.from_env()
    if verify is not None:
        checked = ops.verify_backup(archive=verify, settings=settings)
        if format is OutputFormat.json:
            print_json_data(_verify_data(checked))
        else:
            _print_verify(checked, en)
        if not checked.ok:
            raise typer.Exit(1)
        return
    assert out is not None
    label = database_label(settings.database_url)
    if out.exists():
        raise Conflict(
            f"{out} exists already: choose a new file for the backup"
            if en
            else f"{out} 已存在：请为备份指定一个新文件"
        )
    database_file = ops.sqlite_file(settings.database_url)
    if database_file is not None and not database_file.is_file():
        raise Conflict(
            f"there is no database at {label} to back up" if en else f"{label} 处没有可备份的数据库"
        )
    report = ops.backup(settings=settings, out=out)
    if format is OutputFormat.json:
        print_json_data(
            {
                "file": str(report.out),
                "database": report.dialect,
                "files": report.files,
                "bytes": report.bytes,
                "documents": report.documents,
                "checkpoints": report.checkpoints,
                "ledger_size": report.ledger_size,
                "audit_entries": report.audit_entries,
                "revision": report.revision,
                "pg_dump": None
                if report.ledger_size is not None
                else ops.pg_dump_advice(settings.database_url),
            }
        )
        return
    if report.ledger_size is None:
        _say(
            en,
            f"the database is {label}: dump it with pg_dump, right before this backup:\n  "
            + ops.pg_dump_advice(settings.database_url),
            f"数据库为 {label}：请在本备份之前先用 pg_dump 导出：\n  "
            + ops.pg_dump_advice(settings.database_url),
        )
    else:
        _say(
            en,
            f"database snapshot of {label}: revision {report.revision}, "
            f"{report.audit_entries} audit entries, {report.ledger_size} ledger entries",
            f"数据库 {label} 的一致性快照：结构版本 {report.revision}，审计记录 "
            f"{report.audit_entries} 条，账本记录 {report.ledger_size} 条",
        )
    _say(
        en,
        f"backup written to {report.out}: {report.files} files ({report.documents} documents, "
        f"{report.checkpoints} published checkpoints), {report.bytes} bytes; check it with: "
        f"ftzlink db backup --verify {report.out}",
        f"备份已写入 {report.out}：{report.files} 个文件（文档 {report.documents} 个，"
        f"已发布检查点 {report.checkpoints} 个），共 {report.bytes} 字节；"
        f"检查备份：ftzlink db backup --verify {report.out}",
    )


def _restore_data(report: RestoreReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "into": str(report.into),
        "backup": _verify_data(report.backup),
        "published_checkpoints_dir": None if report.looked_in is None else str(report.looked_in),
        "published_checkpoints_matched": report.matched,
        "lost_entries": report.lost,
        "published_after_backup": [
            {"file": str(g.file), "size": g.size, "lost": g.lost, "signed": g.signed}
            for g in report.gaps
        ],
        "diverged": report.diverged,
    }


def _print_restore(report: RestoreReport, en: bool, settings: Settings) -> None:
    from ftzlink.ops.backup import pg_dump_advice

    _print_verify(report.backup, en)
    if not report.restored:
        _say(en, "the backup is damaged: nothing was restored", "备份已损坏：未恢复任何内容")
        return
    _say(en, f"restored into {report.into}", f"已恢复到 {report.into}")
    if not report.backup.database_included:
        _say(
            en,
            "the database was not in this backup: restore its pg_dump with pg_restore:\n  "
            + pg_dump_advice(settings.database_url),
            "本备份不含数据库：请用 pg_restore 恢复 pg_dump 导出的文件：\n  "
            + pg_dump_advice(settings.database_url),
        )
        return
    if report.looked_in is None:
        _say(
            en,
            "no published checkpoints to compare with (--checkpoints DIR): whether entries were "
            "made after the backup cannot be told",
            "没有可比对的已发布检查点（--checkpoints DIR）：无法判断备份之后是否还有记录",
        )
    else:
        _say(
            en,
            f"compared with the checkpoints published in {report.looked_in}: "
            f"{report.matched} agree with the restored ledger",
            f"已与 {report.looked_in} 中发布的检查点比对：{report.matched} 个与恢复的账本一致",
        )
    for gap in report.gaps:
        signed = {
            True: "signature verified",
            False: "SIGNATURE DOES NOT VERIFY",
            None: "unsigned check",
        }
        signed_zh = {True: "签名有效", False: "签名无效", None: "未校验签名"}
        _say(
            en,
            f"LACKS: {gap.file.name} shows the ledger at {gap.size} entries after the backup; "
            f"this restore has {gap.restored}: {gap.lost} entries lost ({signed[gap.signed]})",
            f"缺失：{gap.file.name} 表明备份之后账本已达 {gap.size} 条记录，本次恢复只有 "
            f"{gap.restored} 条：丢失 {gap.lost} 条（{signed_zh[gap.signed]}）",
        )
    for problem in report.diverged:
        _say(en, f"PROBLEM: {problem}", f"问题：{problem}")
    if report.looked_in is not None and not report.gaps:
        _say(
            en,
            "no checkpoint was published after the backup: nothing known to be lost",
            "备份之后没有发布新的检查点：未发现丢失的记录",
        )
    elif report.lost:
        _say(
            en,
            f"in all {report.lost} ledger entries made after the backup are not in this restore",
            f"共有 {report.lost} 条备份之后产生的账本记录不在本次恢复中",
        )
    _say(
        en,
        f"serve it with FTZLINK_DATA_DIR={report.into}",
        f"以 FTZLINK_DATA_DIR={report.into} 启动服务即可使用",
    )


@db_app.command("restore")
def restore_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="a backup (.tar.gz)"),
    into: Path | None = typer.Option(
        None, "--into", help="an empty data directory (default: FTZLINK_DATA_DIR)", file_okay=False
    ),
    checkpoints: Path | None = typer.Option(
        None,
        "--checkpoints",
        help="published checkpoint files to compare with (default: FTZLINK_LEDGER_CHECKPOINT_DIR or "
        "the data directory's checkpoints/, when outside the target)",
        file_okay=False,
    ),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Restore a backup into an empty data directory, verify its audit log and ledger, and name
    the ledger entries it lacks according to checkpoints published after the backup.

    Exit 0 when the restore verifies; 1 when it does not (or a published checkpoint contradicts it).
    """
    from ftzlink.ops import backup as ops

    lang = lang_of(ui_lang)
    en = lang == "en"
    settings = Settings.from_env()
    target = (into or settings.data_dir).absolute()
    published = checkpoints
    if published is None:
        candidate = settings.checkpoints_dir.absolute()
        if candidate.is_dir() and not candidate.is_relative_to(target):
            published = candidate
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Conflict(
            f"{target} is not an empty directory: a restore fills an empty data directory only, "
            "so that nothing there is overwritten; name one with --into"
            if en
            else f"{target} 不是空目录：恢复只写入空的数据目录，以免覆盖已有内容；请用 --into 指定"
        )
    report = ops.restore(archive=file, into=target, settings=settings, published=published)
    if format is OutputFormat.json:
        print_json_data(_restore_data(report))
    else:
        _print_restore(report, en, settings)
    if not report.ok:
        raise typer.Exit(1)
