"""Sceptre resolvers from tapstack."""
