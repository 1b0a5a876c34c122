"""``python -m designer`` and the ``nn-designer`` launcher both start here."""

from __future__ import annotations

import sys

from designer.app import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
