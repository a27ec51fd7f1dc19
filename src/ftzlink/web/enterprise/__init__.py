"""Pages: enterprise members and admins apply for measures, save and resume drafts, answer
returned questions and withdraw; a headquarters acts for a branch under a delegation, and every
page of such an application says so in words.

The pages are split by step: `start` (dashboard, starting), `draft` (questions, check, submit,
confirmation) and `status` (status, answering a return, withdrawing); `documents` (the
application's documents by slot); `common` holds what they share. "/applications/new" is routed before "/applications/{application_id}".
"""

from __future__ import annotations

from fastapi import APIRouter

from ftzlink.web.enterprise import documents, draft, start, status

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for _part in (start, draft, status, documents):
    router.include_router(_part.router)
