"""``python -m exposure`` runs the command line."""

from exposure.cli import main

raise SystemExit(main())
