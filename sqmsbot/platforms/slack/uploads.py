"""A message's stored files → Slack, with the external-upload API, once per outbox row.

Three calls: `files.getUploadURLExternal` (name, length) hands out a URL and a file id, the bytes are
POSTed there, and `files.completeUploadExternal` finishes the upload. No channel is named, so the
file stays private to the bot until the card shows it (an image block's `slack_file`, or a link):
an upload repeated after an unknown outcome can leave an orphan file nobody sees, never a second
post. Once Slack confirms an upload, the file id is recorded for the row (committed before the card
is posted), so a delivery that is tried again — the post after the upload failed — reuses the file
instead of uploading it again.
"""

from __future__ import annotations

import time
import urllib.request
from urllib.error import HTTPError

from slack_sdk import WebClient

from sqmsbot.messages import File, Image
from sqmsbot.outbox import Delivery, RetryLater, Uploaded
from sqmsbot.platforms.slack.delivery_errors import failed_call

UPLOAD_BUDGET_S = 45.0
"""How long one attempt may spend uploading before it posts. Well inside the outbox lease (2 min):
an attempt still uploading when its lease runs out could have its row taken by another worker,
which would find no post yet and post the card too. Past the budget, the attempt stops (what it
uploaded is recorded) and the row is tried again at once, with a fresh lease, from where it was."""


def upload_files(
    client: WebClient, delivery: Delivery, *, budget: float | None = None
) -> dict[str, Uploaded]:
    """Each of the message's files as Slack holds it, by hash: uploaded now, or by an earlier attempt."""
    budget = UPLOAD_BUDGET_S if budget is None else budget
    started = time.monotonic()
    uploaded: dict[str, Uploaded] = {}
    for block in delivery.message.attached:
        done = delivery.attachments.uploaded(block.blob)
        if done is None:
            done = _upload(client, delivery, block)  # at least one per attempt, however slow
            if time.monotonic() - started > budget:  # the rest, and the post, wait for a fresh lease
                raise RetryLater(
                    "uploading took longer than one attempt may: going on next time", retry_after=0
                )
        uploaded[block.blob] = done
    return uploaded


def _upload(client: WebClient, delivery: Delivery, block: Image | File) -> Uploaded:
    data = delivery.attachments.read(block.blob)
    title = (block.title if isinstance(block, File) else "") or block.name
    try:
        ticket = client.files_getUploadURLExternal(filename=block.name, length=len(data))
        file_id = str(ticket["file_id"])
        _post_bytes(client, str(ticket["upload_url"]), data)
        done = client.files_completeUploadExternal(files=[{"id": file_id, "title": title}])
    except RetryLater:
        raise
    except Exception as exc:
        failure = failed_call(exc, posting=False)  # a private upload posts nothing: never "maybe sent"
        if failure is exc:
            raise
        raise failure from exc
    files = done.get("files") or [{}]
    permalink = files[0].get("permalink") if isinstance(files[0], dict) else None
    return delivery.attachments.record_upload(block.blob, remote_id=file_id, url=permalink)


def _post_bytes(client: WebClient, url: str, data: bytes) -> None:
    """The bytes to the upload URL, through the client's proxy and TLS settings, within its timeout.
    Any failure is a not-now: the next attempt starts the upload again with a fresh URL."""
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/octet-stream")
    handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPSHandler(context=client.ssl)]
    if client.proxy:
        handlers.append(urllib.request.ProxyHandler({"http": client.proxy, "https": client.proxy}))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=client.timeout) as response:
            response.read()
    except HTTPError as exc:
        raise RetryLater(f"slack upload URL answered HTTP {exc.code}") from exc
    except OSError as exc:  # URLError, a timeout, a reset
        raise RetryLater(f"slack upload URL unreachable: {type(exc).__name__}: {exc}") from exc
