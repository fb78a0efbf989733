"""Building blocks every tapstack template composes: names, parameters, policies, buckets.

Templates import from here and never from each other. The package name is unique on purpose:
Sceptre caches imported modules by name for a whole run (ARCHITECTURE.md section 5).
"""
