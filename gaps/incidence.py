"""Which services reach which areas, as numpy index arrays, and each area's figures for a layer.

A national directory has ~20,000 services and ~100,000 (service, local authority) pairs, and the
gaps module asks 60 questions of them. Walking the pairs in Python for every layer took seconds;
here a layer is a boolean mask over the services, and every per-area figure (how many services,
median and longest wait, closed lists) is a few vector operations over the pairs.

Pure: arrays in, plain Python values out; no ORM, request or settings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass

import numpy as np


class Waits:
    """Each service's current wait and closed-list flag, by service index."""

    def __init__(self, weeks: Sequence[int | float | None], closed: np.ndarray) -> None:
        self.values = list(weeks)  # as reported (ints), for the longest wait
        self.has = np.fromiter((w is not None for w in self.values), dtype=bool, count=len(self.values))
        self.weeks = np.fromiter((np.inf if w is None else w for w in self.values), dtype=float,
                                 count=len(self.values))
        self.closed = closed
        # Services by wait (no wait last), and each service's place in that order.
        self.by_rank = np.argsort(self.weeks, kind="stable")
        self.rank = np.empty_like(self.by_rank)
        self.rank[self.by_rank] = np.arange(len(self.by_rank))


@dataclass(frozen=True)
class Summaries:
    """Per group (area, region, or all), over the services a layer counts: how many reach it, the
    median and longest of their current waits (None where none reports one), their closed lists."""

    n: list[int]
    median: list[float | None]
    longest: list[int | float | None]
    closed: list[int]


class Groups:
    """Groups (areas, or regions) × the services that reach them, each group's services by wait.

    `group[p]` and `service[p]` are pair p; a (group, service) pair given twice counts once.
    """

    def __init__(self, group: np.ndarray, service: np.ndarray, n_groups: int, waits: Waits) -> None:
        # Sorted by group, then by wait (services without one last): a layer's mask keeps that
        # order, so each group's counted waits are already sorted and its median is an index.
        n = max(len(waits.rank), 1)
        key = np.unique(group * n + waits.rank[service])
        self.n_groups = n_groups
        self.service = waits.by_rank[key % n]
        self.start = np.searchsorted(key // n, np.arange(n_groups + 1))
        # Per pair: always (to count services), has a wait, has a closed list.
        self.flags = np.vstack((np.ones(len(self.service), dtype=bool), waits.has[self.service],
                                waits.closed[self.service]))
        self.weeks = waits.weeks[self.service]
        self.waits = waits

    def services_of(self, index: int) -> np.ndarray:
        """The service indices reaching group `index` (all of them, counted or not)."""
        return self.service[self.start[index]:self.start[index + 1]]

    def summaries(self, counted: np.ndarray) -> Summaries:
        """Every group's figures over the services with `counted[j]` true."""
        # Running counts over the pairs of services counted, of those with a wait, and of those
        # with a closed list: a group's count is the difference at its two ends.
        running = np.zeros((3, self.flags.shape[1] + 1), dtype=np.intp)
        np.cumsum(self.flags & counted[self.service], axis=1, out=running[:, 1:])
        counts = np.diff(running[:, self.start], axis=1)
        n, _n_waits, closed = counts.tolist()
        waits_before = running[1]
        have = np.flatnonzero(counts[1])
        # Each group's counted waits are in order: the k-th (from 0) is at the pair where the
        # running count of waits first reaches (waits before the group) + k + 1. Wanted here: the
        # middle one or two, and the last.
        n_have = counts[1, have]
        ranks = np.array(((n_have + 1) // 2, n_have // 2 + 1, n_have))
        at = np.searchsorted(waits_before, waits_before[self.start[have]] + ranks) - 1
        weeks = self.weeks[at]
        # The middle one, or the mean of the middle two: (x + x) / 2 is exactly x.
        middles = ((weeks[0] + weeks[1]) / 2).tolist()
        median: list[float | None] = [None] * self.n_groups
        longest: list[int | float | None] = [None] * self.n_groups
        values = self.waits.values
        for i, middle, service in zip(have.tolist(), middles, self.service[at[2]].tolist(), strict=True):
            median[i] = middle
            longest[i] = values[service]
        return Summaries(n, median, longest, closed)


def pairs_by_service(coverage: Sequence[Collection[str]], areas: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(service, area) index pairs, in service order then area order, from each service's covered
    area codes; codes not among `areas` are left out, and a code listed twice counts once."""
    index = {code: i for i, code in enumerate(areas)}
    sizes = np.fromiter(map(len, coverage), dtype=np.intp, count=len(coverage))
    area = np.fromiter((index.get(code, -1) for codes in coverage for code in codes), dtype=np.intp,
                       count=int(sizes.sum()))
    service = np.repeat(np.arange(len(coverage), dtype=np.intp), sizes)
    inside = area >= 0
    pairs = np.unique(service[inside] * (len(index) + 1) + area[inside])  # sorted, each pair once
    return pairs // (len(index) + 1), pairs % (len(index) + 1)


def region_groups(areas: Groups, members: Sequence[Sequence[int]], waits: Waits) -> Groups:
    """Regions as groups: a service reaches a region (once) if it reaches any of its member areas."""
    region = np.repeat(np.arange(len(members), dtype=np.intp), [len(m) for m in members])
    area = np.fromiter((i for m in members for i in m), dtype=np.intp, count=len(region))
    sizes = areas.start[area + 1] - areas.start[area]
    # Every (region, service) pair through each member area (Groups keeps each pair once).
    offsets = np.repeat(areas.start[area] - np.cumsum(sizes) + sizes, sizes)
    return Groups(np.repeat(region, sizes), areas.service[np.arange(int(sizes.sum())) + offsets], len(members), waits)


class ServiceIds(Set[int]):
    """The ids of the services a layer counts in one group, made only when someone asks for them.

    Every layer has hundreds of areas each reached by hundreds of services; most pages need only
    how many (`len`, known up front), so the set itself is made on first use.
    """

    __slots__ = ("_count", "_groups", "_index", "_counted", "_ids", "_set")

    def __init__(self, count: int, groups: Groups, index: int, counted: np.ndarray, ids: np.ndarray) -> None:
        self._count, self._groups, self._index, self._counted, self._ids = count, groups, index, counted, ids
        self._set: frozenset[int] | None = None

    def _members(self) -> frozenset[int]:
        if self._set is None:
            services = self._groups.services_of(self._index)
            self._set = frozenset(self._ids[services[self._counted[services]]].tolist())
        return self._set

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[int]:
        return iter(self._members())

    def __contains__(self, item: object) -> bool:
        return item in self._members()

    def __hash__(self) -> int:
        return hash(self._members())

    def __repr__(self) -> str:
        return f"ServiceIds({sorted(self._members())!r})"
