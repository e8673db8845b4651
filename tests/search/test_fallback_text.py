"""The database search (used while no index is usable) matches what learners read, not HTML."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import insert, select

from learnhub.catalogue.models import Lesson, LessonKind
from learnhub.extensions import db
from learnhub.search import services
from learnhub.search.models import LessonText
from tests.search.helpers import add_course

MARKUP = '<p>用<strong>手机</strong>扫码，<span class="tip">先点“设置”</span>。</p>'


def lesson_hits(query: str) -> list[int]:
    found = services.database_search(query, limit=50)
    return [hit.object_id for hit in found.hits if hit.kind == "lesson"]


def test_markup_words_find_no_lesson_while_its_words_do(app):
    with app.app_context():
        course = add_course("智能手机入门", "", [("扫码", MARKUP)], module="elder-digital")
        lesson_id = course.lessons[0].id
        for markup in ("strong", "span", "class", "tip", "p"):
            assert lesson_hits(markup) == [], markup
        assert lesson_hits("扫码") == [lesson_id]  # also its title
        assert lesson_hits("设置") == [lesson_id]  # in the text only


def test_an_edited_lesson_is_found_by_its_new_text_only(app):
    with app.app_context():
        course = add_course("智能手机入门", "", [("扫码", MARKUP)], module="elder-digital")
        lesson = course.lessons[0]
        lesson.body_html = "<p>Use a <em>strong</em> password &amp; 验证码.</p>"
        db.session.commit()
        assert lesson_hits("strong") == [lesson.id]  # now a word of the text
        assert lesson_hits("&amp;") == []
        assert lesson_hits("设置") == []
        db.session.delete(course)
        db.session.commit()
        assert db.session.scalar(select(LessonText.lesson_id)) is None


def test_the_migration_writes_the_text_of_existing_lessons(app):
    with app.app_context():
        course = add_course("智能手机入门", "", [("扫码", MARKUP)], module="elder-digital")
        lesson_id = course.lessons[0].id
        db.session.remove()
        flask_migrate.downgrade(revision="0028_synonyms")
        # A lesson written before the upgrade, by a version that kept no plain text.
        db.session.execute(
            insert(Lesson.__table__).values(
                course_id=course.id, position=2, title="第二课", kind=LessonKind.TEXT,
                body_html="<p>视频<b>通话</b></p>", duration_seconds=0,
            )
        )  # fmt: skip
        db.session.commit()
        flask_migrate.upgrade()
        texts = dict(db.session.execute(select(LessonText.lesson_id, LessonText.body_text)).all())
        assert texts[lesson_id] == "用 手机 扫码， 先点“设置” 。"
        assert "视频 通话" in texts.values()
        assert lesson_hits("span") == []
