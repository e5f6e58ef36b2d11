"""One date format per language, whichever name a page asks for (DATE_FORMAT, SHORT_DATE_FORMAT, …).

Django's English formats mix "Dec. 2, 2026, 5:39 p.m." (DATE/DATETIME) with "12/02/2026" (SHORT_*),
which reads as 12 February elsewhere. Here every display name gives the same unambiguous form:
"2 Dec 2026, 17:39" in English and "2026年12月2日 17:39" in Chinese. Input formats stay Django's.
"""
