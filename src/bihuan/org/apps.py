from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "bihuan.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from bihuan.org import policies  # noqa: F401  (registers the app's rules in the one policy)
