"""The operator's commands speak Chinese by default and English with `--lang en`: db upgrade, users,
demo load, serve, audit verify, ledger, talent invitations. JSON does not change with the language.
Each runs against a fresh database named by the environment, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import uvicorn

from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.cli import output
from ftzlink.db import Database
from ftzlink.demo import DEMO_PASSWORD
from ftzlink.ledger.keys import load_signer
from ftzlink.settings import Settings
from tests.conftest import Run
from tests.world import TODAY, USCC_A, build_world

CLI = Callable[..., Run]
PASSWORD = "a long enough password"


@pytest.fixture
def service_db(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """A migrated, empty database the commands find through the environment, with a data
    directory (and so a ledger key file) of its own."""
    monkeypatch.setenv("FTZLINK_DATABASE_URL", database.url)
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(tmp_path / "data"))
    for name in ("FTZLINK_LEDGER_KEY", "FTZLINK_LEDGER_KEY_FILE", "FTZLINK_TODAY"):
        monkeypatch.delenv(name, raising=False)
    return database


def speaks(run: Run, *, chinese: tuple[str, ...], english: tuple[str, ...], zh: bool) -> None:
    """The run's output holds the words of its language and none of the other's."""
    shown = run.out + run.err
    present, absent = (chinese, english) if zh else (english, chinese)
    for words in present:
        assert words in shown, (words, shown)
    for words in absent:
        assert words not in shown, (words, shown)


def in_both(
    cli: CLI, *args: str | Path, chinese: tuple[str, ...], english: tuple[str, ...]
) -> None:
    """Run a command that changes nothing, by default and with --lang en."""
    default = cli(*args)
    assert default.code == 0, default.out + default.err
    speaks(default, chinese=chinese, english=english, zh=True)
    english_run = cli(*args, "--lang", "en")
    assert english_run.code == 0, english_run.out + english_run.err
    speaks(english_run, chinese=chinese, english=english, zh=False)


# --- db upgrade, users ----------------------------------------------------------------------------


def test_db_upgrade_speaks_chinese_by_default_and_english_on_request(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", f"sqlite:///{tmp_path / 'platform.db'}")
    created = cli("db", "upgrade")
    assert created.code == 0, created.err
    speaks(
        created,
        chinese=("数据库：", "数据库结构已从版本 无 迁移到"),
        english=("database:", "migrated from revision"),
        zh=True,
    )
    in_both(
        cli,
        "db",
        "upgrade",
        chinese=("数据库：", "数据库结构已是最新版本"),
        english=("database:", "already at the newest schema"),
    )


def test_a_database_not_created_yet_is_refused_in_the_language_asked_for(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", f"sqlite:///{tmp_path / 'missing.db'}")
    default = cli("audit", "verify")
    assert (
        default.code == 1 and "还没有数据库" in default.err and "ftzlink db upgrade" in default.err
    )
    english = cli("audit", "verify", "--lang", "en")
    assert english.code == 1 and "there is no database" in english.err


def test_users_create_and_token_speak_chinese_by_default_and_english_on_request(
    cli: CLI, service_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for username, lang in (("wang.min", ()), ("li.jing", ("--lang", "en"))):
        monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
        created = cli(
            "users", "create", username, "--role", "reviewer", "--district", "changning",
            "--password-stdin", *lang,
        )  # fmt: skip
        assert created.code == 0, created.err
        speaks(
            created,
            chinese=("已创建用户", "角色 reviewer", "范围 changning"),
            english=("created user", " of changning"),
            zh=not lang,
        )
        issued = cli("users", "token", username, "--name", "district ERP", *lang)
        assert issued.code == 0, issued.err
        assert issued.out.strip().startswith("ftz_")  # the token alone, in either language
        speaks(
            issued,
            chinese=("仅显示这一次", "请立即保存"),
            english=("shown this once", "store it now"),
            zh=not lang,
        )


# --- demo load, audit verify, ledger ----------------------------------------------------------


DEMO_ZH = (
    "账本签名密钥已写入",
    "演示数据已载入",
    "家机构",
    "外籍人才办件",
    "演示登录账号",
    "登录名",
    "密码",
)
DEMO_EN = ("ledger signing key written to", "loaded the demo into", "organisations",
           "foreign-talent cases", "demo logins", "username", "password")  # fmt: skip


def test_demo_load_audit_and_ledger_commands_speak_chinese_by_default(
    cli: CLI, service_db: Database, tmp_path: Path
) -> None:
    loaded = cli("demo", "load")
    assert loaded.code == 0, loaded.err
    speaks(loaded, chinese=DEMO_ZH, english=DEMO_EN, zh=True)
    assert "cn-reviewer" in loaded.out and DEMO_PASSWORD in loaded.out

    in_both(
        cli, "audit", "verify",
        chinese=("完好：审计日志的", "哈希链", "签名检查点"),
        english=("OK:", "intact chain", "signed checkpoint(s)"),
    )  # fmt: skip
    in_both(
        cli, "ledger", "verify",
        chinese=("完好：账本的", "签名检查点相符"),
        english=("OK:", "match every stored hash"),
    )  # fmt: skip
    in_both(
        cli, "ledger", "show",
        chinese=("数据库：", "记录数：", "根哈希：", "最新签名检查点"),
        english=("database:", "entries:", "root:", "latest checkpoint"),
    )  # fmt: skip
    in_both(
        cli, "ledger", "witness", "show",
        chinese=("见证人尚未接受任何检查点",),
        english=("the witness has seen no checkpoint yet",),
    )  # fmt: skip
    for lang in ((), ("--lang", "en")):
        key = cli("ledger", "keygen", "--out", tmp_path / f"key{len(lang)}", *lang)
        assert key.code == 0, key.err
        assert key.out.strip() and "\n" not in key.out.strip()  # the verifier key alone
        speaks(
            key,
            chinese=("私钥已写入", "验证公钥"),
            english=("private key written to", "the verifier key"),
            zh=not lang,
        )

    signed = cli("ledger", "checkpoint")
    assert signed.code == 0, signed.err
    note = tmp_path / "checkpoint.txt"
    note.write_text(signed.out, encoding="utf-8")
    assert cli("ledger", "checkpoint", "--lang", "en").code == 0
    submitted = cli("ledger", "witness", "submit", note)
    assert submitted.code == 0, submitted.err
    speaks(submitted, chinese=("见证人已接受：",), english=("witnessed:",), zh=True)
    proof = cli("ledger", "consistency", "1")
    assert proof.code == 0 and proof.out == cli("ledger", "consistency", "1", "--lang", "en").out

    vkey = load_signer(Settings.from_env()).vkey
    receipt = tmp_path / "receipt.json"
    for lang in ((), ("--lang", "en")):
        written = cli("ledger", "receipt", "0", "--out", receipt, *lang)
        assert written.code == 0, written.err
        speaks(
            written,
            chinese=("第 0 条记录的收据已写入",),
            english=("receipt for entry 0 written to",),
            zh=not lang,
        )
    in_both(
        cli, "ledger", "verify-receipt", receipt, "--key", vkey,
        chinese=("收据有效：",), english=("OK: ",),
    )  # fmt: skip


def test_a_broken_audit_chain_is_reported_in_the_language_asked_for(
    cli: CLI, service_db: Database
) -> None:
    from sqlalchemy import text

    assert cli("demo", "load").code == 0
    with service_db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET detail = 'tampered' WHERE seq = 7"))
    default = cli("audit", "verify")
    assert default.code == 1
    speaks(default, chinese=("损坏：第 7 条记录", "共检查"), english=("BROKEN", "checked"), zh=True)
    assert "entry 7" in default.out  # the verifier's own words stay as they are
    english = cli("audit", "verify", "--lang", "en")
    assert english.code == 1
    speaks(english, chinese=("损坏", "共检查"), english=("BROKEN at entry 7",), zh=False)
    data = cli("audit", "verify", "--format", "json")
    assert data.out == cli("audit", "verify", "--format", "json", "--lang", "en").out
    assert json.loads(data.out)["first_bad_seq"] == 7


def test_demo_load_speaks_english_on_request_and_serve_in_both(
    cli: CLI, service_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = cli("demo", "load", "--lang", "en")
    assert loaded.code == 0, loaded.err
    speaks(loaded, chinese=DEMO_ZH, english=DEMO_EN, zh=False)

    # Serving itself is uvicorn's; what the command prints before it is ours.
    served: list[int] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **options: served.append(port))
    monkeypatch.setenv("FTZLINK_TODAY", "2026-11-24")  # the Changning trial has ended: a note
    in_both(
        cli, "serve", "--demo", "--port", "8123",
        chinese=("数据库：", "ftzlink 服务地址：http://127.0.0.1:8123/", "数据库中已有演示数据",
                 "演示登录账号", "登录名", "已于 2026-11-24 之前失效"),
        english=("database:", "serving ftzlink at http://127.0.0.1:8123/", "already holds the demo",
                 "demo logins", "username", "ended before 2026-11-24"),
    )  # fmt: skip
    assert served == [8123, 8123]


def test_serve_into_an_empty_database_says_it_loaded_the_demo_in_chinese(
    cli: CLI, service_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **options: None)
    run = cli("serve", "--demo")
    assert run.code == 0, run.err
    speaks(
        run,
        chinese=("演示数据已载入空数据库", "演示登录账号"),
        english=("loaded the demo", "demo logins"),
        zh=True,
    )
    assert "cn-reviewer" in run.out and DEMO_PASSWORD in run.out


# --- talent invitations ----------------------------------------------------------------------


def test_talent_invitations_speak_chinese_by_default_and_english_on_request(
    cli: CLI, service_db: Database, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTZLINK_TODAY", TODAY.isoformat())
    world = build_world(service_db, catalogue)
    world.user("exit-entry", Grant(Role.EXIT_ENTRY_OFFICER))
    group = ("talent", "invitations")

    def unit(*args: str, zh: bool, chinese: str, english: str) -> Run:
        run = cli(*group, *args, *(() if zh else ("--lang", "en")))
        assert run.code == 0, run.err
        speaks(run, chinese=("邀请单位", chinese), english=("inviting unit", english), zh=zh)
        return run

    apply = ("apply", USCC_A, "--as", "member-a", "--contact-name", "王丽",
             "--contact-phone", "021-62501234", "--statement", "Joint lab")  # fmt: skip
    first = unit(*apply, zh=True, chinese="待审批", english="pending")
    refused_id = re.findall(r"\d+", first.out)[0]
    unit("refuse", refused_id, "--as", "exit-entry", "--reason", "incomplete", zh=False,
         chinese="已拒绝", english="refused")  # fmt: skip
    second = unit(*apply, zh=False, chinese="待审批", english="pending")
    unit_id = re.findall(r"\d+", second.out)[0]
    unit("approve", unit_id, "--as", "exit-entry", "--valid-until", "2026-05-31", zh=True,
         chinese="已批准", english="approved")  # fmt: skip
    in_both(
        cli, *group, "units", "--as", "exit-entry",
        chinese=("邀请单位", "单位", "状态", "有效期", "已批准", "已拒绝"),
        english=("inviting units", "organisation", "status", "valid", "approved", "refused"),
    )  # fmt: skip

    invite = ("invite", USCC_A, "--as", "member-a", "--name", "Anna Schmidt",
              "--nationality", "DE", "--passport", "C01X00T47", "--born", "1980-04-02",
              "--activity", "research", "--visa-type", "F", "--entry", "2025-06-05",
              "--purpose", "Lab visit")  # fmt: skip
    issued = cli(*group, *invite)
    assert issued.code == 0, issued.err
    speaks(
        issued,
        chinese=("邀请函", "已于 2025-06-01 签发", "核验码（仅显示这一次）："),
        english=("invitation", "issued 2025-06-01", "verification code"),
        zh=True,
    )
    code = issued.out.split("：")[-1].strip()
    in_both(
        cli, *group, "verify", code,
        chinese=("真实有效：", "（护照 C0*****47）", "停留不超过 30 日"),
        english=("genuine:", "(passport C0*****47)", "stay up to 30 days"),
    )  # fmt: skip
    assert (
        cli(*group, "verify", code, "--format", "json").out
        == cli(*group, "verify", code, "--format", "json", "--lang", "en").out
    )
    unknown = cli(*group, "verify", "ABCDE-FGHJK-MNPQR-STVWX")
    assert unknown.code == 1 and "未找到" in unknown.err and "not found" not in unknown.err
    unknown_en = cli(*group, "verify", "ABCDE-FGHJK-MNPQR-STVWX", "--lang", "en")
    assert unknown_en.code == 1 and "not found: no genuine invitation" in unknown_en.err

    monkeypatch.setenv("FTZLINK_TODAY", "2025-06-03")  # revoked after the invitation was issued
    unit("revoke", unit_id, "--as", "exit-entry", "--reason", "closed", zh=True,
         chinese="已撤销", english="revoked")  # fmt: skip
    revoked = cli(*group, "verify", code, "--lang", "en")
    assert revoked.code == 0 and "was revoked on" in revoked.out
    speaks(cli(*group, "verify", code), chinese=("登记已于",), english=("revoked",), zh=True)


# --- the commands' own refusals --------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "chinese", "english"),
    [
        (("users", "create", "x", "--role", "reviewer", "--district", "atlantis"), 2,
         "'atlantis' 不是已知的区", "'atlantis' is not a district"),
        (("users", "create", "x", "--role", "enterprise_admin", "--organisation",
          "91310105MA1FL4X59N"), 3, "没有统一社会信用代码为", "no organisation with credit code"),
        (("users", "token", "nobody", "--name", "x"), 3, "没有用户 'nobody'", "no user 'nobody'"),
        (("users", "token", "nobody", "--name", " "), 2, "请为令牌命名", "name the token"),
        (("talent", "invitations", "units", "--as", "nobody"), 3, "没有用户", "no user"),
        (("talent", "invitations", "approve", "1", "--as", "nobody", "--valid-until", "someday"),
         2, "不是 YYYY-MM-DD 格式的日期", "is not a date YYYY-MM-DD"),
        (("ledger", "verify", "--key", "not-a-key"), 2, "不是验证公钥", "not a verifier key"),
        (("audit", "verify", "--key", "not-a-key"), 2, "不是验证公钥", "not a verifier key"),
    ],
)  # fmt: skip
def test_the_commands_own_refusals_are_in_the_language_asked_for(
    cli: CLI,
    service_db: Database,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: int,
    chinese: str,
    english: str,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    default = cli(*args, "--password-stdin") if args[1] == "create" else cli(*args)
    assert default.code == code, default.out + default.err
    assert chinese in default.err and english not in default.err
    english_run = cli(
        *args, "--lang", "en", *(("--password-stdin",) if args[1] == "create" else ())
    )
    assert english_run.code == code, english_run.out + english_run.err
    assert english in english_run.err and chinese not in english_run.err


@pytest.mark.parametrize(
    ("lang", "states", "names", "codes"),
    [
        ("zh", ("已批准 4 件", "工作许可 · 已受理 1 件"), ("平台管理员", "审核员", "长宁区", "登记机关工作人员"), ("platform_admin", "changning")),
        ("en", ("Approved 4", "Work permit · Accepted 1"), ("Platform", "Reviewer", "Changning District", "Registrar"), ("platform_admin", "changning")),
    ],
)  # fmt: skip
def test_the_demo_summary_and_logins_name_states_roles_and_districts_in_the_language_asked_for(
    cli: CLI,
    service_db: Database,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    states: tuple[str, ...],
    names: tuple[str, ...],
    codes: tuple[str, ...],
) -> None:
    monkeypatch.setattr(output.console, "width", 1000)  # the summary's lines unwrapped
    loaded = cli("demo", "load", "--lang", lang)
    assert loaded.code == 0, loaded.err
    summary, table = loaded.out.split("演示登录账号" if lang == "zh" else "demo logins", 1)
    for state in states:
        assert state in summary, state
    for code in ("approved", "work_permit", "residence:"):
        assert code not in summary, code
    for name in names:
        assert name in table, name
    for code in codes:
        assert code not in table, code
