"""Control-center pages of the accounts app: login (rate limited) and API keys."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit

LOGIN_RATE = "10/m"
# Counted per client address and per username, so neither many names from one address nor
# one name from many addresses gets more than 10 guesses a minute.
by_address = ratelimit(key="ip", rate=LOGIN_RATE, method="POST", block=False, group="login")
by_username = ratelimit(key="post:username", rate=LOGIN_RATE, method="POST", block=False, group="login-username")


@method_decorator(by_address, name="post")
@method_decorator(by_username, name="post")
class LoginView(auth_views.LoginView):
    """Django's login form, slowed down for password guessing: after 10 attempts a minute
    from one address, or on one username, it answers 429 without checking the password."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "limited", False):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many login attempts. Wait a minute and try again.")
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = "60"
            return response
        return super().post(request, *args, **kwargs)


def _too_many_attempts(request: HttpRequest) -> HttpResponse:
    response = render(request, "registration/too_many_attempts.html", status=429)
    response["Retry-After"] = "60"
    return response


@by_address
@by_username
def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin's login with the same limits as the control center's (shared counts)."""
    if getattr(request, "limited", False):
        return _too_many_attempts(request)
    return admin.site.login(request)
