"""The working-day calendar's pages: anyone sees which holiday schedules the deadlines use
(`/calendar`, `/calendar/{year}`); a platform admin uploads a new year, reviews it and loads it
(`/admin/calendar`), effective at once everywhere."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response
from starlette.datastructures import UploadFile

from ftzlink.errors import CatalogueError, Conflict, Forbidden, NotFound
from ftzlink.web.context import WebPage
from ftzlink.web.forms import Form
from ftzlink.workdays import service
from ftzlink.workdays.schedule import YearSchedule, load_year_file
from ftzlink.workdays.statutory import STATUTORY_SOURCE

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
PAGES = "pages/calendar/"
MAX_FILE_BYTES = 64_000


@router.get("/calendar")
def years(web: WebPage) -> Response:
    with web.read() as session:
        entries = service.list_years(session, today=web.today)
    return web.page(PAGES + "index.html", entries=entries, statutory=STATUTORY_SOURCE)


@router.get("/calendar/{year}")
def year(web: WebPage, year: int) -> Response:
    if not 2000 <= year <= 2100:
        raise NotFound(f"no calendar year {year}")
    with web.read() as session:
        calendar = service.current_calendar(session)
        if year < calendar.first_year:
            raise NotFound(f"no calendar year {year}")
        schedule = calendar.schedule(year)
    return web.page(PAGES + "year.html", schedule=schedule, statutory=STATUTORY_SOURCE)


def _admin(web: WebPage) -> Any:
    principal = web.require()
    if not principal.is_platform_admin:
        raise Forbidden("only a platform admin loads a holiday schedule")
    return principal


@router.get("/admin/calendar")
def upload_page(web: WebPage) -> Response:
    _admin(web)
    return web.page(PAGES + "upload.html")


def _parse(text: str, name: str) -> YearSchedule:
    """Validate an uploaded year file as the CLI does (the same function, file:line problems)."""
    with tempfile.TemporaryDirectory(prefix="ftzlink-calendar-") as tmp:
        path = Path(tmp) / Path(name).name
        path.write_text(text, encoding="utf-8")
        return load_year_file(path)


@router.post("/admin/calendar")
async def upload(web: WebPage) -> Response:
    _admin(web)
    data = await web.form()
    form = Form(data)
    upload = data.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        name = Path(upload.filename).name
        raw = await upload.read(MAX_FILE_BYTES + 1)
    elif form.get("name") and isinstance(content := data.get("content"), str):
        # The file's text as this page posts it again (the language switch): no file to choose.
        name, raw = form.get("name"), content.encode("utf-8")
    else:
        form.error("file", web._("Choose the file with the year's holiday schedule"))
        return web.page(PAGES + "upload.html", status_code=400, errors=form.errors)
    if len(raw) > MAX_FILE_BYTES:
        form.error("file", web._("The file is too large."))
        return web.page(PAGES + "upload.html", status_code=400, errors=form.errors)
    try:
        text = raw.decode("utf-8")
        schedule = _parse(text, name)
    except UnicodeDecodeError:
        form.error("file", web._("The file must be UTF-8 text."))
        return web.page(PAGES + "upload.html", status_code=400, errors=form.errors)
    except CatalogueError as error:
        form.error("file", web._("The file has problems: nothing was loaded."))
        web.replay_with = {"name": name, "content": text}
        return web.page(
            PAGES + "upload.html",
            status_code=400,
            errors=form.errors,
            problems=error.problems,
            name=name,
        )
    with web.read() as session:
        calendar = service.current_calendar(session)
        official = schedule.year in calendar.official
    # Checking a file loads nothing: the language switch posts its text again.
    web.replay, web.replay_with = True, {"name": name, "content": text}
    return web.page(
        PAGES + "review.html", schedule=schedule, text=text, name=name, official=official
    )


@router.post("/admin/calendar/load")
async def load(web: WebPage) -> Response:
    principal = _admin(web)
    form = Form(await web.form())
    name, text = form.get("name"), (await web.form()).get("content")
    if not isinstance(text, str) or not name:
        return web.redirect("/admin/calendar")
    try:
        schedule = _parse(text, name)
    except CatalogueError as error:
        form.error("file", web._("The file has problems: nothing was loaded."))
        return web.page(
            PAGES + "upload.html",
            status_code=400,
            errors=form.errors,
            problems=error.problems,
            name=name,
        )
    try:
        with web.write() as session:
            result = service.add_year(
                session,
                principal=principal,
                schedule=schedule,
                file_name=name,
                today=web.today,
                replace=form.get("replace") == "1",
            )
    except Conflict:
        form.error(
            "replace",
            web._("The year already has an official schedule: confirm that this file replaces it."),
        )
        return web.page(
            PAGES + "review.html",
            status_code=409,
            errors=form.errors,
            schedule=schedule,
            text=text,
            name=name,
            official=True,
        )
    web.language_back = f"/calendar/{schedule.year}"
    return web.page(PAGES + "loaded.html", result=result, schedule=schedule)
