"""Long article-like notice bodies for the bench's ``long`` corpus: news reporting of
community life, 3–8 paragraphs and about 1,500–2,500 characters each.

Each article has a subject (what a community writes about at length: water works, the elderly
canteen, a fire drill…); its paragraphs are drawn from that subject's own sentences and from
sentences any local report has (who attended, what residents said, what comes next), with
places, numbers, dates and people varied. Deterministic for a given ``random.Random``.
"""

from __future__ import annotations

import random

PLACES = ["东院", "西院", "幸福嘉园", "南街平房区", "北里", "和平小区", "光明里", "新华苑"]
PEOPLE = ["王秀兰", "李建国", "张桂芳", "刘志强", "陈淑珍", "杨德明", "赵丽华", "黄国庆", "周玉梅", "吴海涛"]
ROLES = ["社区党委书记", "居委会主任", "网格员", "楼门长", "志愿者服务队队长", "物业项目经理", "社区民警", "卫生服务站医生"]

SUBJECTS: dict[str, tuple[str, list[str]]] = {
    "供水管网改造": ("社区通知", [
        "为解决{place}老旧小区供水管道锈蚀、水压不足的问题，区水务部门于{date}启动供水管网改造工程。",
        "此次改造共涉及{n}栋居民楼，更换主管道约{m}米，入户水表将统一迁至楼道外的表井。",
        "施工期间，{place}{b}号楼至{b2}号楼将分时段停水，每次停水前社区将提前两天在楼门口张贴通知。",
        "施工单位表示，新管道采用不锈钢材质，使用寿命可达五十年以上，水质也将得到明显改善。",
        "不少居民反映，以前一到夏天用水高峰，五楼以上的住户经常接不上水，这次改造终于解决了多年的老问题。",
        "对于行动不便的独居老人，社区组织志愿者在停水前上门帮助储水，并留下联系电话以便随时求助。",
    ]),
    "长者食堂开业": ("健康服务", [
        "{date}，{place}长者食堂正式开门迎客，首日就餐的老人超过{n}人。",
        "食堂每天供应午餐和晚餐，荤素搭配，一份套餐十二元，六十岁以上老人持助餐卡可享受补贴。",
        "食堂负责人介绍，菜品少油少盐、软烂易嚼，还专门为糖尿病和高血压老人准备了低糖低盐餐。",
        "对于腿脚不便的高龄老人，食堂提供送餐上门服务，由志愿者和网格员每天中午分批送达。",
        "家住{place}{b}号楼的八十二岁老人说，儿女上班忙，自己做饭又费劲，现在走几步路就能吃上热乎饭。",
        "社区还在食堂旁设置了阅览角和健康小屋，老人饭后可以看报、测血压、聊聊天。",
    ]),
    "消防安全演练": ("安全提示", [
        "{date}上午，{place}联合辖区消防救援站开展高层住宅火灾疏散演练，{n}余名居民参加。",
        "随着警报响起，楼内居民在楼门长的引导下，用湿毛巾捂住口鼻，沿安全通道有序撤离到空地。",
        "消防员现场演示了灭火器和室内消火栓的使用方法，并邀请居民亲手体验扑灭油盆火。",
        "检查中发现，部分楼道仍堆放着纸箱、旧家具和电动自行车，消防员当场提醒居民尽快清理。",
        "消防救援站指导员提醒，电动自行车严禁进楼入户充电，家中电器用完要及时断电。",
        "社区将在{month}月底前对全部楼道进行一次清理，并为独居老人家中免费安装烟雾报警器{m}个。",
    ]),
    "垃圾分类入户宣传": ("文明创建", [
        "为提高居民垃圾分类准确率，{place}从{date}起开展为期一个月的入户宣传活动。",
        "志愿者挨家挨户发放分类指南和厨余垃圾专用袋，现场讲解厨余垃圾、可回收物、有害垃圾和其他垃圾的区别。",
        "社区在{n}个桶站安排志愿者早晚值守，指导居民破袋投放，对分类正确的居民发放积分。",
        "积分可以在社区“绿色小店”兑换洗衣液、纸巾等日用品，活动开展以来已有{m}户家庭参与兑换。",
        "居民{person}说，一开始觉得分类麻烦，后来发现家里的垃圾少了一半，楼下也干净多了。",
        "据统计，活动开展后，{place}厨余垃圾分出率由百分之二十提高到百分之四十以上。",
    ]),
    "老旧小区加装电梯": ("社区通知", [
        "{date}，{place}{b}号楼加装电梯工程顺利通过验收，成为今年社区第{n}部投入使用的加装电梯。",
        "这栋楼建于上世纪八十年代，共六层，住着不少七八十岁的老人，上下楼一直是他们的心头难题。",
        "从征求意见到开工建设，社区先后组织了{m}次协调会，逐户听取高低楼层居民的意见。",
        "电梯建设费用由政府补贴和居民分摊共同承担，低楼层住户少出资或不出资，高楼层住户按楼层比例分摊。",
        "住在六楼的{person}老人第一次坐电梯回家，高兴地说：“以后去医院复查、下楼遛弯都方便了。”",
        "社区表示，目前还有多栋楼正在征求意见，符合条件的楼栋可以到社区服务站咨询办理流程。",
    ]),
    "流感疫苗接种": ("健康服务", [
        "入冬以来，流感进入高发季节，{place}社区卫生服务站从{date}起为辖区居民提供流感疫苗接种服务。",
        "六十岁以上老人和中小学生可免费接种，其他居民自愿自费接种，接种前需携带身份证预约登记。",
        "服务站每天上午开放{n}个接种名额，为减少排队，居民可以通过电话或到社区服务站提前预约。",
        "医生提醒，接种后需在留观区观察三十分钟，当天不要洗澡，注意多喝水、适当休息。",
        "对于行动不便的高龄老人，家庭医生团队将上门评估，符合条件的可以安排上门接种。",
        "截至目前，社区已有{m}名老人完成接种，接种率比去年同期明显提高。",
    ]),
    "停车秩序整治": ("社区通知", [
        "针对{place}车辆乱停乱放、占用消防通道的问题，社区联合物业和交管部门于{date}开展停车秩序整治。",
        "整治期间，物业重新施划停车位{n}个，在消防通道两侧设置隔离桩和禁停标识。",
        "对长期停放的“僵尸车”，社区先张贴告知书联系车主，逾期无人认领的将依法拖移。",
        "社区还与周边单位协商，夜间开放单位停车场，为居民增加错时停车位{m}个。",
        "居民{person}说，以前晚上回来经常找不到车位，消防车也开不进来，现在小区里通畅多了。",
        "下一步，社区将推动成立停车自管会，由居民代表参与车位分配和日常管理。",
    ]),
    "暑期青少年课堂": ("文化活动", [
        "暑假期间，{place}新时代文明实践站开办青少年公益课堂，每周一至周五下午开课。",
        "课堂开设书法、国画、科学实验、安全教育等课程，由大学生志愿者和退休教师授课，已有{n}名孩子报名。",
        "双职工家庭的孩子放假后无人照看，是不少家长的烦恼，公益课堂正好解决了这个难题。",
        "在{date}的安全课上，社区民警结合真实案例，给孩子们讲解防溺水、防诈骗和交通安全知识。",
        "家长{person}说，孩子在这里不光能写作业，还学会了自己整理书包、和小伙伴一起做实验。",
        "课堂将持续到八月底，结营时将举办作品展示会，欢迎家长和居民前来观看。",
    ]),
}

COMMON = [
    "活动当天，{role}{person}到场并讲话，感谢居民对社区工作的理解和支持。",
    "社区工作人员提前一周在居民群、公告栏和楼门口发布了通知，并逐户电话告知独居和高龄老人。",
    "不少居民在现场提出意见和建议，社区工作人员一一记录，表示将尽快研究答复。",
    "据了解，这项工作是社区今年为民办实事项目之一，列入了居民议事会年初确定的重点事项。",
    "{role}{person}介绍，下一步社区将继续倾听居民呼声，把好事办好、实事办实。",
    "居民如有疑问，可在工作日上午八点半至下午五点半到社区服务站咨询，也可拨打社区服务电话。",
    "为方便上班族，社区服务站周六上午照常开放，网格员也可预约上门服务。",
    "整个过程中，楼门长和志愿者发挥了重要作用，帮助社区把消息传到每一户居民家中。",
    "{place}居民议事会成员表示，会继续收集大家的意见，监督工作按计划推进。",
    "社区提醒广大居民，如遇紧急情况，请及时拨打相关服务电话或联系所在网格的网格员。",
    "截至{date}，相关工作已完成总体进度的百分之{pct}，预计{month}月中旬全部完成。",
    "{person}是{place}的老住户，在这里住了三十多年，她说这些年社区的变化大家都看在眼里。",
]


def _fill(sentence: str, rng: random.Random, place: str, date: str) -> str:
    b = rng.randint(1, 20)
    return sentence.format(
        place=place, date=date, n=rng.randint(3, 300), m=rng.randint(10, 900), b=b, b2=b + rng.randint(1, 6),
        person=rng.choice(PEOPLE), role=rng.choice(ROLES), pct=rng.randint(30, 95), month=rng.randint(1, 12),
    )  # fmt: skip


def article(rng: random.Random) -> tuple[str, str, str, str]:
    """(subject, category, summary, Markdown body) of one article: 3–8 paragraphs, about
    1,500–2,500 characters."""
    subject = rng.choice(sorted(SUBJECTS))
    category, own = SUBJECTS[subject]
    place = rng.choice(PLACES)
    date = f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    target = rng.randint(1500, 2500)
    paragraphs: list[str] = []
    length = 0
    while len(paragraphs) < 8 and (length < target or len(paragraphs) < 3):
        pool = own + COMMON
        sentences = [_fill(rng.choice(pool), rng, place, date) for _ in range(rng.randint(5, 9))]
        paragraph = "".join(dict.fromkeys(sentences))
        paragraphs.append(paragraph)
        length += len(paragraph)
    summary = _fill(own[0], rng, place, date)
    return subject, category, summary, "\n\n".join(paragraphs) + "\n"
