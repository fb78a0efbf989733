"""Rotates a database user's password in its own Secrets Manager secret (single user)."""
