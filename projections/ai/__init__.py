"""Read models of the AI area.

This package root is the area's public module: the names below are what other areas may use."""

from projections.ai.metered import METERED_EVENTS

__all__ = ["METERED_EVENTS"]
