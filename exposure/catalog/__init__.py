"""Organizations: the bundled curated catalog, the domain matcher, and catalog importers."""
