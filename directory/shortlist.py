"""The shortlist: service public ids in the session, and nothing else.

No notes and no search criteria are stored, so nothing about a child can end up in a session.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "shortlist"
MAX_ITEMS = 50


def shortlist_ids(session: SessionBase) -> list[UUID]:
    """The shortlisted ids, in the order they were added; anything unreadable is dropped."""
    ids = []
    for raw in session.get(SESSION_KEY, []):
        try:
            ids.append(UUID(str(raw)))
        except ValueError:
            continue
    return ids


def _store(session: SessionBase, ids: Iterable[UUID]) -> None:
    unique = list(dict.fromkeys(ids))[:MAX_ITEMS]
    session[SESSION_KEY] = [str(pid) for pid in unique]


def shortlist_add(session: SessionBase, public_id: UUID) -> bool:
    """Add a service; False when the shortlist is already full."""
    ids = shortlist_ids(session)
    if public_id in ids:
        return True
    if len(ids) >= MAX_ITEMS:
        return False
    _store(session, [*ids, public_id])
    return True


def shortlist_remove(session: SessionBase, public_id: UUID) -> None:
    _store(session, [pid for pid in shortlist_ids(session) if pid != public_id])


def shortlist_merge(session: SessionBase, public_ids: Iterable[UUID]) -> int:
    """Add several (e.g. from a shared link) after the ones already there; how many did not fit."""
    ids = shortlist_ids(session)
    new = [pid for pid in dict.fromkeys(public_ids) if pid not in ids]
    _store(session, [*ids, *new])
    return max(0, len(ids) + len(new) - MAX_ITEMS)


def shortlist_clear(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)


def parse_shared_ids(raw: str) -> tuple[list[UUID], int]:
    """Ids from a share link (`?ids=uuid,uuid`): the valid ones (at most MAX_ITEMS), and how many were not."""
    ids: list[UUID] = []
    invalid = 0
    for part in raw.split(",")[: MAX_ITEMS * 2]:
        part = part.strip()
        if not part:
            continue
        try:
            ids.append(UUID(part))
        except ValueError:
            invalid += 1
    return list(dict.fromkeys(ids))[:MAX_ITEMS], invalid
