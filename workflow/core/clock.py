"""Today's date where the law counts it: in France, not on the server's clock zone."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def today() -> date:
    return datetime.now(PARIS).date()
