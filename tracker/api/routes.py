"""Importing this module registers every API operation on the blueprint and in the registry."""

from tracker.api import bottlenecks, directory, escalations, feed
from tracker.api.registry import OPERATIONS, bp

__all__ = ["OPERATIONS", "bottlenecks", "bp", "directory", "escalations", "feed"]
