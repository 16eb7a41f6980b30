"""What tests share besides fixtures: the test password, a page's visible text, running the
queued jobs."""
from __future__ import annotations

import html
import re

PASSWORD = "correct horse battery"


def page_text(response) -> str:
    """The visible text of a page, tags stripped and white space folded."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def run_worker():
    """Run every job that is due in the test Redis, in this process, then stop."""
    from rq import SimpleWorker

    from workflow.jobs.queues import queue

    SimpleWorker([queue()], connection=queue().connection).work(burst=True)
