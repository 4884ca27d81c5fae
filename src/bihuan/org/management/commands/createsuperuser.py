"""Django's createsuperuser, plus what bihuan needs: an admin profile and an audit event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management.commands import createsuperuser

from bihuan.org.services import adopt_superusers


class Command(createsuperuser.Command):
    help = "Create an administrator who can sign in to bihuan (role admin), recorded in the audit log."

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        adopt_superusers()
