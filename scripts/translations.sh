#!/usr/bin/env bash
# Also extracts, updates and compiles the staff admin's catalogues (admin/translations; see the end).
# For maintainers, after changing any _('…') text in themes/default/templates: re-extracts the
# messages into messages.pot, updates the English catalogue (en/LC_MESSAGES/messages.po) and
# compiles it to messages.mo. New messages come out with an empty msgstr, changed ones marked
# "#, fuzzy" (with the old msgid as "#|"): translate them in messages.po, remove the fuzzy
# flags, and run this script again to compile. tests/test_i18n.py fails until that is done.
# Chinese (zh-Hans) needs no catalogue: the msgids are the Chinese text.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-$PWD/.venv/bin/pybabel}
cd themes/default
"$PYBABEL" -q extract -F babel.cfg --project=Linli --sort-output --add-location=file \
  -o translations/messages.pot .
if [ -f translations/en/LC_MESSAGES/messages.po ]; then
  "$PYBABEL" -q update -i translations/messages.pot -d translations -l en --previous --ignore-obsolete
else
  "$PYBABEL" -q init -i translations/messages.pot -d translations -l en
fi
"$PYBABEL" compile -d translations -l en --statistics
# The staff admin (domain "admin", the gettext domain of Flask-Admin that admin/i18n.py uses):
# msgids are the Chinese text of admin/*.py and admin/templates, extracted into admin.pot; the
# English catalogue is admin/translations/en/LC_MESSAGES/admin.po (tests/test_admin_i18n.py
# fails while it has empty or fuzzy entries). zh_Hans_CN/admin.po is hand-written: Linli's
# Chinese wording for some of Flask-Admin's own English messages; it is only compiled here.
# The content types' declarations (linli/registry.py, linli/models.py) add their staff wording,
# marked N_("…"), and their names, Names("…", …): the English of a name must be the declared one.
cd ../../admin
"$PYBABEL" -q extract -F babel.cfg --project=Linli --sort-output --add-location=file \
  -k _gettext -k gettext -k lazy_gettext -k ngettext:1,2 -k _ngettext:1,2 -k _l -k _ -k N_ -k Names:1 \
  -o translations/admin.pot . ../linli/registry.py ../linli/models.py
if [ -f translations/en/LC_MESSAGES/admin.po ]; then
  "$PYBABEL" -q update -D admin -i translations/admin.pot -d translations -l en --previous --ignore-obsolete
else
  "$PYBABEL" -q init -D admin -i translations/admin.pot -d translations -l en
fi
"$PYBABEL" compile -d translations -D admin -l en --statistics
"$PYBABEL" compile -d translations -D admin -l zh_Hans_CN --statistics
