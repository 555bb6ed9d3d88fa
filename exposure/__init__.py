"""exposure: a local-first personal data-exposure scanner.

Importing this package is cheap: it loads nothing heavy (no textual, rich or httpx).
"""

__version__ = "0.1.0"
