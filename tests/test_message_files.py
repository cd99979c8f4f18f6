"""Files in messages (issue 10): stored with the outbox row that carries them, once per content, and
written to disk by the console.

A chart made by a job must survive to whichever process delivers it: the bytes go into the store in
the unit of work that queues the message, so they commit (or roll back) with it.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from sqmsbot.blobs import MAX_BYTES, AttachmentTooLarge, attach, attach_file
from sqmsbot.clock import ManualClock
from sqmsbot.i18n import Translator
from sqmsbot.messages import File, Image, Message, payload_blobs
from sqmsbot.models import Blob, MessageBlob, OutboxMessage
from sqmsbot.outbox import Channel, Notifier, OutboxWorker
from sqmsbot.platforms.console import ConsoleDeliverer
from sqmsbot.platforms.console.render import write_reply_files
from sqmsbot.runtime import Runtime


def png_chart() -> bytes:
    """A real PNG, drawn the way a KPI job draws its charts."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1), dpi=50)
    figure.add_subplot().plot([1, 3, 2, 4])
    out = io.BytesIO()
    figure.savefig(out, format="png")
    data = out.getvalue()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return data


PNG = png_chart()
CSV = b"ref,priority,status\nSQ-1,P2,New\n"


def queue(runtime: Runtime, key: str, *blocks: Callable[[Notifier], Image | File]) -> None:
    with runtime.db.transaction() as session:
        notify = Notifier(session, platforms=("console",), now=runtime.clock.now())
        message = Message(text=f"{key} · weekly KPIs", blocks=tuple(make(notify) for make in blocks))
        notify.to_channel(key=key, channel=Channel("console", "#ops"), message=message)


def chart(notify: Notifier) -> Image:
    return notify.attach_image(data=PNG, name="mttr.png", alt="MTTR, last 12 weeks")


def export(notify: Notifier) -> File:
    return notify.attach_file(data=CSV, name="open.csv", content_type="text/csv", title="Open incidents")


def counts(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.db.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Blob)) or 0,
            session.scalar(select(func.count()).select_from(MessageBlob)) or 0,
            session.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
        )


def test_a_file_is_stored_with_its_outbox_row_and_linked_to_it(runtime: Runtime) -> None:
    queue(runtime, "digest:1", chart, export)
    with runtime.db.transaction() as session:
        row = session.scalars(select(OutboxMessage)).one()
        blobs = {b.sha256: b for b in session.scalars(select(Blob))}
        links = session.scalars(select(MessageBlob)).all()
        image, file = Message.model_validate(row.payload).attached
        assert isinstance(image, Image) and isinstance(file, File)
        assert {blob: (b.data, b.content_type, b.size) for blob, b in blobs.items()} == {
            image.blob: (PNG, "image/png", len(PNG)),
            file.blob: (CSV, "text/csv", len(CSV)),
        }
        assert {(link.outbox_id, link.blob) for link in links} == {(row.id, blob) for blob in blobs}
        assert payload_blobs(row.payload) == set(blobs)


def test_a_rolled_back_unit_of_work_stores_neither_the_file_nor_the_message(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError, match="the job failed"), runtime.db.transaction() as session:
        notify = Notifier(session, platforms=("console",), now=runtime.clock.now())
        message = Message(text="weekly KPIs", blocks=(chart(notify),))
        notify.to_channel(key="digest:1", channel=Channel("console", "#ops"), message=message)
        raise RuntimeError("the job failed after attaching")
    assert counts(runtime) == (0, 0, 0)


def test_a_message_showing_a_file_no_longer_stored_is_refused_clearly(runtime: Runtime) -> None:
    """A block kept from an earlier message (its file purged since) must not pass for a lost race."""
    from sqmsbot.outbox.notifier import MissingFile

    gone = Image(blob="0" * 64, name="old.png", alt="purged")
    with pytest.raises(MissingFile, match=r"0{64}"), runtime.db.transaction() as session:
        notify = Notifier(session, platforms=("console",), now=runtime.clock.now())
        message = Message(text="weekly KPIs", blocks=(gone,))
        notify.to_channel(key="digest:1", channel=Channel("console", "#ops"), message=message)
    assert counts(runtime) == (0, 0, 0)


def test_reusing_a_stored_file_marks_it_used_again(runtime: Runtime, clock: ManualClock) -> None:
    """Housekeeping purges by last use: a message queued later shows the file, so it is used now."""
    from datetime import timedelta

    queue(runtime, "digest:1", chart)
    with runtime.db.transaction() as session:
        [image_blob] = session.scalars(select(Blob.sha256)).all()
    clock.advance(timedelta(days=3))
    with runtime.db.transaction() as session:
        notify = Notifier(session, platforms=("console",), now=clock.now())
        again = Image(blob=image_blob, name="mttr.png", alt="the same chart")
        notify.to_channel(
            key="digest:2", channel=Channel("console", "#ops"), message=Message(text="x", blocks=(again,))
        )
    with runtime.db.transaction() as session:
        used = session.scalars(select(Blob.used_at)).one()
    assert used.replace(tzinfo=None) == clock.now().replace(tzinfo=None)


def test_the_same_bytes_twice_are_one_stored_file(runtime: Runtime, clock: ManualClock) -> None:
    queue(runtime, "digest:1", chart, chart)  # twice in one message: one block's worth of links
    queue(runtime, "digest:2", chart)  # and in another unit of work
    assert counts(runtime) == (1, 2, 2)
    with runtime.db.transaction() as session:
        assert session.scalars(select(Blob.used_at)).one() == clock.now()


def test_a_key_stored_before_keeps_its_own_files(runtime: Runtime) -> None:
    queue(runtime, "digest:1", chart)
    queue(runtime, "digest:1", export)  # the key is taken: the row, and its one link, stay as they were
    with runtime.db.transaction() as session:
        assert len(session.scalars(select(MessageBlob)).all()) == 1


def test_an_oversized_file_is_refused_clearly_and_nothing_is_written(runtime: Runtime) -> None:
    with pytest.raises(AttachmentTooLarge) as refused, runtime.db.transaction() as session:
        notify = Notifier(session, platforms=("console",), now=runtime.clock.now())
        notify.attach_file(data=b"x" * (MAX_BYTES + 1), name="huge.csv", content_type="text/csv")
    assert "huge.csv" in str(refused.value) and str(MAX_BYTES) in str(refused.value)
    error = refused.value
    assert Translator("en")(error.key, **error.args_) == (
        "The file huge.csv is 20.0 MB; a message can carry files of at most 20 MB."
    )
    assert "huge.csv" in Translator("zh_CN")(error.key, **error.args_)
    assert counts(runtime) == (0, 0, 0)


def test_the_limit_itself_is_accepted(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        attach(session, data=b"x" * MAX_BYTES, content_type="text/plain", now=runtime.clock.now())
    assert counts(runtime)[0] == 1


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b.png", "..", "", "x\n.png", "c:\\x.png"])
def test_a_block_names_a_plain_file_name_only(name: str) -> None:
    with pytest.raises(ValidationError):
        Image(blob="a" * 64, name=name, alt="chart")


def test_a_block_names_its_bytes_by_hash_not_by_path() -> None:
    with pytest.raises(ValidationError):
        Image(blob="/tmp/chart.png", name="chart.png", alt="chart")
    message = Message(text="x", blocks=(File(blob="b" * 64, name="open.csv"),))
    assert Message.model_validate_json(message.model_dump_json()) == message


def test_notifications_need_a_unit_of_work_from_the_database(runtime: Runtime) -> None:
    """The flush is bound to the app's session factory: a session from elsewhere would silently drop
    its queued rows, so queueing on one is refused instead."""
    engine = create_engine(runtime.db.url)
    try:
        with Session(engine) as session:
            notify = Notifier(session, platforms=("console",), now=runtime.clock.now())
            with pytest.raises(RuntimeError, match="unit of work"):
                notify.to_channel(key="k", channel=Channel("console", "#ops"), message=Message(text="x"))
    finally:
        engine.dispose()


def test_the_console_writes_each_file_and_prints_its_path(runtime: Runtime, tmp_path: Path) -> None:
    files_dir = tmp_path / "var" / "files"
    lines: list[str] = []
    worker = OutboxWorker(
        runtime.db, ConsoleDeliverer(lines.append, runtime.org, files_dir=files_dir), runtime.clock
    )
    queue(runtime, "digest:1", chart, export)
    assert worker.run_once() == 1
    written = sorted(files_dir.iterdir())
    assert sorted(p.name.split("-", 1)[1] for p in written) == ["mttr.png", "open.csv"]
    assert {p.read_bytes() for p in written} == {PNG, CSV}
    [printed] = lines
    first, *attached = printed.splitlines()
    assert first == "[#ops] digest:1 · weekly KPIs"  # #ops reads in Chinese (its department's language)
    assert sorted(attached) == sorted(f"       📎 附件 {p.name[17:]}：{p}" for p in written)
    assert all(len(p.name.split("-", 1)[0]) == 16 for p in written)  # named by hash, then name


def test_a_long_chinese_file_name_is_cut_to_fit_the_file_system(runtime: Runtime, tmp_path: Path) -> None:
    from sqmsbot.platforms.console.render import save_files

    name = "客户投诉月度报告" * 24 + ".csv"  # 196 characters: 580 bytes of UTF-8
    message = Message(text="export", blocks=(File(blob="a" * 64, name=name, title="report"),))
    files_dir = tmp_path / "files"
    [(shown, path)] = save_files(message, read=lambda blob: CSV, files_dir=files_dir)
    assert shown == name and path.read_bytes() == CSV
    assert path.name.endswith(".csv") and len(path.name.encode()) <= 255
    assert [p.name for p in files_dir.iterdir()] == [path.name]  # no partial file left


def test_a_reply_s_files_are_written_and_listed_too(runtime: Runtime, tmp_path: Path) -> None:
    with runtime.db.transaction() as session:
        block = attach_file(
            session, data=CSV, name="open.csv", content_type="text/csv", now=runtime.clock.now()
        )
    lines: list[str] = []
    message = Message(text="3 open incidents", blocks=(block,))
    files_dir = tmp_path / "files"
    write_reply_files(message, db=runtime.db, files_dir=files_dir, t=Translator("zh_CN"), write=lines.append)
    [path] = files_dir.iterdir()
    assert path.read_bytes() == CSV
    assert lines == [f"📎 附件 open.csv：{path}"]


def test_two_units_of_work_storing_the_same_bytes_at_once_both_succeed(runtime: Runtime) -> None:
    """Two replicas attaching one chart at the same moment: the database settles it, one row (on
    PostgreSQL the second insert waits for the first to commit, then finds the row taken)."""
    both_started = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def store(key: str) -> None:
        try:
            with runtime.db.transaction() as session:
                notify = Notifier(session, platforms=("console",), now=runtime.clock.now())
                both_started.wait()
                message = Message(text="KPIs", blocks=(chart(notify),))
                notify.to_channel(key=key, channel=Channel("console", "#ops"), message=message)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(f"digest:{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert counts(runtime) == (1, 2, 2)
