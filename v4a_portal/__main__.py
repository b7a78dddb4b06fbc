"""Operator commands: `python -m v4a_portal --help`."""

from v4a_portal.cli import main

raise SystemExit(main())
