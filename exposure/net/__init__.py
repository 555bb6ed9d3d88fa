"""Network clients. Every call here is made only on an explicit user action."""
