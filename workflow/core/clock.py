"""Today's date where the law counts it: in France, not on the server's clock zone; and the
current moment, which tests replace."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def today() -> date:
    return datetime.now(PARIS).date()


def now() -> datetime:
    """The current moment (UTC); tests replace it to move the clock."""
    return datetime.now(timezone.utc)


def paris_day(moment: datetime) -> date:
    """The day a moment falls on in France; a naive moment (as SQLite returns a stored
    UTC time) is read as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(PARIS).date()
