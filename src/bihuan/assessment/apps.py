from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "bihuan.assessment"
    label = "assessment"
    verbose_name = _("Assessment")

    def ready(self) -> None:
        from bihuan.assessment import (  # noqa: F401
            policies,  # registers the app's rules in the one policy
            ticks,  # registers the daily refresh of automatic demerits with `bihuan tick`
        )
