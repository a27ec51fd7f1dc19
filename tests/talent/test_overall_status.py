"""A case's overall status follows its two tracks once filed: a case whose permits are both decided
no longer says "submitted"."""

from __future__ import annotations

import pytest

from ftzlink.talent.cases import overall_status
from ftzlink.talent.tables import Case, CaseStatus, Track, TrackKind, TrackState


def _case(status: CaseStatus, *states: TrackState) -> tuple[Case, list[Track]]:
    kinds = (TrackKind.WORK_PERMIT, TrackKind.RESIDENCE)
    return Case(status=status.value), [
        Track(kind=k.value, state=s.value) for k, s in zip(kinds, states, strict=False)
    ]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((TrackState.RECEIVED, TrackState.RECEIVED), "under_review"),
        ((TrackState.APPROVED, TrackState.ACCEPTED), "under_review"),
        ((TrackState.ACCEPTED, TrackState.RETURNED), "returned"),
        ((TrackState.APPROVED, TrackState.APPROVED), "approved"),
        ((TrackState.REFUSED, TrackState.REFUSED), "refused"),
        ((TrackState.APPROVED, TrackState.REFUSED), "decided"),
    ],
)
def test_a_filed_case_says_what_its_tracks_say(
    states: tuple[TrackState, TrackState], expected: str
) -> None:
    case, tracks = _case(CaseStatus.FILED, *states)
    assert overall_status(case, tracks) == expected


def test_a_case_with_both_permits_approved_no_longer_says_filed() -> None:
    case, tracks = _case(CaseStatus.FILED, TrackState.APPROVED, TrackState.APPROVED)
    assert overall_status(case, tracks) != CaseStatus.FILED.value


@pytest.mark.parametrize("status", [CaseStatus.DRAFT, CaseStatus.WITHDRAWN])
def test_a_draft_or_withdrawn_case_says_so_whatever_its_tracks(status: CaseStatus) -> None:
    case, tracks = _case(status)
    assert overall_status(case, tracks) == status.value
