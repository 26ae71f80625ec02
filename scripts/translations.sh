#!/usr/bin/env bash
# Also compiles admin/translations (Linli's wording for Flask-Admin's messages).
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
# The admin's own wording for Flask-Admin messages (admin/translations, domain "admin").
cd ../..
"$PYBABEL" compile -d admin/translations -D admin --statistics
