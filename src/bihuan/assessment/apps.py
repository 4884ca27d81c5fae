from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "bihuan.assessment"
    label = "assessment"
    verbose_name = _("Assessment")

    def ready(self) -> None:
        from bihuan.assessment import policies  # noqa: F401  (registers the app's rules in the one policy)
