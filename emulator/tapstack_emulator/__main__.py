"""`python -m tapstack_emulator`: the command line."""

import sys

from tapstack_emulator.cli import main

sys.exit(main())
