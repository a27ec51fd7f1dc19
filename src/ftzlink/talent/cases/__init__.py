"""The foreign-talent one-stop service: professionals and their family, key-enterprise recognitions,
and the combined application (a "case") whose work-permit and residence tracks two authorities
decide side by side.

Who does what:
- the employer's members file for its professionals: record them and their family, draft a case,
  upload each document once, submit, answer a track returned for material;
- a work-permit officer accepts, returns, approves (with a validity) or refuses the work-permit track;
- an exit-entry officer does the same for the residence track, which it may approve only once the
  work permit is approved, and never for longer than the work permit or the residence rules allow;
  the family's permits end on the same date as the principal's;
- a reviewer of the employer's district (or a platform admin) records key-enterprise recognitions;
- the auditor and platform admins read everything and the officials read filed cases; nobody else
  sees any of it (`ftzlink.talent.permissions`).

Time limits are counted in Chinese working days (`ftzlink.workdays`). The parts live in the
modules below, along the service's own sections; this package re-exports their public names.
"""

from ftzlink.talent.cases.common import *  # noqa: F403
from ftzlink.talent.cases.drafting import *  # noqa: F403
from ftzlink.talent.cases.people import *  # noqa: F403
from ftzlink.talent.cases.tracks import *  # noqa: F403
from ftzlink.talent.cases.views import *  # noqa: F403
