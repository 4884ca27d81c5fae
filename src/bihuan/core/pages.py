"""Helpers that keep views thin: one list page (filter, paginate, export) and one form page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bihuan.core.forms import bootstrapify
from bihuan.core.policy import policy
from bihuan.core.tables import Col, rows_for_page, xlsx_response

PAGE_SIZE = 50


def list_page(
    request: HttpRequest,
    *,
    title: Any,
    queryset: QuerySet,
    columns: Sequence[Col],
    filterset_class: Any = None,
    export_name: str = "",
    actions: Sequence[tuple[Any, str, str]] = (),
    note: Any = "",
    template: str = "core/list.html",
    extra: dict[str, Any] | None = None,
    prepare: Callable[[list[Any]], Any] | None = None,
    selectable: bool = False,
) -> HttpResponse:
    """Filter `queryset` (already limited by the policy), then show a page of it or export it all.

    `actions` are (label, url, icon) buttons shown above the table; the caller decides which the
    user may take. `selectable` adds a checkbox per row (name "ids", in the form "bulk-form" the
    template provides) for bulk actions. `prepare`, when given, is called with each batch of objects
    about to be shown or exported, to fetch what the columns need in a few queries instead of one per row.
    """
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request) if filterset_class else None
    objects = filterset.qs if filterset is not None and filterset.is_bound and filterset.is_valid() else queryset
    if request.GET.get("format") == "xlsx" and export_name:
        policy.require(request.user, "export", queryset.model)
        return xlsx_response(export_name, str(title), columns, _prepared(objects, prepare))
    page = Paginator(objects, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    if prepare is not None:
        prepare(shown)
    query = request.GET.copy()
    query.pop("page", None)
    shown_filter = (
        filterset
        if filterset is not None
        else (filterset_class(queryset=queryset, request=request) if filterset_class else None)
    )
    if shown_filter is not None:
        bootstrapify(shown_filter.form)
    context = {
        "title": title,
        "columns": columns,
        "rows": rows_for_page(columns, shown),
        "selectable": selectable,
        "row_ids": [obj.pk for obj in shown] if selectable else [],
        "page": page,
        "filter": shown_filter,
        "query": query.urlencode(),
        "export": bool(export_name) and policy.can(request.user, "export", queryset.model),
        "actions": actions,
        "note": note,
        **(extra or {}),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "core/_table.html", context)
    return render(request, template, context)


def form_page(
    request: HttpRequest, form: Any, *, title: Any, submit: Any = None, cancel_url: str = "", extra: dict | None = None
) -> HttpResponse:
    return render(
        request,
        "core/form.html",
        {"form": form, "title": title, "submit": submit, "cancel_url": cancel_url, **(extra or {})},
        status=400 if form.is_bound and form.errors else 200,
    )


def _prepared(objects: Any, prepare: Callable[[list[Any]], Any] | None, batch: int = 1000) -> Iterator[Any]:
    if prepare is None:
        yield from objects.iterator(chunk_size=batch) if hasattr(objects, "iterator") else objects
        return
    chunk: list[Any] = []
    for obj in objects.iterator(chunk_size=batch):
        chunk.append(obj)
        if len(chunk) == batch:
            prepare(chunk)
            yield from chunk
            chunk = []
    prepare(chunk)
    yield from chunk


def allowed_actions(user: Any, model: type, offers: Sequence[tuple[str, Any, str, str]]) -> list[tuple[Any, str, str]]:
    """The (label, url, icon) buttons of `offers` — (action, label, url, icon) — the policy allows."""
    return [(label, url, icon) for action, label, url, icon in offers if policy.can(user, action, model)]
