"""Pages of bulletins (通报)."""

urlpatterns: list = []
