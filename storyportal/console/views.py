"""A page whose capability is not built yet says so plainly."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def coming_page(*, title: str, summary: str, issue: str) -> Callable[[HttpRequest], HttpResponse]:
    """A login-protected page that names what will live there and that it is not built yet."""

    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        context = {"title": title, "summary": summary, "issue": issue}
        return render(request, "console/not_built.html", context)

    return view
