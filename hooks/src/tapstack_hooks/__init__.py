"""Sceptre hooks from tapstack."""
