"""Accounts: invite-only users, memberships, sign-in and password tokens."""
