"""Pages of the foreign-talent one-stop service: the employer records its professionals and their
family, fills in one application as a task list (save and resume, check answers, confirmation), and
follows both tracks on one status page; the work-permit and exit-entry officials work through their
queues and decide their own track only. Passport numbers are shown in full only to those
`cases.sees_passports` allows, and masked in every list."""

from fastapi import APIRouter

from ftzlink.web.talent import decisions, documents, drafts, people

__all__ = ["router"]

# In the order the pages were declared: /talent/cases/new before /talent/cases/{case_id}.
router = APIRouter(include_in_schema=False)
for part in (people, drafts, documents, decisions):
    router.include_router(part.router)
