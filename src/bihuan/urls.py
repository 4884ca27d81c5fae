from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from bihuan.assessment import api as assessment_api
from bihuan.blueprint import api as blueprint_api
from bihuan.blueprint import views as blueprint_views
from bihuan.core import api as core_api
from bihuan.core import views as core_views
from bihuan.indicators import api as indicators_api
from bihuan.org import api as org_api
from bihuan.org import views as org_views
from bihuan.reports import api as reports_api
from bihuan.supervision import api as supervision_api

router = DefaultRouter()
router.register("units", org_api.UnitViewSet, basename="unit")
router.register("plates", org_api.UnitGroupViewSet, basename="plate")
router.register("users", org_api.UserViewSet, basename="user")
router.register("categories", blueprint_api.CategoryViewSet, basename="category")
router.register("goals", blueprint_api.GoalViewSet, basename="goal")
router.register("notifications", core_api.NotificationViewSet, basename="notification")
router.register("audit-events", core_api.AuditEventViewSet, basename="audit-event")
router.register("tasks", supervision_api.KeyTaskViewSet, basename="task")
router.register("reports", supervision_api.ProgressReportViewSet, basename="report")
router.register("milestones", supervision_api.MilestoneViewSet, basename="milestone")
router.register("extensions", supervision_api.ExtensionRequestViewSet, basename="extension")
router.register("notices", supervision_api.NoticeViewSet, basename="notice")
router.register("comments", supervision_api.CommentViewSet, basename="comment")
router.register("attachments", supervision_api.AttachmentViewSet, basename="attachment")
router.register("indicators", indicators_api.IndicatorViewSet, basename="indicator")
router.register("areas", indicators_api.AreaViewSet, basename="area")
router.register("peer-groups", indicators_api.PeerGroupViewSet, basename="peer-group")
router.register("targets", indicators_api.TargetViewSet, basename="target")
router.register("observations", indicators_api.ObservationViewSet, basename="observation")
router.register("league", indicators_api.LeagueViewSet, basename="league")
router.register("bulletins", reports_api.BulletinViewSet, basename="bulletin")
router.register("assessment-schemes", assessment_api.SchemeViewSet, basename="assessment-scheme")
router.register("assessment-items", assessment_api.ItemViewSet, basename="assessment-item")
router.register("assessment-bands", assessment_api.GradeBandViewSet, basename="assessment-band")
router.register("assessment-scores", assessment_api.ManualScoreViewSet, basename="assessment-score")
router.register("assessment-adjustments", assessment_api.AdjustmentViewSet, basename="assessment-adjustment")
router.register("assessment-exemptions", assessment_api.ExemptionViewSet, basename="assessment-exemption")
router.register("assessment-files", assessment_api.EvidenceFileViewSet, basename="assessment-file")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("bihuan/favicon.svg"), permanent=True)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", core_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/profile/", core_views.profile, name="profile"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("inbox/", core_views.inbox, name="inbox"),
    path("inbox/count/", core_views.inbox_count, name="inbox-count"),
    path("inbox/read-all/", core_views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:pk>/read/", core_views.inbox_read, name="inbox-read"),
    path("units/", org_views.unit_list, name="unit-list"),
    path("units/new/", org_views.unit_edit, name="unit-new"),
    path("units/<int:pk>/", org_views.unit_detail, name="unit-detail"),
    path("units/<int:pk>/edit/", org_views.unit_edit, name="unit-edit"),
    path("units/import/", org_views.import_page, {"kind": "units"}, name="unit-import"),
    path("plates/", org_views.group_list, name="group-list"),
    path("plates/new/", org_views.group_edit, name="group-new"),
    path("plates/<int:pk>/edit/", org_views.group_edit, name="group-edit"),
    path("people/", org_views.user_list, name="user-list"),
    path("people/new/", org_views.user_edit, name="user-new"),
    path("people/import/", org_views.import_page, {"kind": "users"}, name="user-import"),
    path("people/<int:pk>/", org_views.user_detail, name="user-detail"),
    path("people/<int:pk>/edit/", org_views.user_edit, name="user-edit"),
    path("people/<int:pk>/active/", org_views.user_set_active, name="user-set-active"),
    path("people/<int:pk>/password/", org_views.user_password, name="user-password"),
    path("import/<str:kind>/template.xlsx", org_views.import_template, name="import-template"),
    path("categories/", blueprint_views.category_list, name="category-list"),
    path("goals/", blueprint_views.goal_list, name="goal-list"),
    path("goals/new/", blueprint_views.goal_edit, name="goal-new"),
    path("goals/<int:pk>/edit/", blueprint_views.goal_edit, name="goal-edit"),
    path("categories/new/", blueprint_views.category_edit, name="category-new"),
    path("categories/<int:pk>/edit/", blueprint_views.category_edit, name="category-edit"),
    path("", include("bihuan.supervision.urls")),
    path("indicators/", include("bihuan.indicators.urls")),
    path("assessment/", include("bihuan.assessment.urls")),
    path("bulletins/", include("bihuan.reports.urls")),
    path("audit/", core_views.audit_list, name="audit-list"),
    path("deliveries/", core_views.delivery_list, name="delivery-list"),
    path("deliveries/<int:pk>/retry/", core_views.delivery_retry, name="delivery-retry"),
    path("webhooks/", core_views.webhook_list, name="webhook-list"),
    path("webhooks/new/", core_views.webhook_edit, name="webhook-new"),
    path("webhooks/<int:pk>/edit/", core_views.webhook_edit, name="webhook-edit"),
    path("api/v1/", include((router.urls, "api"))),
    path("api/v1/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="api-schema"),
    path(
        "api/v1/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

handler403 = "bihuan.core.errors.forbidden"
handler404 = "bihuan.core.errors.not_found"
handler500 = "bihuan.core.errors.server_error"
