"""Pages of bulletins (通报), under /bulletins/."""

from django.urls import path

from bihuan.reports import views

urlpatterns = [
    path("", views.bulletin_list, name="bulletin-list"),
    path("new/", views.bulletin_new, name="bulletin-new"),
    path("<int:pk>/", views.bulletin_detail, name="bulletin-detail"),
    path("<int:pk>/edit/", views.bulletin_edit, name="bulletin-edit"),
    path("<int:pk>/regenerate/", views.bulletin_regenerate, name="bulletin-regenerate"),
    path("<int:pk>/discard/", views.bulletin_discard, name="bulletin-discard"),
    path("<int:pk>/publish/", views.bulletin_publish, name="bulletin-publish"),
    path("<int:pk>/files/<str:fmt>/", views.bulletin_file, name="bulletin-file"),
]
