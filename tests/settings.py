"""Test settings: the production settings with an in-process job queue, fast hashing and local mail."""

import os
import tempfile

os.environ.setdefault("BIHUAN_HOME", tempfile.mkdtemp(prefix="bihuan-test-"))
os.environ["BIHUAN_HTTPS"] = "0"
os.environ.setdefault("BIHUAN_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from bihuan.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
BIHUAN_BASE_URL = "http://testserver"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Close connections after each request: the live server's request threads must not keep sessions open,
# or PostgreSQL refuses to drop the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
