"""The region tree: the shipped Liaoning table, reloading, other provinces, bad files."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.regions.models import Region, RegionLevel
from learnhub.regions.services import RegionFileError, english_name, load_regions

LIAONING_CITIES = [
    "沈阳",
    "大连",
    "鞍山",
    "抚顺",
    "本溪",
    "丹东",
    "锦州",
    "营口",
    "阜新",
    "辽阳",
    "盘锦",
    "铁岭",
    "朝阳",
    "葫芦岛",
]
HEADER = "code,name,level,parent_code,longitude,latitude,population\n"


def count(level=None) -> int:
    query = select(func.count()).select_from(Region)
    if level:
        query = query.where(Region.level == level)
    return db.session.scalar(query)


def test_shipped_liaoning_table_has_province_cities_and_districts(app):
    with app.app_context():
        assert count(RegionLevel.PROVINCE) == 1
        assert count(RegionLevel.CITY) == 14
        assert count(RegionLevel.DISTRICT) == 100
        cities = db.session.scalars(select(Region).where(Region.level == "city")).all()
        assert sorted(c.name.removesuffix("市") for c in cities) == sorted(LIAONING_CITIES)
        assert all(c.population and c.population > 1_000_000 for c in cities)
        shenyang = db.session.get(Region, "210100")
        assert (shenyang.name_en, shenyang.population) == ("Shenyang", 9_118_000)
        assert shenyang.parent.name == "辽宁省"
        assert "和平区" in [d.name for d in shenyang.children]


def test_english_names_follow_pinyin_with_place_name_readings():
    assert english_name("长海县", RegionLevel.DISTRICT) == "Changhai County"
    assert english_name("朝阳市", RegionLevel.CITY) == "Chaoyang"
    assert english_name("沈北新区", RegionLevel.DISTRICT) == "Shenbei New District"
    assert english_name("岫岩满族自治县", RegionLevel.DISTRICT) == "Xiuyan Manchu Autonomous County"
    assert english_name("旅顺口区", RegionLevel.DISTRICT) == "Lüshunkou District"


def test_loading_again_changes_nothing(app):
    with app.app_context():
        assert load_regions() == (0, 0)
        assert count() == 115


def test_updated_file_renames_and_adds_without_losing_users(app, make_user, tmp_path: Path):
    make_user(login="zhanglan", city="210100", district="210123")
    changed = tmp_path / "update.csv"
    changed.write_text(
        HEADER + "210123,康平区,district,210100,123.3,42.7,\n210199,新设区,district,210100,,,\n",
        encoding="utf-8",
    )
    with app.app_context():
        assert load_regions(changed) == (1, 1)
        db.session.commit()
        renamed = db.session.get(Region, "210123")
        assert (renamed.name, renamed.name_en) == ("康平区", "Kangping District")
        assert db.session.get(Region, "210199").parent_code == "210100"


def test_a_second_province_loads_beside_the_first(app, tmp_path: Path):
    jilin = tmp_path / "jilin.csv"
    jilin.write_text(
        HEADER + "220000,吉林省,province,,125.3,43.9,\n"
        "220100,长春市,city,220000,125.3,43.8,9066000\n"
        "220102,南关区,district,220100,125.35,43.86,\n",
        encoding="utf-8",
    )
    with app.app_context():
        assert load_regions(jilin) == (3, 0)
        db.session.commit()
        assert db.session.get(Region, "220100").name_en == "Changchun"
        assert count(RegionLevel.PROVINCE) == 2


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ("21010,短码区,district,210100,,,\n", "jilin.csv:3: code '21010' is not a 6-digit"),
        ("220102,孤儿区,district,229900,,,\n", "parent 229900 is unknown"),
        ("220102,某区,village,210100,,,\n", "is not province/city/district"),
        ("220102,某区,district,210100,abc,,\n", "longitude 'abc' is not a number"),
        ("220100,某市,city,210100,,,-5\n", "population '-5' is not a positive"),
        ("220100,某市,city,,,,\n", "a province has no parent"),
    ],
)
def test_bad_file_names_the_line_and_loads_nothing(app, tmp_path: Path, rows, problem):
    bad = tmp_path / "jilin.csv"
    bad.write_text(HEADER + "220103,好区,district,210100,,,\n" + rows, encoding="utf-8")
    with app.app_context():
        with pytest.raises(RegionFileError) as error:
            load_regions(bad)
        db.session.rollback()
        assert problem in str(error.value)
        assert count() == 115


def test_cli_load_reports_counts_and_refuses_bad_files(runner, tmp_path: Path):
    result = runner.invoke(args=["regions", "load"])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n1,x\n", encoding="utf-8")
    result = runner.invoke(args=["regions", "load", str(bad)])
    assert result.exit_code != 0
    assert "missing columns: level, parent_code" in result.output
    assert "nothing was loaded" in result.output


def test_children_api_lists_districts(client):
    response = client.get("/api/v1/regions/210200/children")
    assert response.status_code == 200
    names = [d["name"] for d in response.json]
    assert "中山区" in names and len(names) == 10
    missing = client.get("/api/v1/regions/000000/children")
    assert missing.status_code == 404 and missing.json["error"]["status"] == 404
