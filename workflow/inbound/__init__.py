"""Inbound e-mail: answers received by IMAP, a mail server's pipe or an import, filed on their request."""
