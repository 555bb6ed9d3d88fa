"""One module per command noun; found automatically by ``exposure.cli.build_parser``."""
