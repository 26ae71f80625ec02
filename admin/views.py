"""Flask-Admin views of the content types, with Chinese labels."""

from __future__ import annotations

from flask_admin.contrib.peewee import ModelView

from linli import models as m

LABELS = {
    "slug": "网址名",
    "title": "标题",
    "status": "状态",
    "publish_at": "发布时间",
    "expires_at": "过期时间",
    "author": "作者",
    "internal_note": "内部备注（不公开）",
    "created_at": "创建时间",
    "updated_at": "更新时间",
    "category": "分类",
    "summary": "摘要",
    "body": "正文（Markdown）",
    "pinned": "置顶",
    "urgent": "紧急",
    "keep_after_expiry": "过期后保留在往期通知",
    "who_qualifies": "办理对象",
    "documents": "所需材料（每行一项）",
    "steps": "办理流程",
    "location": "办理地点",
    "hours": "办理时间",
    "phone": "咨询电话",
    "fee": "收费标准",
    "time_limit": "办理时限",
    "online_url": "网上办理地址",
    "home_visit": "可上门办理",
    "address": "地址",
    "walking_minutes": "步行分钟数",
    "photo": "照片",
    "cover": "封面",
    "team": "志愿服务队",
    "beneficiary": "受助人（匿名称呼）",
    "beneficiary_private": "受助人真实信息（不公开）",
    "wish_status": "心愿状态",
    "adopter": "认领人",
    "adopter_public": "公开认领人",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "organiser": "主办方",
    "how_to_join": "参加方式",
    "buildings": "包含楼栋（每行一个）",
    "area": "范围",
    "leader": "负责人",
    "members": "人数",
    "in_menu": "显示在菜单",
    "position": "排序",
    "event": "相关活动",
    "taken_on": "拍摄日期",
}


class ContentView(ModelView):
    column_labels = LABELS
    column_list = ("title", "status", "publish_at", "updated_at", "author")
    column_searchable_list = ("title",)
    column_filters = ("status",)
    column_default_sort = ("updated_at", True)
    form_excluded_columns = ("created_at", "updated_at")
    page_size = 50


VIEWS = [
    (m.Notice, "通知公告"),
    (m.Service, "办事指南"),
    (m.Place, "便民设施"),
    (m.VolunteerTeam, "志愿服务队"),
    (m.Story, "志愿者故事"),
    (m.Wish, "微心愿"),
    (m.Event, "社区活动"),
    (m.Album, "活动相册"),
    (m.Grid, "网格"),
    (m.Page, "页面"),
]


def register_views(admin) -> None:
    for model, label in VIEWS:
        admin.add_view(ContentView(model, name=label, endpoint=model.__name__.lower()))
