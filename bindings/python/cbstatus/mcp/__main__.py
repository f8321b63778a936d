"""``python -m cbstatus.mcp``: the ``cbstatus-mcp`` command."""

import sys

from . import main

sys.exit(main())
