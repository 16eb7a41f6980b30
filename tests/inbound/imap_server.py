"""A real IMAP server for the tests: Debian's dovecot (package dovecot-imapd), started as an
ordinary subprocess once per test session, with a configuration of its own in a temporary
folder (never the system's /etc/dovecot, nor its service).

Fixtures (registered in tests/conftest.py):
- `imap_server`: the running server (a `DovecotServer`), for the session;
- `imap_mailbox`: the same server with its INBOX emptied, for one test.

Helpers on `DovecotServer`: `settings(folder)` and `url(folder)` to fetch from it,
`append(raw, folder, flags)` (IMAP APPEND, returns the UID), `flags(folder)` (UID -> set of
flags), `empty(folder)`, `client()` (a logged-in imapclient connection), `kick()` (the
server closes every connection of the user) and `log()`; `make_message(...)` builds a test
message.

Without dovecot the tests that use these fixtures are skipped, unless LANTERNE_REQUIRE_IMAP
is set (CI sets it): then they fail.
"""
from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from imapclient import IMAPClient

from workflow.inbound.imap import ImapSettings

SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
DOVECOT = shutil.which("dovecot", path=SEARCH_PATH)
DOVEADM = shutil.which("doveadm", path=SEARCH_PATH)
# A user and a password that need percent-encoding in a URL.
USER = "demandes@asso.test"
PASSWORD = "s3cret/#?%pw"
START_TIMEOUT = 15  # seconds


def make_message(number: int, *, subject: str = "", body: str = "", attachment: bytes = b"") -> bytes:
    """A message as an administration's mail server would deliver it (CRLF line ends, 8-bit
    UTF-8 text, an optional base64 attachment), unique by its number."""
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage()
    message["From"] = "Mairie de Metz <prada@mairie-metz.test>"
    message["To"] = USER
    message["Subject"] = subject or f"Réponse à votre demande n° {number}"
    message["Message-ID"] = f"<reponse-{number}@mairie-metz.test>"
    message["Date"] = "Mon, 01 Dec 2025 09:00:00 +0100"
    message.set_content(body or f"Madame, Monsieur,\nVeuillez trouver la réponse n° {number}.\n", cte="8bit")
    if attachment:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename=f"reponse-{number}.pdf")
    return message.as_bytes(policy=SMTP)


class DovecotServer:
    def __init__(self, executable: str):
        self.executable = executable
        self.host = "127.0.0.1"
        self.port = 0
        self.user = USER
        self.password = PASSWORD
        # Not under pytest's temporary folder: that one is private to us (700), and as root
        # dovecot's own users must reach the password file and the mail folder. A short path
        # too: dovecot's sockets live in base_dir (a Unix socket path has ~100 characters).
        self.directory = Path(tempfile.mkdtemp(prefix="lanterne-dovecot-"))
        self.directory.chmod(0o755)
        self.process: subprocess.Popen | None = None

    # -- life

    def start(self) -> None:
        for _attempt in range(3):  # another process may take the free port before dovecot binds it
            self.port = _free_port()
            self._write_configuration()
            stderr = open(self.directory / "dovecot.stderr", "wb")
            self.process = subprocess.Popen([self.executable, "-F", "-c", str(self.directory / "dovecot.conf")],
                                            stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)
            stderr.close()
            if self._wait_until_ready():
                return
            self.stop_process()
            if "in use" not in self.log():
                break
        raise RuntimeError(f"dovecot did not start on port {self.port}:\n{self.log()}")

    def stop_process(self) -> None:
        if self.process is None:
            return
        self.process.terminate()  # the master stops its children
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        self.stop_process()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _wait_until_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def _write_configuration(self) -> None:
        root = self.directory
        for name in ("run", "state", "mail"):
            (root / name).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            # Root (here and in CI): the master runs as root and gives up its rights as
            # Debian's service does (its users dovecot and dovenull); mail is never accessed
            # as root (dovecot refuses UID 0), so the mailbox belongs to nobody.
            internal = _existing_user("dovecot", "nobody")
            login = _existing_user("dovenull", "nobody")
            mail = pwd.getpwnam("nobody")
            os.chown(root / "mail", mail.pw_uid, mail.pw_gid)
        else:
            # An ordinary user: every process runs as that user, without chroot.
            internal = login = pwd.getpwuid(os.getuid())
            mail = internal
        password_file = root / "users"
        password_file.write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        password_file.chmod(0o644)
        (root / "dovecot.conf").write_text(f"""\
# Lanterne's tests: one user, one Maildir, plain IMAP on loopback (tests/inbound/imap_server.py).
instance_name = lanterne-test-{root.name}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {self.host}
ssl = no
auth_failure_delay = 0
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal.pw_name}
default_internal_group = {grp.getgrgid(internal.pw_gid).gr_name}
default_login_user = {login.pw_name}
mail_uid = {mail.pw_uid}
mail_gid = {mail.pw_gid}
first_valid_uid = {mail.pw_uid}
first_valid_gid = {mail.pw_gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {password_file}
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
""")

    def log(self) -> str:
        return "".join((self.directory / name).read_text(errors="replace")
                       for name in ("dovecot.stderr", "dovecot.log") if (self.directory / name).exists())

    # -- helpers for the tests

    def url(self, folder: str = "INBOX") -> str:
        return (f"imap://{quote(self.user, safe='')}:{quote(self.password, safe='')}@{self.host}:{self.port}/"
                f"{quote(folder, safe='')}")

    def settings(self, folder: str = "INBOX") -> ImapSettings:
        return ImapSettings(host=self.host, port=self.port, user=self.user, password=self.password,
                            folder=folder, ssl=False)

    @contextlib.contextmanager
    def client(self):
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        try:
            yield client
        finally:
            client.logout()

    def append(self, raw: bytes, folder: str = "INBOX", flags: tuple[str, ...] = ()) -> int:
        """Put a message in the folder (created if need be) as delivered; returns its UID."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw, flags=flags)
        match = re.search(rb"APPENDUID \d+ (\d+)", response)
        assert match, response
        return int(match.group(1))

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """The flags of every message of the folder, by UID (without \\Recent)."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            found = client.get_flags(client.search("ALL"))
        return {uid: {flag.decode() for flag in flags} - {"\\Recent"} for uid, flags in found.items()}

    def empty(self, folder: str = "INBOX") -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                return
            client.select_folder(folder)
            uids = client.search("ALL")
            if uids:
                client.delete_messages(uids)
                client.expunge()

    def kick(self) -> None:
        """The server closes every connection of the user (doveadm kick)."""
        subprocess.run([DOVEADM, "-c", str(self.directory / "dovecot.conf"), "kick", self.user],
                       check=True, capture_output=True, timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _existing_user(name: str, fallback: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return pwd.getpwnam(fallback)


@pytest.fixture(scope="session")
def imap_server():
    if DOVECOT is None:
        if os.environ.get("LANTERNE_REQUIRE_IMAP"):
            pytest.fail("dovecot is required here (LANTERNE_REQUIRE_IMAP): install Debian's dovecot-imapd")
        pytest.skip("dovecot absent : installez le paquet Debian dovecot-imapd (.ci/run le fait)")
    server = DovecotServer(DOVECOT)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_mailbox(imap_server):
    """The IMAP server with an empty INBOX."""
    imap_server.empty()
    return imap_server
