"""``python -m gsmgateway`` runs the command-line interface."""

import sys

from gsmgateway.cli import main

sys.exit(main())
