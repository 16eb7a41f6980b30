"""Fetching a mailbox by IMAP (workflow/inbound/imap.py) against a real dovecot
(tests/inbound/imap_server.py): each message reaches keep() with its exact bytes and is marked only
after keep() returned; what keep() refused, or what a dropped connection left unmarked,
comes again at the next fetch, so nothing is lost (a message may be kept twice)."""
from __future__ import annotations

import select
import socket

import pytest
from imapclient.exceptions import IMAPClientReadOnlyError, LoginError

from tests.inbound.imap_server import PASSWORD, make_message
from workflow.inbound import imap
from workflow.inbound.imap import ImapSettings, MailboxError, fetch_mailbox, parse_imap_url

TAKEN = {"$LanterneStored", "\\Seen"}


class Keeper:
    """A keep() that records the bytes it is given and, at each call, the flags the server
    has then (by UID), to show the marks come after keep() returned."""

    def __init__(self, server=None, fail_on=()):
        self.server = server
        self.fail_on = set(fail_on)
        self.kept: list[bytes] = []
        self.flags_seen: list[dict[int, set[str]]] = []

    def __call__(self, raw: bytes) -> None:
        if self.server is not None:
            self.flags_seen.append(self.server.flags())
        if raw in self.fail_on:
            raise RuntimeError("base de données indisponible")
        self.kept.append(raw)


@pytest.fixture
def recorded_clients(monkeypatch):
    """The IMAPClient objects fetch_mailbox opens, to cut their connection in a test."""
    clients = []

    class RecordedClient(imap.IMAPClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            clients.append(self)

    monkeypatch.setattr(imap, "IMAPClient", RecordedClient)
    return clients


# -- against dovecot

def test_new_mail_reaches_keep_with_its_exact_bytes_and_is_marked_afterwards(imap_mailbox):
    messages = [make_message(1), make_message(2, attachment=bytes(range(256)) * 40),
                make_message(3, body="Pièce jointe : l'arrêté du 3 février.\n")]
    uids = [imap_mailbox.append(raw) for raw in messages]
    read_in_a_mail_client = imap_mailbox.append(make_message(4), flags=("\\Seen",))
    messages.append(make_message(4))
    uids.append(read_in_a_mail_client)
    keeper = Keeper(imap_mailbox)

    report = fetch_mailbox(imap_mailbox.settings(), keeper, batch_size=3)

    assert keeper.kept == messages  # byte for byte, oldest first, the one already read too
    assert (report.fetched, report.kept, report.failed) == (4, 4, 0)
    assert report.found_uids == report.fetched_uids == report.kept_uids == report.flagged_uids == uids
    assert report.marker == "$LanterneStored" and report.uid_validity
    # When keep() was called for the n-th message, the n-1 before it were marked, not it
    # (nor was it \Seen by being read: BODY.PEEK[]).
    for n, flags in enumerate(keeper.flags_seen):
        assert all(TAKEN <= flags[uid] for uid in uids[:n])
        assert not flags[uids[n]] & TAKEN or uids[n] == read_in_a_mail_client
        assert "$LanterneStored" not in flags[uids[n]]
    assert all(TAKEN <= flags for flags in imap_mailbox.flags().values())


def test_a_second_fetch_gives_only_what_arrived_since(imap_mailbox):
    imap_mailbox.append(make_message(1))
    fetch_mailbox(imap_mailbox.settings(), Keeper())
    keeper = Keeper()

    report = fetch_mailbox(imap_mailbox.settings(), keeper)

    assert keeper.kept == [] and (report.fetched, report.kept, report.failed) == (0, 0, 0)
    late = imap_mailbox.append(make_message(2))
    report = fetch_mailbox(imap_mailbox.settings(), keeper)
    assert keeper.kept == [make_message(2)] and report.kept_uids == [late]


def test_a_message_whose_keep_raises_stays_unmarked_and_comes_again(imap_mailbox):
    uids = [imap_mailbox.append(make_message(n)) for n in (1, 2, 3)]
    keeper = Keeper(fail_on={make_message(2)})

    report = fetch_mailbox(imap_mailbox.settings(), keeper)

    assert keeper.kept == [make_message(1), make_message(3)]  # the others went on
    assert (report.fetched, report.kept, report.failed) == (3, 2, 1)
    assert report.failed_uids == [uids[1]]
    assert report.errors == {uids[1]: "RuntimeError: base de données indisponible"}
    flags = imap_mailbox.flags()
    assert TAKEN <= flags[uids[0]] and TAKEN <= flags[uids[2]]
    assert not flags[uids[1]] & TAKEN  # neither marked nor read

    keeper = Keeper()
    report = fetch_mailbox(imap_mailbox.settings(), keeper)
    assert keeper.kept == [make_message(2)] and report.kept_uids == [uids[1]]
    assert all(TAKEN <= flags for flags in imap_mailbox.flags().values())


def _cut_by_the_client(clients, server):
    clients[-1].socket().shutdown(socket.SHUT_RDWR)


def _cut_by_the_server(clients, server):
    server.kick()
    # Wait for the server's goodbye, so the next command meets a closed connection.
    readable, _, _ = select.select([clients[-1].socket()], [], [], 10)
    assert readable


@pytest.mark.parametrize("cut", [_cut_by_the_client, _cut_by_the_server])
def test_a_connection_dropped_while_keeping_loses_nothing(imap_mailbox, recorded_clients, cut):
    messages = [make_message(n) for n in range(1, 6)]
    uids = [imap_mailbox.append(raw) for raw in messages]
    kept: list[bytes] = []

    def keep_then_cut_after_the_second(raw: bytes) -> None:
        kept.append(raw)
        if len(kept) == 2:
            cut(recorded_clients, imap_mailbox)

    with pytest.raises((OSError, imap.IMAPClient.Error)) as raised:
        fetch_mailbox(imap_mailbox.settings(), keep_then_cut_after_the_second, batch_size=2)

    assert kept == messages[:2]
    assert any("IMAP fetch interrupted" in note for note in getattr(raised.value, "__notes__", []))
    flags = imap_mailbox.flags()
    assert TAKEN <= flags[uids[0]]
    assert all(not flags[uid] & TAKEN for uid in uids[2:])  # never marked without being kept

    fetch_mailbox(imap_mailbox.settings(), kept.append)

    assert all(kept.count(raw) >= 1 for raw in messages)  # none lost, one perhaps twice
    assert set(kept) == set(messages)
    assert len(kept) in (5, 6)
    assert all(TAKEN <= flags for flags in imap_mailbox.flags().values())


def test_a_connection_dropped_between_batches_loses_nothing(imap_mailbox, recorded_clients, monkeypatch):
    messages = [make_message(n) for n in range(1, 6)]
    uids = [imap_mailbox.append(raw) for raw in messages]
    original_fetch = imap.IMAPClient.fetch
    calls = []

    def fetch_cut_before_the_second_batch(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            self.socket().shutdown(socket.SHUT_RDWR)
        return original_fetch(self, *args, **kwargs)

    monkeypatch.setattr(imap.IMAPClient, "fetch", fetch_cut_before_the_second_batch)
    kept: list[bytes] = []
    with pytest.raises((OSError, imap.IMAPClient.Error)):
        fetch_mailbox(imap_mailbox.settings(), kept.append, batch_size=2)
    monkeypatch.setattr(imap.IMAPClient, "fetch", original_fetch)

    assert kept == messages[:2]
    flags = imap_mailbox.flags()
    assert all(TAKEN <= flags[uid] for uid in uids[:2]) and all(not flags[uid] & TAKEN for uid in uids[2:])
    fetch_mailbox(imap_mailbox.settings(), kept.append)
    assert kept == messages


def test_a_folder_named_in_the_url_with_percent_encoded_credentials(imap_mailbox):
    imap_mailbox.empty("Réponses CADA")
    imap_mailbox.append(make_message(1))  # in INBOX: not this folder's
    uid = imap_mailbox.append(make_message(2), folder="Réponses CADA")
    settings = parse_imap_url(imap_mailbox.url("Réponses CADA"))
    assert (settings.user, settings.password, settings.folder) == (imap_mailbox.user, PASSWORD, "Réponses CADA")
    keeper = Keeper()

    report = fetch_mailbox(settings, keeper)

    assert keeper.kept == [make_message(2)] and report.kept_uids == [uid]
    assert TAKEN <= imap_mailbox.flags("Réponses CADA")[uid]
    assert not any(flags & TAKEN for flags in imap_mailbox.flags().values())


def test_a_wrong_password_is_refused_and_nothing_is_read(imap_mailbox):
    imap_mailbox.append(make_message(1))
    settings = ImapSettings(imap_mailbox.host, imap_mailbox.port, imap_mailbox.user, "faux", ssl=False)
    keeper = Keeper()
    with pytest.raises(LoginError):
        fetch_mailbox(settings, keeper, timeout=10)
    assert keeper.kept == []


# -- the URL

def test_parse_imap_url_defaults_and_percent_decoding():
    settings = parse_imap_url("imaps://demandes%40asso.example:p%40ss%2Fw%3Ard@mail.asso.example/")
    assert settings == ImapSettings(host="mail.asso.example", port=993, user="demandes@asso.example",
                                    password="p@ss/w:rd", folder="INBOX", ssl=True)
    assert parse_imap_url("imap://u:p@Mail.Example").port == 143
    assert parse_imap_url("imap://u:p@mail.example").ssl is False
    assert parse_imap_url("IMAPS://u:p@mail.example:1993/Lanterne/R%C3%A9ponses").folder == "Lanterne/Réponses"
    assert parse_imap_url("imaps://u:p@[::1]:993/INBOX").host == "::1"
    assert parse_imap_url("imaps://u:p@mail.example:1993").port == 1993


def test_the_password_is_never_shown():
    settings = parse_imap_url("imaps://demandes%40asso.example:tres-secret@mail.asso.example/INBOX")
    assert "tres-secret" not in repr(settings)
    assert settings.display_url == "imaps://demandes%40asso.example@mail.asso.example:993/INBOX"


@pytest.mark.parametrize("url, words", [
    ("https://u:p@mail.example/", "imaps://"),
    ("mail.example", "imaps://"),
    ("imaps://u:p@/INBOX", "nom du serveur"),
    ("imaps://mail.example/INBOX", "mot de passe manque"),
    ("imaps://u@mail.example/INBOX", "mot de passe manque"),
    ("imaps://u:@mail.example/INBOX", "mot de passe manque"),
    ("imaps://u:secret@mail.example:imap/INBOX", "port"),
    ("imaps://u:secret@mail.example:70000/INBOX", "port"),
    ("imaps://u:secret@mail.example:0/INBOX", "port"),
    ("imaps://u:se#cret@mail.example/INBOX", "%23"),
    ("imaps://u:secret@mail.example/INBOX?x=1", "%3F"),
])
def test_a_bad_url_is_refused_in_french_without_repeating_the_password(url, words):
    with pytest.raises(ValueError) as raised:
        parse_imap_url(url)
    message = str(raised.value)
    assert message.startswith("Adresse IMAP invalide") and words in message
    assert "secret" not in message and "cret" not in message


# -- servers that do not keep keywords, or no mark at all (a fake: dovecot keeps them)

class FakeClient:
    """Stands for IMAPClient: a folder whose PERMANENTFLAGS are given."""

    def __init__(self, permanent_flags, messages, read_only=False):
        self.permanent_flags = permanent_flags
        self.messages = messages
        self.read_only = read_only
        self.searches: list = []
        self.stored: list = []
        self.logged_out = False

    def __call__(self, *args, **kwargs):  # the "class" fetch_mailbox instantiates
        return self

    def login(self, user, password):
        pass

    def select_folder(self, folder):
        if self.read_only:
            raise IMAPClientReadOnlyError(f"{folder} is not writable")
        return {b"PERMANENTFLAGS": self.permanent_flags, b"UIDVALIDITY": 7, b"READ-WRITE": True}

    def search(self, criteria):
        self.searches.append(criteria)
        return sorted(self.messages)

    def fetch(self, uids, data):
        assert data == ["BODY.PEEK[]"]
        return {uid: {b"BODY[]": self.messages[uid], b"SEQ": uid} for uid in uids}

    def add_flags(self, uids, flags, silent=False):
        self.stored.append((uids, flags))

    def logout(self):
        self.logged_out = True

    def shutdown(self):
        pass


def test_without_keywords_the_unseen_messages_are_fetched_and_marked_seen(monkeypatch):
    fake = FakeClient((b"\\Answered", b"\\Seen", b"\\Deleted"), {3: b"trois", 5: b"cinq"})
    monkeypatch.setattr(imap, "IMAPClient", fake)
    kept = []

    report = fetch_mailbox(ImapSettings("mail.example", 993, "u", "p"), kept.append)

    assert fake.searches == [["UNSEEN"]] and kept == [b"trois", b"cinq"]
    assert fake.stored == [([3], ["\\Seen"]), ([5], ["\\Seen"])]
    assert report.marker == "\\Seen" and report.uid_validity == 7 and fake.logged_out


@pytest.mark.parametrize("permanent_flags", [(b"\\*",), (b"\\Seen", b"$LanterneStored")])
def test_with_keywords_allowed_the_keyword_marks_what_was_taken(monkeypatch, permanent_flags):
    fake = FakeClient(permanent_flags, {1: b"un"})
    monkeypatch.setattr(imap, "IMAPClient", fake)

    fetch_mailbox(ImapSettings("mail.example", 993, "u", "p"), lambda raw: None)

    assert fake.searches == [["UNKEYWORD", "$LanterneStored"]]
    assert fake.stored == [([1], ["$LanterneStored", "\\Seen"])]


@pytest.mark.parametrize("fake", [FakeClient((b"\\Answered",), {1: b"un"}),
                                  FakeClient((b"\\*",), {1: b"un"}, read_only=True)])
def test_a_folder_that_cannot_keep_the_marks_is_refused_before_anything_is_read(monkeypatch, fake):
    monkeypatch.setattr(imap, "IMAPClient", fake)
    kept = []
    with pytest.raises(MailboxError, match="Lanterne ne pourrait pas marquer"):
        fetch_mailbox(ImapSettings("mail.example", 993, "u", "p", folder="Archives"), kept.append)
    assert kept == [] and fake.stored == []
