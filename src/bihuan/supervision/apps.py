from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "bihuan.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from bihuan.supervision import (
            policies,  # noqa: F401  (registers the app's rules in the one policy)
            reminders,  # noqa: F401  (registers the reminder jobs of `bihuan tick`)
        )
