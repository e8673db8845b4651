"""The staff list of one's region: who is on it, its filters and pages, its CSV export."""

from __future__ import annotations

import csv
import io
import re

from tests.helpers import submit

from .helpers import SHENYANG, signed_in_as

NAME_CELL = re.compile(r'<th scope="row"><a href="/staff/people/\d+">([^<]+)</a></th>')


def names(client, query: str = "") -> set[str]:
    response = client.get(f"/staff/people{query}")
    assert response.status_code == 200
    return set(NAME_CELL.findall(response.get_data(as_text=True)))


def test_each_centre_sees_the_staff_of_its_own_region_only(app, staff):
    assert names(signed_in_as(app, "province")) == {
        "省中心", "沈阳中心", "大连中心", "和平区中心", "大连区中心", "沈阳编辑", "和平编辑",
    }  # fmt: skip
    assert names(signed_in_as(app, "sy_staff")) == {"沈阳中心", "和平区中心", "沈阳编辑",
                                                   "和平编辑"}  # fmt: skip
    assert names(signed_in_as(app, "heping")) == {"和平区中心", "和平编辑"}
    assert names(signed_in_as(app, "dl_county")) == {"大连区中心"}


def test_filters_by_role_region_status_and_text(app, staff):
    client = signed_in_as(app, "province")
    assert names(client, "?role=editor") == {"沈阳编辑", "和平编辑"}
    assert names(client, "?region=210102") == {"和平区中心", "和平编辑"}
    assert names(client, f"?region={SHENYANG}&role=county_staff") == {"和平区中心"}
    assert names(client, "?q=大连") == {"大连中心", "大连区中心"}
    assert names(client, "?q=1391234") == {"和平编辑"}  # part of a mobile number
    assert names(client, "?q=SY_ST") == {"沈阳中心"}  # a username, any case
    assert names(client, "?q=%25") == set()  # a LIKE wildcard is only a character
    submit(client, "/staff/people/new", {"login": "waiting1", "display_name": "待激活",
                                         "role": "editor", "region": SHENYANG})  # fmt: skip
    assert names(client, "?status=waiting") == {"待激活"}
    assert "待激活" not in names(client, "?status=active")
    assert names(client, "?status=disabled") == set()


def test_bad_filters_are_a_readable_400(app, staff):
    client = signed_in_as(app, "province")
    for query in ("?role=learner", "?status=gone", "?region=999999", "?q=" + "x" * 41):
        response = client.get(f"/staff/people{query}")
        assert response.status_code == 400, query
        assert 'role="alert"' in response.get_data(as_text=True)
    assert client.get("/staff/people/export.csv?role=boss").status_code == 400
    assert client.get("/staff/people?page=abc").status_code == 200


def test_the_list_is_paged(app, staff, make_user):
    for n in range(30):
        make_user(login=f"editor_{n:02d}", role="editor", managed=SHENYANG, name=f"编辑{n:02d}")
    client = signed_in_as(app, "sy_staff")
    first, second = names(client), names(client, "?page=2&role=editor")
    assert len(first) == 25
    page2 = client.get("/staff/people?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in page2
    assert len(second) == 32 - 25


def test_the_csv_export_holds_the_filtered_list_with_masked_mobiles(app, staff):
    signed_in_as(app, "sy_editor")  # signed in once: the list shows when
    client = signed_in_as(app, "sy_staff")
    response = client.get("/staff/people/export.csv?role=editor")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8 Chinese
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Login", "Role", "Region", "Status", "Last sign-in", "Created"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"沈阳编辑", "和平编辑"}
    assert by_name["和平编辑"][1] == "139****5678"  # masked
    assert "13912345678" not in body.decode("utf-8-sig")
    assert by_name["和平编辑"][2] == "Content editor"
    assert by_name["和平编辑"][3] == "Shenyang · Heping District"
    assert by_name["沈阳编辑"][4] == "Active"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", by_name["沈阳编辑"][5])
    assert by_name["和平编辑"][5] == ""  # never signed in


def test_a_name_that_looks_like_a_formula_stays_text(app, staff, make_user):
    make_user(login="formula", role="editor", managed=SHENYANG, name="=HYPERLINK(1)")
    body = signed_in_as(app, "sy_staff").get("/staff/people/export.csv?q=formula").get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_the_dashboard_links_to_the_tools_each_centre_may_use(app, staff):
    province = signed_in_as(app, "province").get("/staff/").get_data(as_text=True)
    assert 'href="/staff/people"' in province and 'href="/staff/audit"' in province
    county = signed_in_as(app, "heping").get("/staff/").get_data(as_text=True)
    assert 'href="/staff/people"' in county and 'href="/staff/audit"' not in county
