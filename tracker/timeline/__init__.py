"""The append-only timeline of every change, comment and response."""
