"""Lambda without Docker: run a function's handler in a subprocess of the emulator's Python.

`invoke.py` prepares code, credentials and environment and runs `runner.py` (stdlib only) in
the child; `responses.py` is the HTTPS endpoint custom-resource handlers answer CloudFormation
on; `lending.py` lets the child's AWS calls through while its caller holds the server lock.
"""
