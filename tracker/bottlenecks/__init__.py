"""Bottlenecks that a DSV logs, tags with a building block and an owner, and escalates."""
