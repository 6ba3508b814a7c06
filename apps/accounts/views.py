"""Control-center pages of the accounts app: login (rate limited) and API keys."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit

LOGIN_RATE = "10/m"


@method_decorator(ratelimit(key="ip", rate=LOGIN_RATE, method="POST", block=False), name="post")
@method_decorator(ratelimit(key="post:username", rate=LOGIN_RATE, method="POST", block=False), name="post")
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
