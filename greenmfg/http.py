"""Who is signed in, typed: views behind `login_required` and the admin never see AnonymousUser.

A view decorated with `login_required` annotates its request as `AuthenticatedHttpRequest`, so
`request.user` is a `User` and the services take it without a check at every call; the decorator is what
makes the annotation true. Where Django fixes the signature to `HttpRequest` (admin actions), the
request passed the admin's staff check already and `signed_in_user` narrows it once.
"""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    user: User


def signed_in_user(request: HttpRequest) -> User:
    """`request.user` where a signed-in user is guaranteed; refuses (403) rather than act as nobody."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user
