"""Escalations of a bottleneck to national parties, and their workflow."""
