"""Views of the assessment app: questionnaire, results (with submit, history, exchange) and reports.

Every view here is `login_required`, so the request it receives carries an authenticated user; the
`AuthenticatedRequest` annotation says so to the type checker, with django-htmx's request details.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AuthenticatedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
