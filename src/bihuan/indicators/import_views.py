"""Placeholder: filled in as the pages are built."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
