"""Modals, home tabs and file uploads of the fake workspace.

Separate from messages because their lifecycles differ: a view is opened by a short-lived trigger and
then updated by id, and a file goes through three steps (get an upload URL, send the bytes there,
complete the upload into channels) that ``files_upload_v2`` performs behind one call.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .slack_common import Ids, Params, Response, SlackError, text_arg


class ViewStore:
    """``views.open``/``push``/``update``/``publish`` with trigger expiry and hash conflicts."""

    def __init__(self, ids: Ids, lock: threading.RLock, team_id: str) -> None:
        self.ids, self.lock, self.team_id = ids, lock, team_id
        self.views: dict[str, dict[str, Any]] = {}
        self.home_tabs: dict[str, dict[str, Any]] = {}
        self.expired_triggers: set[str] = set()

    def handlers(self) -> dict[str, Callable[[Params], Response]]:
        """Web API methods served by this store."""
        return {
            "views.open": self._open,
            "views.push": self._open,
            "views.update": self._update,
            "views.publish": self._publish,
        }

    def _store(self, view: Any, view_id: str | None = None) -> dict[str, Any]:
        if not isinstance(view, dict) or "type" not in view:
            raise SlackError("invalid_arguments")
        stored = copy.deepcopy(view)
        stored.update(id=view_id or self.ids.object_id("V"), hash=self.ids.ts(), team_id=self.team_id)
        with self.lock:
            self.views[stored["id"]] = stored
        return copy.deepcopy(stored)

    def _open(self, params: Params) -> Response:
        trigger_id = text_arg(params, "trigger_id")
        if not trigger_id:
            raise SlackError("invalid_trigger_id")
        if trigger_id in self.expired_triggers:
            raise SlackError("expired_trigger_id")
        return {"view": self._store(params.get("view"))}

    def _update(self, params: Params) -> Response:
        with self.lock:
            view_id = text_arg(params, "view_id")
            external_id = text_arg(params, "external_id")
            if external_id and not view_id:
                matches = (v["id"] for v in self.views.values() if v.get("external_id") == external_id)
                view_id = next(matches, None)
            current = self.views.get(view_id or "")
            if current is None:
                raise SlackError("not_found")
            if text_arg(params, "hash") not in {None, current["hash"]}:
                raise SlackError("hash_conflict")
            return {"view": self._store(params.get("view"), view_id=current["id"])}

    def _publish(self, params: Params) -> Response:
        user_id = text_arg(params, "user_id") or ""
        with self.lock:
            previous = self.home_tabs.get(user_id)
            view = self._store(params.get("view"), view_id=previous["id"] if previous else None)
            self.home_tabs[user_id] = view
        return {"view": view}


@dataclass
class Upload:
    """A file that went through ``files.getUploadURLExternal`` → upload URL → ``completeUploadExternal``."""

    file_id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channels: list[str] = field(default_factory=list)
    thread_ts: str | None = None
    initial_comment: str | None = None
    completed: bool = False

    @property
    def channel(self) -> str | None:
        """The (first) channel the file was shared to, or None for a private upload."""
        return self.channels[0] if self.channels else None


class FileStore:
    """The external-upload flow that replaced ``files.upload`` (which Slack retired in 2025)."""

    def __init__(
        self, ids: Ids, lock: threading.RLock, resolve_channel: Callable[[str], str], permalink_base: str
    ) -> None:
        self.ids, self.lock, self.resolve_channel = ids, lock, resolve_channel
        self.permalink_base = permalink_base
        self.upload_base = ""
        self.uploads: dict[str, Upload] = {}

    def handlers(self) -> dict[str, Callable[[Params], Response]]:
        """Web API methods served by this store."""
        return {
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete,
        }

    def _get_upload_url(self, params: Params) -> Response:
        length = text_arg(params, "length") or ""
        if not length.isdigit():
            raise SlackError("invalid_arguments")
        file_id = self.ids.object_id("F")
        with self.lock:
            self.uploads[file_id] = Upload(file_id, text_arg(params, "filename") or "", int(length))
        return {"upload_url": f"{self.upload_base}{file_id}", "file_id": file_id}

    def receive(self, file_id: str, content: bytes) -> Upload | None:
        """Store bytes POSTed to an upload URL; None when no such URL is open."""
        with self.lock:
            upload = self.uploads.get(file_id)
            if upload is None or upload.completed:
                return None
            upload.content = content
            return upload

    def _complete(self, params: Params) -> Response:
        entries = params.get("files")
        if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("id") for e in entries):
            raise SlackError("invalid_arguments")
        named = [text_arg(params, "channel_id") or "", *(text_arg(params, "channels") or "").split(",")]
        channels = [self.resolve_channel(c) for c in named if c]
        with self.lock:
            uploads = [self.uploads.get(str(e["id"])) for e in entries]
            ready = [u for u in uploads if u is not None and u.content is not None and not u.completed]
            if len(ready) != len(entries):
                raise SlackError("file_not_found")
            for entry, upload in zip(entries, ready, strict=True):
                upload.title = entry.get("title") or upload.filename
                upload.channels = channels
                upload.thread_ts = text_arg(params, "thread_ts")
                upload.initial_comment = text_arg(params, "initial_comment")
                upload.completed = True
            return {"files": [self._file_object(u) for u in ready]}

    def _file_object(self, upload: Upload) -> dict[str, Any]:
        return {
            "id": upload.file_id,
            "name": upload.filename,
            "title": upload.title,
            "size": len(upload.content or b""),
            "channels": [c for c in upload.channels if c.startswith("C")],
            "ims": [c for c in upload.channels if c.startswith("D")],
            "groups": [c for c in upload.channels if c.startswith("G")],
            "permalink": f"{self.permalink_base}{upload.file_id}",
        }
