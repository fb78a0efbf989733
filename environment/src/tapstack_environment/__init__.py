"""tapstack's environment model: the facts config/ declares, validated before any stack is
touched, the conventions every name follows, and the `!deploy_role` resolver.

The templates (tapstack_blocks) build on these facts; nothing here imports troposphere.
"""
