"""``python -m rmqlab`` (what lab/run executes)."""

import sys

from .cli import main

sys.exit(main())
