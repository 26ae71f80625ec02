"""Every size limit of what staff send to Linli, in one place.

The limits are far above anything a community writes or uploads, and there to stop accidents
(a whole e-book pasted into a notice, a video dragged into the photo uploader, the wrong folder
given to ``linli import``) before they reach the database, the build or the disk. Each one is
enforced where content comes in: the admin's forms, its JSON upload endpoints and the import,
all through :mod:`linli.validation` and :mod:`linli.media`, with a Chinese sentence naming the
limit. README ("Limits") and SECURITY.md list them for staff and operators.

Single-line text fields (titles, summaries, phone numbers…) are limited by the ``max_length``
of their model field (:mod:`linli.models`): a title 200 characters, a summary 300.
"""

from __future__ import annotations

MIB = 1024 * 1024

#: Characters of one multi-line text field: a body, a service's steps, an internal note…
#: (a long regulation pasted whole is ~30,000; a build renders each such field in memory).
TEXT_CHARS = 200_000

#: Rows of each kind under one item.
ATTACHMENTS_PER_NOTICE = 50
PHOTOS_PER_ALBUM = 1_000
MEMBERS_PER_GRID = 50
#: 爱心银行 records (deeds and exchanges) of one member: years of weekly deeds.
RECORDS_PER_LOVE_BANK_MEMBER = 5_000
#: Lines of a grid's buildings (one building or courtyard a line). The grid finder lists every
#: member's phone beside every building, so this and MEMBERS_PER_GRID bound that page.
BUILDINGS_PER_GRID = 100

#: Bytes of one uploaded file (a 48 MP phone photo converted to PNG fits).
PHOTO_BYTES = 40 * MIB
ATTACHMENT_BYTES = 40 * MIB
#: Bytes of one request to the admin (several photos at once). The production server refuses
#: bigger bodies before they reach the app (linli/server.py); docs/nginx-admin.conf and
#: docs/Caddyfile allow this much.
REQUEST_BYTES = 64 * MIB
#: Bytes of one form field the admin reads into memory: far above TEXT_CHARS (4 bytes a
#: character at most), so that an over-long text pasted by accident is refused by the form with
#: the staff's text kept, and only something absurd gets the "request too large" page.
FORM_FIELD_BYTES = 16 * MIB

#: ``linli import``: checked before any file is read.
IMPORT_FILES = 500_000  # files in the folder, media included (a photo is stored as 7 files)
IMPORT_ITEM_BYTES = 8 * MIB  # one item's .md file (every text field of a service at the limit fits)
IMPORT_TEXT_BYTES = 256 * MIB  # all .md files together: they are read and checked in memory
IMPORT_MEDIA_FILE_BYTES = max(PHOTO_BYTES, ATTACHMENT_BYTES)  # one file under media/

#: ``linli import FILE.xlsx`` and the admin's Excel upload (linli/spreadsheet.py): checked
#: before a cell is read. A community's services, places, hotlines and grid members are
#: hundreds of rows; the unpacked size stops a small file that unzips into gigabytes.
XLSX_BYTES = 10 * MIB
XLSX_UNPACKED_BYTES = 200 * MIB
XLSX_ROWS = 5_000  # data rows of one sheet


def size_label(size: int) -> str:
    """A size of bytes as messages state it: ``40 MB``, ``300 KB``."""
    return f"{size / MIB:.0f} MB" if size >= MIB else f"{size / 1024:.0f} KB"
