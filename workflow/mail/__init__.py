"""Outgoing mail (the outbox) and in-application notifications."""
