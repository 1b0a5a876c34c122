"""``python -m designer.cli``: the command line without the window entry point."""

import sys

from designer.cli import main

sys.exit(main())
