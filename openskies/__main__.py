"""Run the command line: ``python -m openskies COMMAND ...``."""

from __future__ import annotations

import sys

from openskies.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
