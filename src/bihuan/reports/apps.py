from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "bihuan.reports"
    label = "reports"
    verbose_name = _("Bulletins")

    def ready(self) -> None:
        from bihuan.reports import (
            policies,  # noqa: F401  (registers the app's rules in the one policy)
            ticks,  # noqa: F401  (registers the daily draft of `bihuan tick`)
        )
