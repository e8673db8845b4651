"""The person's "my data" ZIP: asked for on /me/data, built by a job, downloaded once
before the link expires, then deleted.

Refusals are ExportRefused with an HTTP status: 404 for another person's export (nobody
learns it exists), 410 for one already downloaded or expired, 409 while it is built.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.models import User
from learnhub.config import private_folder
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox.services import send
from learnhub.recognition.services import evidence_path

from ..models import DataExport, ExportStatus
from .export_data import evidence_name_in_zip, evidence_of, personal_tables
from .files import delete_after_commit
from .settle_first import credit_account_of

README = """learnhub: your data / 你的个人信息

data.json      everything in one file / 全部信息(一个文件)
<table>.csv    the same, one table per file (UTF-8) / 同样的信息,每张表一个文件
evidence/      the files you uploaded as evidence / 你上传的证明材料

Ledger entries carry their hashes: `flask ledger verify` at the credit bank proves them.
学分账本记录附带哈希值,学分银行可以据此核验。
"""


class ExportRefused(Exception):
    def __init__(self, status: int, message):
        super().__init__(str(message))
        self.status = status
        self.message = message


def exports_folder() -> Path:
    return Path(current_app.instance_path) / "privacy-exports"


def export_path(export: DataExport) -> Path:
    return exports_folder() / export.file_name


def exports_of(user: User) -> list[DataExport]:
    query = select(DataExport).where(DataExport.user_id == user.id)
    return list(db.session.scalars(query.order_by(DataExport.id.desc()).limit(10)))


def request_export(user: User) -> DataExport:
    """Ask for a new ZIP (the caller commits, then enqueues the job with its id). One in
    the making per person: asking again while it is built returns that one."""
    export = DataExport(user_id=user.id)
    try:
        with db.session.begin_nested():
            db.session.add(export)
    except IntegrityError:
        return db.session.scalars(
            select(DataExport).where(
                DataExport.user_id == user.id, DataExport.status == ExportStatus.BUILDING
            )
        ).one()
    return export


def build_export(export_id: int, now: datetime | None = None) -> DataExport | None:
    """Write the ZIP of an export and make it downloadable (run by the job)."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.status is not ExportStatus.BUILDING:
        return None
    user = export.user
    folder = exports_folder()
    private_folder(folder)
    name = f"{secrets.token_hex(16)}.zip"
    path = folder / name
    try:
        size = _write_zip(user, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    now = now or utcnow()
    hours = int(current_app.config["PRIVACY_EXPORT_LINK_HOURS"])
    export.file_name, export.size_bytes = name, size
    export.status, export.ready_at = ExportStatus.READY, now
    export.expires_at = now + timedelta(hours=hours)
    send(user.id, str(_l("Your data is ready to download")),
         str(_l("Download it once from the page “My data” within %(hours)d hours.",
                hours=hours)),
         link="/me/data", topic="privacy")  # fmt: skip
    db.session.flush()
    return export


def _write_zip(user: User, path: Path) -> int:
    tables = personal_tables(user)
    account = credit_account_of(user)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README)
        archive.writestr("data.json", json.dumps(tables, ensure_ascii=False, indent=1))
        for table, rows in tables.items():
            archive.writestr(f"{table}.csv", _csv(rows))
        for evidence in evidence_of([account.id] if account else []):
            source = evidence_path(evidence)
            if source.exists():
                archive.write(source, evidence_name_in_zip(evidence))
    return path.stat().st_size


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return "\ufeff" + out.getvalue()  # a BOM: spreadsheets then read the Chinese right


def take_download(user: User, export_id: int, now: datetime | None = None) -> Path:
    """The ZIP's path for its one download, marked downloaded in the same step (a second
    download, even a parallel one, is refused). The caller commits, then sends the file;
    the scheduled clean-up (expire_exports) deletes it afterwards."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.user_id != user.id:
        raise ExportRefused(404, _l("There is no such export of your data."))
    now = now or utcnow()
    if export.status is ExportStatus.BUILDING:
        raise ExportRefused(409, _l("Your data is still being collected. Try again soon."))
    if export.status is ExportStatus.DOWNLOADED:
        raise ExportRefused(410, _l("This export was already downloaded; each works once. "
                                    "Ask for a new one."))  # fmt: skip
    if export.status is ExportStatus.EXPIRED or export.expires_at <= now:
        raise ExportRefused(410, _l("This export has expired. Ask for a new one."))
    taken = db.session.execute(
        update(DataExport)
        .where(DataExport.id == export.id, DataExport.status == ExportStatus.READY)
        .values(status=ExportStatus.DOWNLOADED, downloaded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise ExportRefused(410, _l("This export was already downloaded; each works once. "
                                    "Ask for a new one."))  # fmt: skip
    return export_path(export)


def expire_exports(now: datetime | None = None) -> int:
    """Delete the files of exports past their time, or downloaded; returns how many."""
    now = now or utcnow()
    gone = db.session.scalars(
        select(DataExport).where(
            DataExport.file_name.is_not(None),
            (DataExport.status == ExportStatus.DOWNLOADED)
            | ((DataExport.status == ExportStatus.READY) & (DataExport.expires_at <= now)),
        )
    )
    return _discard(list(gone))


def discard_exports(user: User) -> list[Path]:
    """Every file of the person's exports, to delete with their account (paths returned)."""
    exports = db.session.scalars(select(DataExport).where(DataExport.user_id == user.id))
    paths = []
    for export in exports:
        if export.file_name:
            paths.append(export_path(export))
        export.file_name = None
        if export.status is not ExportStatus.DOWNLOADED:
            export.status = ExportStatus.EXPIRED
    return paths


def _discard(exports: list[DataExport]) -> int:
    paths = []
    for export in exports:
        paths.append(export_path(export))
        export.file_name = None
        if export.status is ExportStatus.READY:
            export.status = ExportStatus.EXPIRED
    delete_after_commit(paths)
    return len(exports)
