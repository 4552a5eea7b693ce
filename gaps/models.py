"""Gaps module models (aggregates only; see gaps-method.md)."""

from __future__ import annotations
