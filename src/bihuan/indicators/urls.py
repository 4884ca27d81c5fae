"""Pages of indicators and benchmarking (the API is routed in bihuan.urls). Each page module keeps its own
`urlpatterns`: league tables, matrix, trends and dashboard (`views`), data quality and observations
(`quality_views`), the statistics import (`import_views`), and the settings of indicators, peer groups and
yearly targets (`manage_views`)."""

from bihuan.indicators import import_views, manage_views, quality_views, views

urlpatterns = [*views.urlpatterns, *quality_views.urlpatterns, *import_views.urlpatterns, *manage_views.urlpatterns]
