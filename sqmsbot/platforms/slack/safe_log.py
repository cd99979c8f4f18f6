"""Log lines without what people typed or the secrets that came with it (issue 9, DESIGN §10).

slack_bolt and slack_sdk log whole bodies: Bolt the body of every request whose signature fails (at
INFO), slack_sdk every Web API call and response_url post with its parameters, its URL and the
answer (at DEBUG), and its retries with the URL (at INFO). A Slack body carries the person's text,
Slack's legacy verification `token=` and the response_url — a bearer capability: whoever holds it
may post into that conversation as the app for half an hour — so no log line may carry one, at any
level, and a debugging session must not turn the log into a copy of every conversation.

`Scrubber` is a `logging.Filter` that rewrites each record on the logger it is attached to: the
message is formatted once and cut (`scrub`), and a traceback is formatted and cut the same way (the
record then carries it as text only, so no handler can format the raw exception again). What is cut:
everything from the first brace or bracket of a line to its end (the dict and JSON reprs these
libraries print: bodies, parameters, headers, answers), everything after `body:` or `payload:`,
form-encoded runs (`a=b&c=d`), `token=` values, bearer tokens and `xox…-` / `xapp-` tokens, and the
path and query of every URL but a Web API method's (`…/api/chat.postMessage` stays, a response_url
becomes `https://hooks.slack.com/…`).

`safe_logger(name)` is the named logger with the filter on it. It is what `create_bolt_app` gives
Bolt (Bolt copies the filters of the logger it is given to every logger it derives from it, and the
Socket Mode handler logs on the app's), `make_client` gives the WebClient and `Replier` the
WebhookClient: each logs on the logger it is given, under the name it would have used anyway, so
levels and handlers configured by name work as before.
"""

from __future__ import annotations

import logging
import re

BOLT_LOGGER = "slack_bolt.App"
WEB_CLIENT_LOGGER = "slack_sdk.web.base_client"
WEBHOOK_LOGGER = "slack_sdk.webhook.client"
CUT = "…"

_BODY = re.compile(r"\b(body|body_params|json_body|payload)(\s*[:=]\s*).*", re.IGNORECASE | re.DOTALL)
_STRUCTURE = re.compile(r"[{\[].*")  # to the end of the line: a repr cut short must not leak its tail
_FORM = re.compile(r"[\w.%+-]+=[^\s&]*(?:&[\w.%+-]*=?[^\s&]*)+")
_TOKEN_FIELD = re.compile(r"\b(token|signature)(['\"]?\s*[:=]\s*['\"]?)[^\s&,'\")]+", re.IGNORECASE)
_BEARER = re.compile(r"\bBearer\s+\S+", re.IGNORECASE)
_SLACK_TOKEN = re.compile(r"\bx(?:ox[a-z]|app)-[\w-]*", re.IGNORECASE)
_URL = re.compile(r"\b([a-z][a-z0-9+.-]*://[^\s/'\"<>]+)(/[^\s'\"<>,)]*)?", re.IGNORECASE)
_API_PATH = re.compile(r"/(?:[\w-]+/)*api/[\w.]+")


def scrub(text: str) -> str:
    """`text` without bodies, tokens, form data or URL paths (see the module's docstring)."""
    text = _BODY.sub(rf"\1\2{CUT}", text)
    text = _STRUCTURE.sub(CUT, text)
    text = _URL.sub(_short_url, text)
    text = _FORM.sub(CUT, text)
    text = _TOKEN_FIELD.sub(rf"\1\2{CUT}", text)
    text = _BEARER.sub(f"Bearer {CUT}", text)
    return _SLACK_TOKEN.sub(f"xox{CUT}", text)


def _short_url(match: re.Match[str]) -> str:
    """Scheme and host; the path only when it names a Web API method (never a response_url's)."""
    path = match.group(2) or ""
    return match.group(1) + (path if _API_PATH.fullmatch(path) else f"/{CUT}" if path else "")


class Scrubber(logging.Filter):
    """Rewrites every record it sees with `scrub`; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call (wrong arguments for its format): its format alone
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        record.exc_info = None  # the text above is all a handler may show of the exception
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


SCRUBBER = Scrubber()


def safe_logger(name: str) -> logging.Logger:
    """The logger called `name` with the scrubber on it (added once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, Scrubber) for f in logger.filters):
        logger.addFilter(SCRUBBER)
    return logger
