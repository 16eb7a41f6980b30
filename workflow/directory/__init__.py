"""The authority directory."""
