"""A tiny image-function package: what its task root and its VPC look like from inside."""
