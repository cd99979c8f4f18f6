"""Messages as terminal text: the fallback text, mentions shown as @name, continuation lines indented.

A terminal cannot show a file, so the files a message carries are written to a folder (`files_dir`,
SQMS_FILES_DIR) and their paths printed under the message.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from sqmsbot import mentions
from sqmsbot.blobs import read_blob
from sqmsbot.db import Database
from sqmsbot.i18n import Translator
from sqmsbot.messages import Message
from sqmsbot.outbox import Delivery
from sqmsbot.platforms.console.name import PLATFORM

Write = Callable[[str], None]


def plain(text: str) -> str:
    """Mentions as the console shows them: `@li` for a console person, a name for anyone else's."""
    return mentions.render(
        text, platform=PLATFORM, native=lambda user: "@" + user, foreign=lambda name: "@" + name
    )


def indent(text: str, prefix: str) -> str:
    lines = plain(text).splitlines() or [""]
    pad = " " * len(prefix)
    return "\n".join([prefix + lines[0], *(pad + line for line in lines[1:])])


def delivery_text(delivery: Delivery, t: Translator, *, files: Sequence[tuple[str, Path]] = ()) -> str:
    """`[#ops] …` for a channel, `[@li] …` for a person; card edits are one line, not the whole card.
    `files`: the message's files as written (`save_files`), one line each under it."""
    target = delivery.target if delivery.target_kind == "channel" else "@" + delivery.target
    message = delivery.message
    if message.update_of:
        first = plain(message.text).splitlines()[0]
        prefix, text = f"[{target}] ", f"✎ {first} {t('console.updated')}"
    elif message.thread_of:
        prefix, text = f"[{target} ↳] ", message.text
    else:
        prefix, text = f"[{target}] ", message.text
    return "\n".join([indent(text, prefix), *files_lines(files, t, pad=" " * len(prefix))])


def save_files(message: Message, *, read: Callable[[str], bytes], files_dir: Path) -> list[tuple[str, Path]]:
    """Write each file the message carries as `files_dir/<hash>-<name>`; (name, path) of each.

    Named by hash and name: the same bytes land on the same path (written once), and two files with
    one name never overwrite each other. Written to a temporary name first, then renamed, so a reader
    never sees half a file.
    """
    saved: list[tuple[str, Path]] = []
    for block in message.attached:
        path = files_dir / f"{block.blob[:16]}-{_fitting(block.name)}"
        if not path.exists():
            files_dir.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=files_dir, prefix=".partial-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(read(block.blob))
                os.replace(partial, path)
            finally:  # a failed read or write leaves no half file behind
                if os.path.exists(partial):
                    os.unlink(partial)
        saved.append((block.name, path))
    return saved


NAME_BYTES = 200
"""Of a written file's name, after its hash: file systems allow 255 bytes, and a Chinese name of 200
characters is 600 of them."""


def _fitting(name: str) -> str:
    """The name cut to NAME_BYTES of UTF-8 (its extension kept), never in the middle of a character."""
    if len(name.encode()) <= NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 16:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    room = NAME_BYTES - len(suffix.encode())
    return stem.encode()[:room].decode(errors="ignore") + suffix


def files_lines(files: Sequence[tuple[str, Path]], t: Translator, *, pad: str = "") -> list[str]:
    return [pad + t("console.attached", name=name, path=str(path)) for name, path in files]


def write_reply_files(
    message: Message, *, db: Database, files_dir: Path, t: Translator, write: Write
) -> None:
    """The files of a command's reply message, written and listed as a delivered message's are; the
    bytes are read from the store, where the command's unit of work put them."""
    if not message.attached:
        return

    def read(blob: str) -> bytes:
        with db.transaction() as session:
            return read_blob(session, blob)

    for line in files_lines(save_files(message, read=read, files_dir=files_dir), t):
        write(line)
