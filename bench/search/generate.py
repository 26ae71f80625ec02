"""A big community for the search bench: the demo 「幸福里社区」 plus generated items, N in all.

The generated items are built from the demo's own sentences and a few lists of what a
community writes about (water and power cuts, allowances, elderly care, volunteering, events),
so the vocabulary and the term frequencies are those of real Chinese community notices rather
than random characters. Deterministic for a given N and seed. All text stays Simplified (what
staff type); the bench queries it in Traditional too.

    python bench/search/generate.py --home /tmp/linli-10k --items 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from linli import db  # noqa: E402
from linli import models as m  # noqa: E402
from linli.demo import fill_demo  # noqa: E402
from linli.home import Home  # noqa: E402
from linli.markup import plain_text  # noqa: E402

NOW = dt.datetime(2026, 11, 25, 10, 0, 0)  # the tests' moment: the demo's dates follow it
SEED = 4

YARDS = ["东院", "西院", "幸福嘉园", "南街平房区", "北里"]
SUBJECTS = [
    ("停水", "供水管网检修，届时将暂停供水，请提前储水。"), ("停电", "线路改造，届时将暂停供电，电梯停运。"),
    ("燃气检修", "燃气公司入户安全检查，请家中留人。"), ("电梯维修", "电梯年检维修，请走楼梯并注意安全。"),
    ("垃圾分类", "厨余垃圾和其他垃圾分开投放，志愿者在桶站值守指导。"), ("疫苗接种", "流感疫苗免费接种，60岁以上老人优先。"),
    ("低保复核", "最低生活保障年度复核，请低保家庭携带材料到社区服务站。"), ("高龄津贴", "80岁以上老人高龄津贴申领和年审。"),
    ("托老服务", "日间照料中心提供托老、助餐和康复服务。"), ("助餐", "长者食堂为老年人提供午餐，持助餐卡享受优惠。"),
    ("消防演练", "消防安全演练，请居民配合疏散，清理楼道杂物。"), ("义诊", "社区卫生服务站医生义诊，测量血压血糖。"),
    ("文艺汇演", "居民文艺汇演，合唱、舞蹈和戏曲，欢迎报名。"), ("防诈骗讲座", "民警讲解电信诈骗常见手法，保护老人钱袋子。"),
    ("绿化修剪", "园林工人修剪树木，请勿在树下停车。"), ("停车管理", "规范停车秩序，消防通道禁止停车。"),
    ("供暖", "供暖季开始，如暖气不热请联系物业报修。"), ("志愿服务", "志愿者为独居老人上门服务，打扫卫生、代购物品。"),
    ("亲子活动", "周末亲子手工和阅读活动，适合6至12岁儿童。"), ("健康讲座", "健康讲座讲解高血压和糖尿病的日常管理。"),
]  # fmt: skip
NOTICE_CATEGORIES = ["社区通知", "停水停电", "办事通知", "安全提示", "健康服务", "文明创建"]
EVENT_CATEGORIES = ["文化活动", "志愿服务", "健康活动", "亲子活动", "为老服务"]
MIX = [("notice", 50), ("event", 20), ("story", 12), ("wish", 8), ("service", 5), ("place", 5)]


def demo_sentences() -> list[str]:
    """The sentences of the demo's public text, for bodies."""
    found: list[str] = []
    for model in m.CONTENT_MODELS:
        for item in model.select():
            for name in ("body", "summary", "how_to_join", "steps", "who_qualifies"):
                text = plain_text(getattr(item, name, "") or "") if name != "summary" else getattr(item, name, "")
                for sentence in re.split(r"(?<=[。！？])|\n", text or ""):
                    sentence = sentence.strip()
                    if 8 <= len(sentence) <= 90:
                        found.append(sentence)
    return sorted(set(found))


def generate(home_root: Path, items: int = 10_000, seed: int = SEED) -> Home:
    """A new home at ``home_root`` with the demo and generated items, ``items`` in all."""
    home = Home.create(home_root)
    db.connect(home.database_url)
    fill_demo(home, NOW, photos=False)
    have = sum(model.select().count() for model in m.CONTENT_MODELS)
    rng = random.Random(seed)
    sentences = demo_sentences()
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    rows: dict[type, list[dict]] = {}
    for n in range(max(0, items - have)):
        kind = rng.choice(kinds)
        subject, line = rng.choice(SUBJECTS)
        yard = rng.choice(YARDS)
        building = f"{yard}{rng.randint(1, 12)}号楼"
        day = NOW - dt.timedelta(days=rng.randint(0, 3 * 365), hours=rng.randint(0, 12))
        when = f"{day.month}月{day.day}日"
        body = "\n\n".join([f"{when}，{building}{line}", *rng.sample(sentences, rng.randint(2, 6))])
        common = {
            "slug": f"g{n}", "status": m.PUBLISHED, "author": "bench", "created_at": day, "updated_at": day,
            "publish_at": day,
        }  # fmt: skip
        if kind == "notice":
            model = m.Notice
            title = rng.choice([f"关于{building}{subject}的通知", f"{yard}{subject}安排", f"{when}{subject}提示",
                                f"【提醒】{building}{subject}"])  # fmt: skip
            fields = {"title": title, "category": rng.choice(NOTICE_CATEGORIES), "summary": line, "body": body}
            if rng.random() < 0.3:
                fields["expires_at"] = day + dt.timedelta(days=7)
        elif kind == "event":
            model = m.Event
            title = rng.choice([f"{yard}{subject}活动", f"{when}社区{subject}", f"邻里{subject}日"])
            fields = {"title": title, "category": rng.choice(EVENT_CATEGORIES), "summary": line, "body": body,
                      "starts_at": day + dt.timedelta(days=3), "location": f"{yard}社区活动室", "organiser": "幸福里社区居委会"}  # fmt: skip
        elif kind == "story":
            model = m.Story
            title = rng.choice([f"{yard}志愿者的{subject}故事", f"{subject}路上的好邻居", f"记{when}{yard}{subject}"])
            fields = {"title": title, "summary": line, "body": body}
        elif kind == "wish":
            model = m.Wish
            title = rng.choice([f"{building}老人的心愿：{subject}", f"想要一次{subject}", f"{yard}孩子的微心愿"])
            fields = {"title": title, "body": body, "beneficiary": f"{building}的{rng.choice(['张', '王', '李', '赵'])}奶奶"}
        elif kind == "service":
            model = m.Service
            title = f"{subject}办理指南（{yard}{n}）"
            fields = {"title": title, "summary": line, "body": body, "location": f"{yard}社区服务站",
                      "hours": "周一至周五 8:30—17:30"}  # fmt: skip
        else:
            model = m.Place
            title = f"{yard}{subject}服务点{n}"
            fields = {"title": title, "summary": line, "body": body, "address": f"{building}一层"}
        rows.setdefault(model, []).append({**common, **fields})
    with db.immediate_transaction():
        for model, batch in rows.items():
            for start in range(0, len(batch), 200):
                model.insert_many(batch[start : start + 200]).execute()
    return home


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a folder that does not exist yet")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.home.exists():
        parser.error(f"{args.home} exists: give a new folder")
    home = generate(args.home, args.items, args.seed)
    counts = {model.__name__: model.select().count() for model in m.CONTENT_MODELS}
    print(f"{home.root}: {sum(counts.values())} items {counts}")


if __name__ == "__main__":
    main()
