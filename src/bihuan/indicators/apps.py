from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "bihuan.indicators"
    label = "indicators"
    verbose_name = _("Indicators")

    def ready(self) -> None:
        from bihuan.indicators import policies  # noqa: F401  (registers the app's rules in the one policy)
