"""Django's own UI strings that its zh_Hans catalogue does not translate yet (new in Django 6.x).

Nothing imports this module: it is here so that `makemessages` extracts these msgids into
locale/zh_Hans, where the project catalogue supplies the translation (it takes precedence over
Django's). Drop an entry once Django ships its translation.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = (
    gettext_noop("- Select an option -"),  # django.db.models.fields.BLANK_CHOICE_LABEL, the empty <select> option
)
