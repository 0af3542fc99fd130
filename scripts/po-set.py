"""Set French translations in the catalogue: `po-set.py FILE.json` with [[context or null, msgid, msgstr], ...].
Clears the fuzzy mark of each entry it sets."""

import json
import sys

import polib

CATALOGUE = "locale/fr/LC_MESSAGES/django.po"

po = polib.pofile(CATALOGUE)
wanted = {(ctx, msgid): text for ctx, msgid, text in json.load(open(sys.argv[1]))}
for entry in po:
    key = (entry.msgctxt, entry.msgid)
    if key in wanted:
        if entry.msgid_plural:
            entry.msgstr_plural = dict(enumerate(wanted[key]))
        else:
            entry.msgstr = wanted[key]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgctxt = entry.previous_msgid_plural = None
po.save(CATALOGUE)
