"""Pages of assessment (考核)."""

urlpatterns: list = []
