"""Pages of key tasks (the API is routed in bihuan.urls)."""

from django.urls import path

from bihuan.org import views as org_views
from bihuan.supervision import io_views, stats_views, views

urlpatterns = [
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/import/", org_views.import_page, {"kind": "tasks"}, name="task-import"),
    path("tasks/ledger.xlsx", io_views.task_ledger, name="task-ledger"),
    path("tasks/new/", views.task_edit, name="task-new"),
    path("tasks/bulk/", views.task_bulk, name="task-bulk"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task-edit"),
    path("tasks/<int:pk>/act/", views.task_act, name="task-act"),
    path("tasks/<int:pk>/remind/", views.task_remind, name="task-remind"),
    path("tasks/<int:pk>/reports/<str:period>/", views.report_edit, name="report-edit"),
    path("tasks/<int:pk>/milestones/", views.milestone_add, name="milestone-add"),
    path("tasks/<int:pk>/extensions/", views.extension_request, name="extension-request"),
    path("tasks/<int:pk>/notices/", views.notice_issue, name="notice-issue"),
    path("tasks/<int:pk>/comments/", views.comment_add, name="comment-add"),
    path("tasks/<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path("reports/<int:pk>/<str:step>/", views.report_step, name="report-step"),
    path("milestones/<int:pk>/complete/", views.milestone_complete, name="milestone-complete"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension-decide"),
    path("notices/<int:pk>/answer/", views.notice_answer, name="notice-answer"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("my-work/", views.my_work, name="my-work"),
    path("tasks/statistics/", stats_views.task_statistics, name="task-statistics"),
]
