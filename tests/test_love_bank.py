"""爱心银行 (love bank): the catalogue (``LoveBankItem``, a public type), members with private
fields and a consent flag (``LoveBankMember``, a staff-only type without pages) and their deeds
and exchanges (``LoveBankRecord``); the honour board names members only with consent, totals
and balances add up, an exchange beyond the balance is refused (in linli.love_bank and in the
admin), nothing private reaches site/, and the Traditional tree has the page."""

from __future__ import annotations

import shutil

import pytest

from admin import create_admin_app
from linli import accounts, db, love_bank, migrations
from linli import models as m
from linli.app import create_public_app
from linli.build import build
from linli.demo import CONTENT, fill_demo
from linli.home import Home
from linli.search import rebuild_index, search
from linli.transfer import export_site, import_site
from tests.conftest import NOW

PASSWORD = "correct-horse-1"
THIS_YEAR = NOW.date().replace(month=1, day=2)
LAST_YEAR = THIS_YEAR.replace(year=NOW.year - 1)


def member(title: str, consent: bool, status: str = "published", **fields) -> m.LoveBankMember:
    return m.LoveBankMember.create(title=title, name_public=consent, status=status, **fields)


def deed(who, points: int, date=THIS_YEAR, what="帮邻居买菜"):
    return m.LoveBankRecord.create(member=who, record_type=m.DEED, points=points, date=date, description=what)


@pytest.fixture
def bank(home):
    wang = member("王建国", consent=False, phone="13900001111", address="3号楼2单元501", id_number="110101195001011234")
    li = member("李秀英", consent=True, member_type="party")
    zhao = member("赵草稿", consent=True, status="draft")
    deed(wang, 30)
    deed(wang, 20, date=LAST_YEAR)
    deed(li, 80)
    deed(zhao, 500)
    love_bank.add_record(li, m.EXCHANGE, 25, "大米一袋", date=THIS_YEAR)
    m.LoveBankItem.create(title="大米一袋", points=25, status="published", summary="5公斤")
    m.LoveBankItem.create(title="上门理发", points=40, in_stock=False, status="published")
    return home, wang, li


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_honour_board_names_only_consenting_members_and_anonymises_the_others(bank):
    home, wang, li = bank
    html = page(create_public_app(home).test_client(), "/love-bank/")
    assert "李秀英" in html and "王**" in html
    assert "王建国" not in html and "建国" not in html and "赵草稿" not in html
    board = love_bank.honour_board(NOW)
    assert [(row.name, row.earned) for row in board] == [("李秀英", 80), ("王**", 50)]
    assert love_bank.anonymised("欧阳修") == "欧**" and love_bank.anonymised(" ") == "**"
    assert "大米一袋" in html and "上门理发" in html and "暂缺" in html and "25 分" in html
    assert page(create_public_app(home).test_client(), "/love-bank/") == html


def test_balances_and_totals(bank):
    home, wang, li = bank
    assert love_bank.balance(wang) == 50
    assert love_bank.balance(li) == 55
    totals = love_bank.totals(NOW)
    # Public members only (the draft's 500 points do not count); deeds of last year do not either.
    assert totals == love_bank.Totals(year=NOW.year, earned_this_year=110, exchanged_this_year=25, members=2)
    html = page(create_public_app(home).test_client(), "/love-bank/")
    assert "<dd>110</dd>" in html and "<dd>25</dd>" in html and "2 人" in html


def test_an_exchange_beyond_the_balance_is_refused(bank):
    home, wang, li = bank
    with pytest.raises(love_bank.RecordRefused, match="积分不足：李秀英 现有 55 分，兑换需要 56 分"):
        love_bank.add_record(li, m.EXCHANGE, 56, "电饭煲")
    for points in (0, -5):
        with pytest.raises(love_bank.RecordRefused, match="大于 0"):
            love_bank.add_record(li, m.DEED, points, "扫楼道")
    assert love_bank.balance(li) == 55 and li.records.count() == 2
    love_bank.add_record(li, m.EXCHANGE, 55, "电饭煲")
    assert love_bank.balance(li) == 0


def test_staff_record_deeds_and_exchanges_in_the_admin(bank):
    home, wang, li = bank
    accounts.add_user("editor", PASSWORD, role="editor")
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login/", data={"username": "editor", "password": PASSWORD})
    edit = page(client, f"/lovebankmember/edit/?id={wang.id}")
    assert "现有 50 分" in edit and "13900001111" in edit and "/preview/" not in edit  # no page to preview
    assert client.get(f"/preview/love-bank-members/{wang.id}/").status_code == 404
    listed = page(client, "/lovebankmember/")
    assert "王建国" in listed and "党员" in listed and ">party<" not in listed
    url = f"/lovebankmember/{wang.id}/records/"
    html = page(client, url)
    assert "王建国" in html and "50" in html
    response = client.post(url, data={"record_type": "exchange", "points": "80", "description": "电饭煲"},
                           follow_redirects=True)  # fmt: skip
    assert "积分不足：王建国 现有 50 分，兑换需要 80 分" in response.get_data(as_text=True)
    assert love_bank.balance(wang) == 50
    response = client.post(url, data={"record_type": "deed", "points": "abc", "description": "扫雪"},
                           follow_redirects=True)  # fmt: skip
    assert "积分必须是大于 0 的整数" in response.get_data(as_text=True)
    client.post(url, data={"record_type": "deed", "points": "15", "description": "扫雪", "date": "2026-01-05"})
    client.post(url, data={"record_type": "exchange", "points": "60", "description": "电饭煲"})
    assert love_bank.balance(wang) == 5
    assert [r.description for r in wang.records.order_by(m.LoveBankRecord.id)][-2:] == ["扫雪", "电饭煲"]


def test_no_private_field_reaches_site_and_the_traditional_page_exists(bank):
    home, wang, li = bank
    toml = home.settings_path.read_text(encoding="utf-8")
    home.settings_path.write_text(toml.replace('languages = ["zh-Hans"]', 'languages = ["zh-Hans", "zh-Hant"]'))
    home = Home.open(home.root)
    wang.internal_note = "zqxmembernoteleak"
    wang.save()
    m.LoveBankRecord.update(note="zqxrecordnoteleak").execute()
    build(home, now=NOW)
    blob = b"".join(p.read_bytes() for p in home.site_dir.rglob("*") if p.is_file())
    for secret in ("王建国", "13900001111", "3号楼2单元501", "110101195001011234", "zqxmembernoteleak",
                   "zqxrecordnoteleak", "帮邻居买菜", "赵草稿"):  # fmt: skip
        assert secret.encode() not in blob, secret
    assert not (home.site_dir / "love-bank-members").exists()
    hant = (home.site_dir / "zh-hant" / "love-bank" / "index.html").read_text(encoding="utf-8")
    assert "愛心銀行" in hant and "光榮榜" in hant and "王**" in hant
    assert (home.site_dir / "love-bank" / "index.html").is_file()


def test_export_and_import_keep_members_records_and_items(bank, tmp_path):
    home, wang, li = bank
    target = tmp_path / "export"
    export_site(home, target)
    m.LoveBankRecord.delete().execute()
    m.LoveBankMember.delete().execute()
    import_site(home, target)
    again = m.LoveBankMember.get(m.LoveBankMember.title == "王建国")
    assert (again.phone, again.id_number, again.name_public) == ("13900001111", "110101195001011234", False)
    assert love_bank.balance(again) == 50
    assert love_bank.balance(m.LoveBankMember.get(m.LoveBankMember.title == "李秀英")) == 55


def test_the_demo_brings_members_with_and_without_consent_deeds_exchanges_and_items(home, tmp_path):
    source = tmp_path / "demo"
    for folder in ("love-bank", "love-bank-members"):
        shutil.copytree(CONTENT / folder, source / folder)
    fill_demo(home, NOW, photos=False, content=source)
    members = {member.title: member for member in m.LoveBankMember.select()}
    assert love_bank.balance(members["王桂花"]) == 35 and love_bank.balance(members["李建国"]) == 40
    assert m.LoveBankRecord.select().where(m.LoveBankRecord.record_type == m.EXCHANGE).count() >= 3
    assert m.LoveBankItem.select().count() >= 4
    html = page(create_public_app(home).test_client(), "/love-bank/")
    assert "李建国" in html and "张美兰" in html and "王**" in html and "赵**" in html
    for private in ("王桂花", "赵德忠", "陈晓雨", "孙", "13900005501", "东院2号楼"):
        assert private not in html, private


def test_a_rebuild_after_recording_a_deed_or_consent_updates_the_honour_board(bank):
    home, wang, li = bank
    build(home, now=NOW)
    board = home.site_dir / "love-bank" / "index.html"
    assert "王**" in board.read_text(encoding="utf-8")
    love_bank.add_record(wang, m.DEED, 100, "扫雪", date=NOW.date())
    wang.name_public = True
    wang.save()
    build(home, now=NOW)
    html = board.read_text(encoding="utf-8")
    assert "王建国" in html and "王**" not in html and "<dd>210</dd>" in html
    assert html.index("王建国") < html.index("李秀英")  # 150 points earned before 80


def test_a_version_5_database_gets_the_tables_when_opened(tmp_path, monkeypatch):
    """A database of schema v5 (before 爱心银行): opening it creates the three tables without a
    migration; its rows stay."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    home = Home.create(tmp_path / "home")
    db.connect(home.database_url)
    m.Notice.create(title="旧通知", status="published")
    for table in ("love_bank_record", "love_bank_member", "love_bank_item"):
        db.database.obj.execute_sql(f'DROP TABLE "{table}"')
    assert migrations.CURRENT == 5
    db.database.close()
    db._bound_url = None  # the next connect opens the file afresh, as a new process would
    db.connect(home.database_url)
    for table in ("love_bank_record", "love_bank_member", "love_bank_item"):
        assert migrations.table_exists(db.database.obj, table)
    wang = member("王建国", consent=False)
    love_bank.add_record(wang, m.DEED, 5, "扫雪")
    assert m.Notice.get().title == "旧通知" and love_bank.balance(wang) == 5


def test_catalogue_items_have_pages_and_are_searched_members_never(bank):
    home, wang, li = bank
    client = create_public_app(home).test_client()
    rice = m.LoveBankItem.get(m.LoveBankItem.title == "大米一袋")
    html = page(client, f"/love-bank/{rice.slug}/")
    assert "大米一袋" in html and "25 分" in html and "5公斤" in html
    assert client.get(f"/love-bank-members/{wang.slug}/").status_code == 404
    rebuild_index(home, NOW)
    hits = search(home, "大米", at=NOW)
    assert [hit.path for hit in hits] == [f"love-bank/{rice.slug}/"] and hits[0].type_label == "爱心银行兑换品"
    for private in ("王建国", "李秀英", "13900001111"):
        assert search(home, private, at=NOW).total == 0, private
    assert 'href="/love-bank/"' in html  # in the navigation
