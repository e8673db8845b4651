"""Bulk import of the catalogue: JSON and CSV, all or nothing, every bad row named."""

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnhub.catalogue.demo import load_demo_courses
from learnhub.catalogue.import_files import parse_json
from learnhub.catalogue.importer import import_catalogue
from learnhub.catalogue.models import (
    Course,
    CourseStatus,
    Lesson,
    LessonKind,
    QuizChoice,
    QuizQuestion,
)
from learnhub.extensions import db
from learnhub.media import media_root
from tests.test_media import MP4, PNG

FIXTURE = Path(__file__).parent / "fixtures" / "demo-courses" / "courses.json"


@pytest.fixture
def catalogue_dir(tmp_path) -> Path:
    """A copy of the fixture catalogue (with its media) to change at will."""
    folder = tmp_path / "catalogue"
    shutil.copytree(FIXTURE.parent, folder)
    return folder


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def stored_media(app) -> list[Path]:
    with app.app_context():
        root = media_root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def run_import(runner, path, *options):
    return runner.invoke(args=["catalogue", "import", str(path), *options])


def test_json_import_creates_courses_lessons_quizzes_and_media(app, runner, catalogue_dir):
    result = run_import(runner, catalogue_dir / "courses.json")
    assert result.exit_code == 0, result.output
    assert "Courses imported: 2 (lessons: 4)." in result.output
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.title == "智能手机入门（测试）"))
        assert course.status is CourseStatus.PUBLISHED and course.published_at is not None
        assert course.featured and course.credits == Decimal("0.50")
        assert course.cover_path.startswith("image/") and course.cover_path.endswith(".png")
        kinds = [lesson.kind for lesson in course.lessons]
        assert kinds == [LessonKind.TEXT, LessonKind.VIDEO, LessonKind.AUDIO, LessonKind.QUIZ]
        text, video, audio, quiz = course.lessons
        assert "<script" not in text.body_html and "先认识屏幕" in text.body_html
        assert (video.media_type, video.duration_seconds) == ("video/webm", 300)
        assert audio.media_type == "audio/mpeg" and audio.media_path.endswith(".mp3")
        assert quiz.pass_mark == 60 and [q.multiple for q in quiz.questions] == [False, True]
        assert [c.correct for c in quiz.questions[1].choices] == [True, True, False]
        draft = db.session.scalar(select(Course).where(Course.title == "好书推荐（测试）"))
        assert draft.status is CourseStatus.DRAFT and draft.region_code == "210200"
        assert draft.study_hours == Decimal("1.5") and draft.credits == Decimal("0.25")
    assert len(stored_media(app)) == 3


def test_dry_run_checks_everything_and_imports_nothing(app, runner, catalogue_dir):
    result = run_import(runner, catalogue_dir / "courses.json", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Courses that would be imported: 2 (lessons: 4)." in result.output
    assert "Nothing was imported (dry run)." in result.output
    assert count(app, Course) == 0 and stored_media(app) == []


BAD_CATALOGUE = """\
{"courses": [
  {"module": "reading", "title": "好课", "region": "210000",
   "study_hours": "1", "credits": "1", "lessons": [
     {"title": "第一课", "kind": "text", "body_html": "<p>正文</p>"}]},
  {"module": "cooking", "title": "坏课一", "region": "999999", "level": "expert",
   "study_hours": "2.25", "credits": "0.125", "sumary": "typo"},
  {"module": "health", "title": "坏课二", "region": "210100",
   "study_hours": "1", "credits": "1", "status": "published",
   "lessons": [
     {"title": "第一课", "kind": "text", "body_html": "<p>正文</p>"},
     {"title": "没有文件", "kind": "video", "media": "media/missing.mp4",
      "duration_seconds": 60},
     {"title": "测验", "kind": "quiz", "pass_mark": 60, "questions": [
        {"prompt": "没有正确答案？",
         "choices": [{"text": "甲", "correct": false}, {"text": "乙", "correct": false}]}]}
   ]}
]}
"""


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(app, runner, catalogue_dir):
    path = catalogue_dir / "bad.json"
    path.write_text(BAD_CATALOGUE, encoding="utf-8")
    result = run_import(runner, path)
    assert result.exit_code != 0
    output = result.output
    expected = [
        "course 2 (line 5): module: “cooking” is not one of:",
        "course 2 (line 5): region: “999999” is not one of:",
        "course 2 (line 5): level: “expert” is not one of: beginner, intermediate, advanced",
        "course 2 (line 5): study_hours: Enter the study hours",
        "course 2 (line 5): credits: Enter the credits",
        "course 2 (line 5): Unknown field “sumary”.",
        "course 3, lesson 2 (line 11): media: The file missing.mp4 cannot be read.",
        "course 3, lesson 3, question 1 (line 14): choices: Mark the correct answer.",
        "Problems found: 8. Nothing was imported.",
    ]
    for line in expected:
        assert line in output, output
    assert "course 1" not in output
    assert count(app, Course) == 0 and count(app, Lesson) == 0 and stored_media(app) == []


def test_a_published_course_needs_lessons_and_quiz_questions(app, runner, catalogue_dir):
    data = {"courses": [
        {"module": "reading", "title": "空课", "region": "210000", "study_hours": "1",
         "credits": "1", "status": "published"},
        {"module": "reading", "title": "空测验", "region": "210000", "study_hours": "1",
         "credits": "1", "status": "published",
         "lessons": [{"title": "测验", "kind": "quiz", "pass_mark": 60}]},
    ]}  # fmt: skip
    with app.test_request_context():
        report = import_catalogue(data, base_dir=catalogue_dir)
        problems = [str(p) for p in report.problems]
    assert not report.ok and len(problems) == 2
    assert "没有课时的课程只能作为草稿导入。" in problems[0]
    assert "已发布课程的测验至少要有一道题。" in problems[1]
    assert count(app, Course) == 0


def test_json_numbers_are_exact_decimals_never_floats():
    data = parse_json('{"courses": [{"credits": 0.1, "study_hours": 2.5, "n": 300}]}')
    course = data["courses"][0]
    assert course["credits"] == Decimal("0.1") and isinstance(course["study_hours"], Decimal)
    assert course["n"] == 300 and course.line == 1


def test_credit_values_keep_their_exact_value(app, catalogue_dir):
    data = parse_json(
        '{"courses": [{"module": "reading", "title": "精确", "region": "210000",'
        ' "study_hours": 0.1, "credits": 33.33}]}'
    )
    with app.test_request_context():
        assert import_catalogue(data, base_dir=catalogue_dir).ok
        db.session.commit()
        course = db.session.scalar(select(Course))
        assert (course.study_hours, course.credits) == (Decimal("0.1"), Decimal("33.33"))


def test_broken_json_is_reported_with_its_line(app, runner, catalogue_dir):
    path = catalogue_dir / "broken.json"
    path.write_text('{"courses": [\n  {"title": "x",}\n]}', encoding="utf-8")
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert "the file (line 2): This is not valid JSON at column 17" in result.output


def test_media_that_is_not_what_it_claims_is_refused(app, runner, catalogue_dir):
    (catalogue_dir / "media" / "fake.mp4").write_bytes(PNG)
    (catalogue_dir / "media" / "big.mp4").write_bytes(MP4 + bytes(5000))
    app.config["MEDIA_MAX_VIDEO_BYTES"] = 4096
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    lessons = data["courses"][0]["lessons"]
    lessons[1]["media"] = "media/fake.mp4"
    lessons.append({"title": "大", "kind": "video", "media": "media/big.mp4",
                    "duration_seconds": 10})  # fmt: skip
    path = catalogue_dir / "media-problems.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert "course 1, lesson 2 (line 1): media: Choose a video file in MP4 or WebM" in result.output
    assert "course 1, lesson 5 (line 1): media: The file is too large" in result.output
    assert count(app, Course) == 0 and stored_media(app) == []


GOOD_CSV = """\
module,title,summary,level,audiences,region,study_hours,credits,status,featured
reading,读书会,每月一本好书,beginner,elder;adult,210100,2,0.5,draft,false
health,"健康讲座, 第一讲",,intermediate,,210000,1.5,1,,
"""


def test_csv_import_creates_draft_courses(app, runner, catalogue_dir):
    path = catalogue_dir / "courses.csv"
    path.write_text(GOOD_CSV, encoding="utf-8-sig")
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Courses imported: 2 (lessons: 0)." in result.output
    with app.app_context():
        courses = {c.title: c for c in db.session.scalars(select(Course))}
        club = courses["读书会"]
        assert {a.value for a in club.audience_values} == {"elder", "adult"}
        assert club.region_code == "210100" and club.credits == Decimal("0.5")
        talk = courses["健康讲座, 第一讲"]
        assert talk.status is CourseStatus.DRAFT and talk.summary == "" and not talk.featured


BAD_CSV = """\
module,title,summary,level,audiences,region,study_hours,credits,status,featured
reading,好课,,beginner,adult,210100,2,0.5,draft,false

reading,要发布,,beginner,adult,210100,2,0.5,published,false
reading,坏地区,,beginner,elders,210102,2,0.5,draft,maybe
"""


def test_csv_problems_name_their_lines_and_nothing_is_imported(app, runner, catalogue_dir):
    path = catalogue_dir / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    result = run_import(runner, path)
    assert result.exit_code != 0
    for line in (
        "course 2 (line 4): status: A course without lessons can only be imported as a draft.",
        "course 3 (line 5): region: “210102” is not one of:",
        "course 3 (line 5): audiences: “elders” is not one of:",
        "course 3 (line 5): featured: Write true or false.",
    ):
        assert line in result.output, result.output
    assert count(app, Course) == 0


def test_csv_without_the_right_columns_is_refused(app, runner, catalogue_dir):
    path = catalogue_dir / "columns.csv"
    path.write_text("title,credits\n好课,1\n", encoding="utf-8")
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert "the file (line 1): The first line must name the columns module,title" in result.output


def test_demo_loader_imports_once_and_repeats_safely(app, catalogue_dir):
    with app.app_context():
        report = load_demo_courses(path=catalogue_dir / "courses.json")
        db.session.commit()
        assert len(report.courses) == 2 and report.skipped == []
        again = load_demo_courses(path=catalogue_dir / "courses.json")
        db.session.commit()
        assert again.courses == [] and len(again.skipped) == 2
        assert load_demo_courses(path=catalogue_dir / "absent.json") is None
    assert count(app, Course) == 2 and count(app, Lesson) == 4
    assert count(app, QuizQuestion) == 2 and count(app, QuizChoice) == 5


def test_demo_steps_load_courses_after_accounts():
    from learnhub.demo import _demo_steps

    assert [name for name, _step in _demo_steps()][:2] == ["accounts", "courses"]


def test_a_csv_cell_too_long_to_read_is_a_problem_not_a_crash(app, runner, catalogue_dir):
    path = catalogue_dir / "huge.csv"
    header = "module,title,summary,level,audiences,region,study_hours,credits,status,featured"
    path.write_text(f"{header}\nhealth,好课,{'长' * 140_000},,,210000,1,1,draft,false\n",
                    encoding="utf-8")  # fmt: skip
    result = run_import(runner, path)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "(line 2): This line cannot be read as CSV" in result.output
    assert count(app, Course) == 0
