"""Pieces every feature shares: time and working days, column types, errors, security headers."""
