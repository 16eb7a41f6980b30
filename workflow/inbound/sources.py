"""Messages kept in files, for `flask mail import`: one .eml, an mbox, or a Maildir."""
from __future__ import annotations

import mailbox
from pathlib import Path
from typing import Iterator


class SourceError(ValueError):
    """A path that holds no messages Lanterne can read (French)."""


def messages_at(path: Path) -> Iterator[tuple[str, bytes]]:
    """(where, exact bytes) of each message at `path`, in the order stored."""
    if path.is_dir():
        if not all((path / part).is_dir() for part in ("cur", "new", "tmp")):
            raise SourceError(f"{path} n'est pas un dossier Maildir (il lui manque cur/, new/ ou tmp/).")
        maildir = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(maildir.iterkeys()):
            yield f"{path.name}/{key}", maildir.get_bytes(key)
        return
    if not path.is_file():
        raise SourceError(f"{path} n'existe pas.")
    with path.open("rb") as stream:
        start = stream.read(5)
    if start == b"From ":
        mbox = mailbox.mbox(path, factory=None, create=False)
        try:
            for number, key in enumerate(mbox.iterkeys(), start=1):
                yield f"{path.name} n° {number}", mbox.get_bytes(key)
        finally:
            mbox.close()
        return
    yield path.name, path.read_bytes()
