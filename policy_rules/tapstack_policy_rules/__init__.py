"""tapstack's project policy as cfn-lint rules (E9001-E9007), one rule a module.

Load the folder with cfn-lint's `append_rules` (`cfn-lint --append-rules
policy_rules/tapstack_policy_rules`, `make lint` through tapstack_tools.rendered_templates, or the
`!cfn_lint` hook's `rules` option). Modules whose names start with `_` hold shared helpers
and are not loaded as rules.
"""
