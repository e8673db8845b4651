"""A submission with photos in a browser, in normal and in elder mode: Shenyang's centre
writes the display-board text and figures, uploads a plan and two photos through the page
(each named by its caption), is told what is missing, and submits."""

import pytest

from learnhub.extensions import db
from learnhub.submissions import drafts
from learnhub.submissions.models import SubmissionStatus
from tests.submission_steps import JPEG, PDF, PLAN_TEXT, task_of

from .pages import BOTH_MODES

pytestmark = pytest.mark.browser

SAVE = "form[action$='/units/210100'] [type=submit]"
ADD_FILE = "form[action$='/files'] [type=submit]"
SUBMIT = "form[action$='/submit'] [type=submit]"


def _add(page, item_label: str, path, caption: str = "") -> None:
    page.select_option("#item", label=item_label)
    page.fill("#caption", caption)
    page.set_input_files("#file", str(path))
    with page.expect_navigation():
        page.click(ADD_FILE)


@pytest.mark.parametrize("mode", BOTH_MODES, ids=str)
def test_a_city_submits_photos_through_the_page(visitor, site_content, app, tmp_path, mode):
    task_id = site_content["submission_task"]
    photo, plan = tmp_path / "IMG_0001.jpg", tmp_path / "工作方案.pdf"
    photo.write_bytes(JPEG)
    plan.write_bytes(PDF)
    page = visitor.start(mode=mode)
    visitor.sign_in(visitor.accounts.city_staff)
    page.goto("/staff/submissions/")
    assert ("mode-elder" in page.get_attribute("html", "class")) == mode.elder
    with page.expect_navigation():
        page.click(f"a[href='/staff/submissions/tasks/{task_id}/units/210100']")
    page.fill("textarea[name^='text_']", PLAN_TEXT)
    page.fill("input[name$='_0']", "12")
    page.fill("input[name$='_1']", "3400")
    with page.expect_navigation():
        page.click(SAVE)
    _add(page, "工作方案", plan)
    _add(page, "展板照片", photo, "开幕式现场")
    with page.expect_navigation():
        page.click(SUBMIT)  # one photo is too few
    assert page.locator("[role=alert]").count() >= 1
    assert "展板照片" in page.locator("[role=alert]").first.inner_text()
    _add(page, "展板照片", photo, "读书会")
    assert page.locator("text=开幕式现场").count() >= 1
    with page.expect_navigation():
        page.click(SUBMIT)
    with app.app_context():
        submission = drafts.submission_of(task_of(task_id), "210100")
        assert submission.status is SubmissionStatus.SUBMITTED
        assert len(drafts.files_of(submission, submission.latest_version.id)) == 3
        db.session.rollback()
