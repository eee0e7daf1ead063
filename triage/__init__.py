"""triage: meet your contacts one card at a time; export only the people you pick."""

__version__ = "0.1.0"
