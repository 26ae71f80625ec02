"""The admin's language: gettext of Flask-Admin's "admin" domain (admin/translations adds
Linli's catalogues to it) and display-time translation of the Chinese words linli/ keeps.

Message ids are the Chinese text, so zh-Hans needs no catalogue; admin/translations/en has
the English (scripts/translations.sh extracts and compiles it). linli/ stays in Chinese: model
choice labels, content type labels, build states, attachment kinds and a few constant messages
are translated where the admin shows them, with :func:`word`. ``WORDS`` lists them with
literal ``lazy_gettext`` calls so that the extractor finds them; tests/test_admin_i18n.py
checks it against linli/. The content types' declarations (linli/models.py, linli/registry.py)
need no entry here: the extractor reads their ``N_("…")`` wording and ``Names("…", …)``.
"""

from __future__ import annotations

from flask_admin.babel import gettext, lazy_gettext, ngettext

__all__ = ["gettext", "lazy_gettext", "ngettext", "word", "requester", "choices", "lazy_choices", "WORDS"]


def word(text):
    """A Chinese label or message from linli/ in the account's language, when the catalogue
    has it; anything else (content, messages with details filled in) unchanged."""
    text = str(text) if text is not None else ""
    return gettext(text) if text else text  # gettext("") would be the catalogue's header


def requester(name: str) -> str:
    """Who started a run: a username, the command line (``runs.CLI_USER``) or the service's
    scheduler (``runs.SCHEDULER_USER``)."""
    from linli.runs import CLI_USER, SCHEDULER_USER

    if name == CLI_USER:
        return gettext("命令行")
    return gettext("自动发布") if name == SCHEDULER_USER else name


def choices(pairs) -> list[tuple[str, str]]:
    """``[(value, Chinese label)]`` of a model's choices, labels translated now."""
    return [(value, word(label)) for value, label in pairs]


def lazy_choices(pairs) -> list:
    """The same for class attributes (form_args): labels translated when shown."""
    return [(value, lazy_gettext(label)) for value, label in pairs]


WORDS = (
    # models.STATUS_CHOICES
    lazy_gettext("草稿"), lazy_gettext("待审核"), lazy_gettext("已发布"), lazy_gettext("已下线"),
    # models.WISH_STATUS_CHOICES
    lazy_gettext("待认领"), lazy_gettext("已认领"), lazy_gettext("已实现"),
    # models.ROLE_CHOICES, models.MEMBER_ROLE_CHOICES
    lazy_gettext("管理员"), lazy_gettext("编辑"), lazy_gettext("投稿人"),
    lazy_gettext("网格长"), lazy_gettext("网格员"), lazy_gettext("协管员"),
    # runs.STATE_LABELS, and the busy and interrupted messages of runs.KINDS (build, deploy, backup)
    lazy_gettext("正在发布"), lazy_gettext("成功"), lazy_gettext("失败"),
    lazy_gettext("网站正在发布中，请等这次完成后再试。"), lazy_gettext("上次发布被中断，网站保持原样。"),
    lazy_gettext("网站正在生成或上传中，请等这次完成后再试。"),
    lazy_gettext("上次上传被中断。已上传的文件已记录，再上传一次会接着传剩下的。"),
    lazy_gettext("网站正在发布、上传或备份中，请等这次完成后再试。"), lazy_gettext("上次备份被中断，没有完成；以前的备份不受影响。"),
    # deploy.config.KIND_LABELS
    lazy_gettext("本地文件夹"), lazy_gettext("zip 压缩包"), lazy_gettext("rsync（SSH）"), lazy_gettext("SFTP"),
    lazy_gettext("FTP/FTPS"), lazy_gettext("对象存储（S3 兼容）"), lazy_gettext("git 分支（Pages）"),
    # media.ATTACHMENT_KINDS
    lazy_gettext("PDF 文件"), lazy_gettext("Word 文档"), lazy_gettext("Excel 表格"), lazy_gettext("PowerPoint 演示文稿"),
    lazy_gettext("文件"),
    # accounts.WRONG_LOGIN, accounts.LOCKED
    lazy_gettext("用户名或密码不正确。"),
    lazy_gettext("登录失败次数过多，为保护账号已暂时锁定，请 15 分钟后再试。忘记密码请联系管理员。"),
)  # fmt: skip
