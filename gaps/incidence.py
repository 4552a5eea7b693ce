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


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, in ascending order: `np.unique` by sorting. numpy 2.4's own `np.unique`
    hashes first, and took ~65 ms for 120,000 integers where a sort takes ~2 ms."""
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


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


# `Groups.packed` holds two counts in one integer: closed lists in the low field and services
# with a wait in the high one (so a running sum of it is in the order of its count of waits).
# Each field is 31 bits: room for two thousand million (group, service) pairs.
_WAITS = 31
_CLOSED_MASK = (1 << _WAITS) - 1


class Groups:
    """Groups (areas, or regions) × the services that reach them, each group's services by wait.

    `group[p]` and `service[p]` are pair p; a (group, service) pair given twice counts once.
    """

    def __init__(self, group: np.ndarray, service: np.ndarray, n_groups: int, waits: Waits) -> None:
        # Sorted by group, then by wait (services without one last): a layer's mask keeps that
        # order, so each group's counted waits are already sorted and its median is an index.
        n = max(len(waits.rank), 1)
        key = sorted_unique(group * n + waits.rank[service])
        self.n_groups = n_groups
        self.service = waits.by_rank[key % n]
        self.start = np.searchsorted(key // n, np.arange(n_groups + 1))
        # Per pair: has a closed list, has a wait (packed, see `_WAITS`).
        self.packed = waits.closed[self.service] + (waits.has[self.service].astype(np.int64) << _WAITS)
        self.weeks = waits.weeks[self.service]
        self.waits = waits

    def services_of(self, index: int) -> np.ndarray:
        """The service indices reaching group `index` (all of them, counted or not)."""
        return self.service[self.start[index]:self.start[index + 1]]

    def summaries(self, counted: np.ndarray) -> Summaries:
        """Every group's figures over the services with `counted[j]` true."""
        # Running counts over the pairs of services counted, and (packed) of those with a closed
        # list and those with a wait: a group's count is the difference at its two ends. (One
        # running sum over three rows of flags cost ten times these two.)
        counts_here = counted[self.service]
        running = np.zeros((2, len(self.packed) + 1), dtype=np.int64)
        np.cumsum(counts_here, out=running[0, 1:])
        np.cumsum(self.packed * counts_here, out=running[1, 1:])
        at_starts = running[:, self.start]
        counts = np.diff(at_starts)
        n, closed, n_waits = counts[0], counts[1] & _CLOSED_MASK, counts[1] >> _WAITS
        have = np.flatnonzero(n_waits)
        # Each group's counted waits are in order: the k-th (from 0) is at the pair where the
        # running count of waits first reaches (waits before the group) + k + 1. The count of
        # waits is the packed sum's top field, so the packed sum itself is searched: it first
        # reaches (w << _WAITS) where the count of waits first reaches w. Wanted here: the
        # middle one or two, and the last.
        n_have = n_waits[have]
        ranks = np.array(((n_have + 1) // 2, n_have // 2 + 1, n_have))
        waits_before = at_starts[1, have] >> _WAITS
        at = np.searchsorted(running[1], (waits_before + ranks) << _WAITS) - 1
        weeks = self.weeks[at]
        # The middle one, or the mean of the middle two: (x + x) / 2 is exactly x.
        middles = ((weeks[0] + weeks[1]) / 2).tolist()
        median: list[float | None] = [None] * self.n_groups
        longest: list[int | float | None] = [None] * self.n_groups
        values = self.waits.values
        for i, middle, service in zip(have.tolist(), middles, self.service[at[2]].tolist(), strict=True):
            median[i] = middle
            longest[i] = values[service]
        return Summaries(n.tolist(), median, longest, closed.tolist())


def pairs_by_service(coverage: Sequence[Collection[str]], areas: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(service, area) index pairs, in service order then area order, from each service's covered
    area codes; codes not among `areas` are left out, and a code listed twice counts once."""
    index = {code: i for i, code in enumerate(areas)}
    sizes = np.fromiter(map(len, coverage), dtype=np.intp, count=len(coverage))
    area = np.fromiter((index.get(code, -1) for codes in coverage for code in codes), dtype=np.intp,
                       count=int(sizes.sum()))
    service = np.repeat(np.arange(len(coverage), dtype=np.intp), sizes)
    inside = area >= 0
    pairs = sorted_unique(service[inside] * (len(index) + 1) + area[inside])
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
