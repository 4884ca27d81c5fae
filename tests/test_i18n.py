"""The zh_Hans catalogue is complete and the compiled .mo in the package matches the .po."""

from __future__ import annotations

from pathlib import Path

import polib

import bihuan

CATALOGUE = Path(bihuan.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert len(po.translated_entries()) > 100


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo}
    for entry in po.translated_entries():
        key = (entry.msgctxt, entry.msgid)
        assert key in compiled, f"not compiled: {entry.msgid!r} (run msgfmt or compilemessages)"
        assert compiled[key] == (entry.msgstr, tuple(sorted(entry.msgstr_plural.items()))), entry.msgid


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    po = polib.pofile(str(CATALOGUE / "django.po"))
    for entry in po.translated_entries():
        wanted = sorted(pattern.findall(entry.msgid))
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text:
                assert sorted(pattern.findall(text)) == wanted or entry.msgid_plural, entry.msgid


def test_one_english_word_two_chinese_meanings():
    """ "Pending" is 待发送 for an e-mail but 待审批 for a request that waits for a decision."""
    from django.utils import translation

    from bihuan.assessment.models import ExemptionStatus
    from bihuan.core.models import Delivery
    from bihuan.supervision.models import RequestStatus

    with translation.override("zh-hans"):
        assert str(RequestStatus.PENDING.label) == str(ExemptionStatus.PENDING.label) == "待审批"
        assert str(Delivery.Status.PENDING.label) == "待发送"
