"""The media store: types read from content, size limits, safe and seekable serving, and
files shown only as their course is."""

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from learnhub.accounts.models import Role
from learnhub.catalogue.media_routes import media_url
from learnhub.catalogue.models import Course, CourseStatus, Lesson
from learnhub.extensions import db
from learnhub.media import (
    MediaError,
    MediaKind,
    check_stream,
    media_root,
    sniff_format,
    store_stream,
)
from tests.helpers import sign_in, submit

PAD = bytes(range(256)) * 4
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + PAD
M4A = b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + PAD
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + PAD
MKV = b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x88matroska" + PAD
MP3_TAGGED = b"ID3\x04\x00\x00\x00\x00\x00\x22" + PAD
MP3_FRAME = b"\xff\xfb\x90\x64" + PAD
AAC_ADTS = b"\xff\xf1\x50\x80\x02\x1f\xfc" + PAD
OGG = b"OggS\x00\x02\x00\x00" + PAD
WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + PAD
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + PAD
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + PAD
WEBP = b"RIFF\x24\x08\x00\x00WEBPVP8 " + PAD
GIF = b"GIF89a\x01\x00\x01\x00" + PAD
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (MP4, "mp4"), (M4A, "m4a"), (WEBM, "webm"), (MP3_TAGGED, "mp3"), (MP3_FRAME, "mp3"),
        (OGG, "ogg"), (WAV, "wav"), (PNG, "png"), (JPEG, "jpg"), (WEBP, "webp"),
        (MKV, None), (AAC_ADTS, None), (GIF, None), (HTML, None), (b"", None),
    ],
)  # fmt: skip
def test_the_format_is_read_from_the_first_bytes(content, expected):
    assert sniff_format(content[:512]) == expected


@pytest.mark.parametrize(
    ("kind", "accepted", "refused"),
    [
        (MediaKind.VIDEO, [MP4, WEBM], [M4A, MP3_TAGGED, PNG, MKV, HTML]),
        (MediaKind.AUDIO, [MP3_TAGGED, MP3_FRAME, M4A, OGG, WAV], [MP4, WEBM, JPEG, HTML]),
        (MediaKind.IMAGE, [PNG, JPEG, WEBP], [GIF, MP4, HTML, WAV]),
    ],
)
def test_each_kind_takes_only_its_formats(app, kind, accepted, refused):
    with app.test_request_context():
        for content in accepted:
            check_stream(io.BytesIO(content), kind)
        for content in refused:
            with pytest.raises(MediaError):
                check_stream(io.BytesIO(content), kind)


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(app):
    app.config["MEDIA_MAX_IMAGE_BYTES"] = 100
    with app.test_request_context():
        with pytest.raises(MediaError) as refused:
            store_stream(io.BytesIO(PNG), MediaKind.IMAGE)
        assert "文件太大" in str(refused.value.message)
        assert not (media_root() / "image").exists() or not any((media_root() / "image").iterdir())


def test_stored_files_get_a_random_name_and_the_extension_of_their_content(app):
    with app.test_request_context():
        stored = store_stream(io.BytesIO(JPEG), MediaKind.IMAGE)
        assert stored.path.startswith("image/") and stored.path.endswith(".jpg")
        assert stored.mimetype == "image/jpeg" and stored.size == len(JPEG)
        assert (media_root() / stored.path).read_bytes() == JPEG
        assert media_url(stored.path) == f"/media/{stored.path}"
        assert media_url(None) is None
        assert [p.name for p in (media_root() / "image").iterdir()] == [stored.path[6:]]


def fetch(client, url, **kwargs):
    """GET a file and close it (the test client keeps served files open until closed)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def stored(app, content, kind) -> str:
    """A file in the store that no course names yet."""
    with app.test_request_context():
        return store_stream(io.BytesIO(content), kind).path


@pytest.fixture
def lesson_file(app, make_course):
    """Store a file as the video of a lesson of a course in the given state; returns its path."""

    def attach(content=MP4, kind=MediaKind.VIDEO, status=CourseStatus.PUBLISHED) -> str:
        path = stored(app, content, kind)
        course_id = make_course(lessons=("video",), status=status)
        with app.app_context():
            lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course_id))
            lesson.media_path = path
            db.session.commit()
        return path

    return attach


def test_media_is_served_with_its_type_nosniff_and_ranges(app, client, lesson_file):
    path = lesson_file()
    response = fetch(client, f"/media/{path}")
    assert response.status_code == 200 and response.data == MP4
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Accept-Ranges"] == "bytes"
    part = fetch(client, f"/media/{path}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == MP4[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(MP4)}"


@pytest.mark.parametrize(
    "content,kind,mimetype",
    [(WEBM, MediaKind.VIDEO, "video/webm"), (M4A, MediaKind.AUDIO, "audio/mp4"),
     (MP3_TAGGED, MediaKind.AUDIO, "audio/mpeg"), (WEBP, MediaKind.IMAGE, "image/webp")],
)  # fmt: skip
def test_each_format_is_served_with_its_own_type(app, client, lesson_file, content, kind, mimetype):
    response = fetch(client, f"/media/{lesson_file(content, kind)}")
    assert response.headers["Content-Type"] == mimetype


@pytest.mark.parametrize(
    "path",
    [
        "../secret_key",
        "video/../../secret_key",
        "video/%2e%2e/%2e%2e/secret_key",
        "..%2fsecret_key",
        "/etc/passwd",
        "video/0123456789abcdef0123456789abcdef.html",
        "video/notarandomname.mp4",
        "other/0123456789abcdef0123456789abcdef.mp4",
        "video/0123456789abcdef0123456789abcdef.mp4",  # well formed, but not there
    ],
)
def test_anything_but_a_stored_file_is_not_found(app, client, lesson_file, path):
    lesson_file()  # the store exists, next to the instance's secrets
    (Path(app.instance_path) / "secret_key").write_text("test-secret-key")
    response = fetch(client, f"/media/{path}", follow_redirects=True)
    assert response.status_code == 404
    assert b"test-secret-key" not in response.data


def test_a_published_courses_file_may_be_cached_by_anyone_for_a_day(app, client, lesson_file):
    response = fetch(client, f"/media/{lesson_file()}")
    assert response.status_code == 200
    assert response.cache_control.public and response.cache_control.max_age == 86400


def test_a_drafts_files_are_for_its_editors_only_and_never_cached_by_others(
    app, client, lesson_file, make_user
):
    path = lesson_file(status=CourseStatus.DRAFT)
    assert fetch(client, f"/media/{path}").status_code == 404  # anyone with the address
    make_user("a_learner")
    sign_in(client, "a_learner")
    assert fetch(client, f"/media/{path}").status_code == 404
    editor = app.test_client()
    make_user("prov_editor", role=Role.EDITOR, managed="210000")
    sign_in(editor, "prov_editor")
    response = fetch(editor, f"/media/{path}")
    assert response.status_code == 200
    assert response.cache_control.private and response.cache_control.no_store
    assert not response.cache_control.public


def test_a_city_editor_cannot_see_another_regions_draft_files(app, lesson_file, make_user):
    path = lesson_file(status=CourseStatus.DRAFT)  # a course of the province (210000)
    make_user("dl_editor", role=Role.EDITOR, managed="210200")
    editor = app.test_client()
    sign_in(editor, "dl_editor")
    assert fetch(editor, f"/media/{path}").status_code == 404


def test_a_file_no_course_names_is_never_served(app, client):
    assert fetch(client, f"/media/{stored(app, MP4, MediaKind.VIDEO)}").status_code == 404


def test_replaced_and_deleted_files_are_removed_after_the_commit(app, lesson_file):
    old = lesson_file()
    new = stored(app, WEBM, MediaKind.VIDEO)
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.media_path == old))
        lesson.media_path = new
        db.session.flush()
        assert (media_root() / old).exists()  # not before the commit
        db.session.commit()
        assert not (media_root() / old).exists() and (media_root() / new).exists()
        db.session.delete(db.session.get(Course, lesson.course_id))
        db.session.commit()
        assert not (media_root() / new).exists()


def test_a_rolled_back_replacement_keeps_the_file(app, lesson_file):
    old = lesson_file()
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.media_path == old))
        lesson.media_path = None
        db.session.flush()
        db.session.rollback()
        assert (media_root() / old).exists()


def test_studio_uploads_may_exceed_the_general_request_limit(app, client, make_user):
    """Video pages take files up to the video limit, whatever MAX_CONTENT_LENGTH says."""
    from tests.test_studio import new_course

    app.config.update(MAX_CONTENT_LENGTH=4096, MEDIA_MAX_VIDEO_BYTES=64 * 1024)
    make_user(login="prov_editor", role=Role.EDITOR, managed="210000")
    sign_in(client, "prov_editor")
    course_id = new_course(client, app)
    video = MP4 + bytes(20_000)
    url = f"/studio/courses/{course_id}/lessons/new/video"
    form = {"title": "大视频", "duration_seconds": "3:00", "media": (io.BytesIO(video), "a.mp4")}
    response = submit(client, url, form, content_type="multipart/form-data")
    assert response.status_code == 302
    anonymous = app.test_client()
    too_big = anonymous.post(url, data={"media": (io.BytesIO(video), "a.mp4")})
    assert too_big.status_code == 413


def test_a_savepoint_inside_a_replacement_removes_nothing_before_the_commit(app, lesson_file):
    old = lesson_file()
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.media_path == old))
        lesson.media_path = None
        with db.session.begin_nested():
            db.session.flush()
        assert (media_root() / old).exists()
        db.session.rollback()  # the whole change given up: the file stays
        assert (media_root() / old).exists()
