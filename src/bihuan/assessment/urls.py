"""Pages of assessment (考核), mounted at /assessment/."""

from django.urls import path

from bihuan.assessment import adjustment_views, exemption_views, views

urlpatterns = [
    path("", views.scheme_list, name="assessment-list"),
    path("new/", views.scheme_edit, name="assessment-new"),
    path("<int:pk>/", views.scheme_detail, name="assessment-scheme"),
    path("<int:pk>/edit/", views.scheme_edit, name="assessment-edit"),
    path("<int:pk>/move/", views.scheme_move, name="assessment-move"),
    path("<int:pk>/items/new/", views.item_edit, name="assessment-item-new"),
    path("<int:pk>/items/<int:item_pk>/edit/", views.item_edit, name="assessment-item-edit"),
    path("<int:pk>/items/<int:item_pk>/scores/", adjustment_views.manual_scores, name="assessment-scores"),
    path(
        "<int:pk>/items/<int:item_pk>/scores/import/",
        adjustment_views.manual_scores_import,
        name="assessment-scores-import",
    ),
    path(
        "<int:pk>/items/<int:item_pk>/scores/sheet.xlsx",
        adjustment_views.manual_scores_sheet,
        name="assessment-scores-sheet",
    ),
    path("<int:pk>/bands/new/", views.band_edit, name="assessment-band-new"),
    path("<int:pk>/bands/<int:band_pk>/edit/", views.band_edit, name="assessment-band-edit"),
    path("<int:pk>/<str:kind>/<int:part_pk>/delete/", views.part_delete, name="assessment-part-delete"),
    path("<int:pk>/league.xlsx", views.league_xlsx, name="assessment-league-xlsx"),
    path("<int:pk>/sheets.xlsx", views.sheets_xlsx, name="assessment-sheets-xlsx"),
    path("<int:pk>/units/<int:unit_pk>/", views.unit_sheet, name="assessment-sheet"),
    path("<int:pk>/adjustments/", adjustment_views.adjustment_list, name="assessment-adjustments"),
    path("<int:pk>/adjustments/refresh/", adjustment_views.refresh_demerits, name="assessment-refresh-demerits"),
    path(
        "<int:pk>/adjustments/<int:adjustment_pk>/withdraw/",
        adjustment_views.adjustment_withdraw,
        name="assessment-withdraw",
    ),
    path(
        "<int:pk>/adjustments/<int:adjustment_pk>/files/",
        adjustment_views.adjustment_files,
        name="assessment-adjustment-files",
    ),
    path("demerits/<int:adjustment_pk>/exemption/", exemption_views.request_exemption, name="assessment-request"),
    path("files/<int:pk>/", adjustment_views.evidence_file, name="assessment-file"),
    path("exemptions/", exemption_views.exemption_list, name="assessment-exemptions"),
    path("exemptions/<int:pk>/", exemption_views.exemption_detail, name="assessment-exemption"),
    path("exemptions/<int:pk>/files/", exemption_views.exemption_files, name="assessment-exemption-files"),
]
