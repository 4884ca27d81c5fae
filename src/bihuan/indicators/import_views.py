"""The statistics import (导入统计数据): upload the bureau's table as published → check the proposed mapping
(which column is the area, which holds which indicator and measure, the period) → preview what will be added,
revised and left unchanged → apply, all or nothing. A mapping can be kept as a named profile for next month."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string

from bihuan.core import uploads
from bihuan.core.importing import ImportFailed
from bihuan.core.policy import policy
from bihuan.indicators import importers
from bihuan.indicators.importers import LONG_COLUMNS, MEASURES, ColumnMap, Mapping
from bihuan.indicators.models import ImportProfile, Indicator, Observation, Vintage


def _choices() -> list[tuple[str, str]]:
    """Every (indicator, measure) a column may hold, as "code:measure"."""
    words = {"value": _("value"), "growth": _("growth %")}
    return [
        (f"{i.code}:{m}", f"{i.label} ({i.code}) · {words[m]}")
        for i in Indicator.objects.all()
        for m in MEASURES
        if not (i.kind == "rate" and m == "growth")
    ]


def _letter(text: str, width: int) -> str:
    """A column letter within the sheet, or ValueError."""
    index = column_index_from_string(text.strip().upper())
    if not 1 <= index <= max(width, 1):
        raise ValueError(text)
    return get_column_letter(index)


def _mapping_from_post(post: Any, analysis: importers.Analysis) -> Mapping:
    """The mapping the statistician confirmed on the form (column letters checked against the sheet)."""
    width = analysis.grid.width()
    proposed = analysis.mapping
    if proposed.shape == ImportProfile.Shape.LONG:
        columns = {key: _letter(post[f"long-{key}"], width) for key in LONG_COLUMNS if post.get(f"long-{key}")}
        return Mapping(
            proposed.shape,
            period=post.get("period", "").strip(),
            long_columns=columns,
            header_rows=proposed.header_rows,
        )
    allowed = {value for value, _label in _choices()}
    mapped = []
    for column in proposed.columns:
        targets = []
        for slot in ("1", "2"):
            choice = post.get(f"col-{column.column}-{slot}", "")
            if choice in allowed:
                code, measure = choice.split(":")
                if (code, measure) not in targets:
                    targets.append((code, measure))
        unit = post.get(f"col-{column.column}-unit", column.unit).strip()[:20]
        mapped.append(ColumnMap(column.column, column.header, targets, unit))
    return Mapping(
        proposed.shape,
        period=post.get("period", "").strip()[:40],
        area_column=_letter(post.get("area_column", proposed.area_column), width),
        header_rows=proposed.header_rows,
        first_data_row=max(int(post.get("first_data_row") or proposed.first_data_row), 1),
        columns=mapped,
    )


def _form_context(analysis: importers.Analysis, mapping: Mapping) -> dict[str, Any]:
    letters = [get_column_letter(i + 1) for i in range(analysis.grid.width())]
    return {
        "analysis": analysis,
        "mapping": mapping,
        "letters": letters,
        "choices": _choices(),
        "long_keys": [
            (key, names[0], names[-1], mapping.long_columns.get(key, "")) for key, names in LONG_COLUMNS.items()
        ],
        "column_rows": [
            (c, c.targets[0] if c.targets else None, c.targets[1] if len(c.targets) > 1 else None)
            for c in mapping.columns
        ],
        "vintages": Vintage.choices,
    }


@login_required
def observation_import(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "import", Observation)
    context: dict[str, Any] = {
        "can_import": True,  # the sub-navigation's Import tab
        "profiles": ImportProfile.objects.all(),
        "vintages": Vintage.choices,
        "max_mb": round(settings.BIHUAN["IMPORT_MAX_BYTES"] / 2**20),
    }
    if request.method != "POST":
        return render(request, "indicators/import.html", context)
    step = request.POST.get("step", "upload")
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > settings.BIHUAN["IMPORT_MAX_BYTES"]:
            context["errors"] = [_("%(file)s: the file is too large") % {"file": upload.name}]
            return render(request, "indicators/import.html", context, status=400)
        stored = uploads.keep(request.user, upload.name, upload.read())
        step = "upload"
    else:  # later steps: only the person who uploaded the file may go on with it
        stored = uploads.take(request.user, request.POST.get("token", ""))
    if stored is None:
        context["errors"] = [_("Choose a file to import.")]
        return render(request, "indicators/import.html", context, status=400)
    context.update({"token": stored.token, "filename": stored.filename})
    try:
        analysis = importers.analyse(io.BytesIO(bytes(stored.content)), stored.filename)
    except ImportFailed as failure:
        uploads.discard(stored)
        context["errors"] = [str(e) for e in failure.errors]
        return render(request, "indicators/import.html", context, status=400)
    if step == "upload":
        return _mapping_step(request, context, analysis)
    context["profile"] = ImportProfile.objects.filter(pk=request.POST.get("profile") or None).first()
    try:
        mapping = _mapping_from_post(request.POST, analysis)
    except (KeyError, ValueError):
        context.update(_form_context(analysis, analysis.mapping))
        context["errors"] = [_("The mapping names a column the sheet does not have.")]
        return render(request, "indicators/import_mapping.html", context, status=400)
    try:
        planned = importers.plan(request.user, analysis.grid, mapping)
    except ImportFailed as failure:
        context.update(_form_context(analysis, mapping))
        context["errors"] = [str(e) for e in failure.errors[:100]]
        context["more_errors"] = max(len(failure.errors) - 100, 0)
        return render(request, "indicators/import_mapping.html", context, status=400)
    if step == "apply":
        return _apply(request, context, stored, planned, mapping, analysis)
    context.update(_form_context(analysis, mapping))
    context["planned"] = planned
    return render(request, "indicators/import_preview.html", context)


def _mapping_step(request: HttpRequest, context: dict[str, Any], analysis: importers.Analysis) -> HttpResponse:
    mapping = analysis.mapping
    profile = ImportProfile.objects.filter(pk=request.POST.get("profile") or None).first()
    if profile is not None:
        mapping = importers.mapping_for(analysis, profile)
        context["profile"] = profile  # carried through the steps, so the preview offers to update it
    if request.POST.get("period", "").strip():
        mapping.period = request.POST["period"].strip()[:40]
    context.update(_form_context(analysis, mapping))
    return render(request, "indicators/import_mapping.html", context)


def _apply(
    request: HttpRequest,
    context: dict[str, Any],
    stored: Any,
    planned: importers.Planned,
    mapping: Mapping,
    analysis: importers.Analysis,
) -> HttpResponse:
    vintage = request.POST.get("vintage", Vintage.PRELIMINARY)
    vintage = vintage if vintage in Vintage.values else Vintage.PRELIMINARY
    source = request.POST.get("source", "").strip()[:200] or stored.filename
    profile_name = request.POST.get("profile_name", "").strip()[:60]
    try:
        if profile_name:
            importers.save_profile(request.user, profile_name, mapping)
        result = importers.apply(request.user, planned, vintage=vintage, source=source)
    except ValidationError as problem:
        context.update(_form_context(analysis, mapping))
        context["errors"] = [m for messages_ in problem.message_dict.values() for m in messages_]
        return render(request, "indicators/import_mapping.html", context, status=400)
    uploads.discard(stored)
    messages.success(
        request,
        _("Imported %(file)s: %(added)s added, %(revised)s revised (earlier figures kept), %(unchanged)s unchanged.")
        % {"file": stored.filename, "added": result.added, "revised": result.revised, "unchanged": result.unchanged},
    )
    first = planned.values[0]  # see the figures ranked at once
    return redirect(
        f"{reverse('league-table')}?{urlencode({'indicator': first.indicator.code, 'period': first.period})}"
    )


urlpatterns: list[URLPattern] = [path("import/", observation_import, name="observation-import")]
