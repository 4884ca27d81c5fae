from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlueprintConfig(AppConfig):
    name = "bihuan.blueprint"
    label = "blueprint"
    verbose_name = _("Blueprint")

    def ready(self) -> None:
        from bihuan.blueprint import policies  # noqa: F401  (registers the app's rules in the one policy)
