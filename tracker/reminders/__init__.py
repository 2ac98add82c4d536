"""Follow-up reminders: each stage of each escalation at most once, found by a short sweep."""
