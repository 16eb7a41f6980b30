"""Users, organisations, tokens, identities and the access rules."""
