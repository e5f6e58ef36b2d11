"""What keeps the per-version caches of a criteria set fresh in every process, without a time limit.

assessment.answers caches a criteria set per (pk, updated_at), and the questionnaire keeps each
page's rows (with their policy basis and rendered guidance, and the national figures shown beside
the inputs) on that cached object. Every process reads the set's updated_at with the assessment it
serves, so bumping it makes all of them rebuild on their next request. The admin bumps it for edits
of the set's own rows (admin.touch); the handlers below bump it for what the pages show from
elsewhere: a policy document cited by the set (its title), a policy basis added or removed, a
national context figure of the set's focus area. tests/test_questionnaire.py proves each one shows
on a page whose rows were already cached.
"""

from typing import Any

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_save, pre_delete
from django.utils import timezone

from assessment.models import ContextFigure, CriteriaSet, Gate, Indicator
from policies.models import PolicyDocument


def touch_sets(sets: Q) -> None:
    CriteriaSet.objects.filter(sets).update(updated_at=timezone.now())


def _document_changed(sender: type[PolicyDocument], instance: PolicyDocument, **kwargs: Any) -> None:
    touch_sets(
        Q(governing_documents=instance)
        | Q(gates__policy_basis=instance)
        | Q(categories__indicators__policy_basis=instance)
    )


def _figure_changed(sender: type[ContextFigure], instance: ContextFigure, **kwargs: Any) -> None:
    touch_sets(Q(area=instance.area))


def _basis_changed(sender: type, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if reverse:  # documents side: document.indicators.add(...) and the like
        _document_changed(PolicyDocument, instance)
    elif isinstance(instance, CriteriaSet):
        touch_sets(Q(pk=instance.pk))
    elif isinstance(instance, Gate):
        touch_sets(Q(pk=instance.criteria_set_id))
    elif isinstance(instance, Indicator):
        touch_sets(Q(categories=instance.category_id))


def connect() -> None:
    """Called once, from AssessmentConfig.ready."""
    for model, handler in ((PolicyDocument, _document_changed), (ContextFigure, _figure_changed)):
        post_save.connect(handler, sender=model, dispatch_uid=f"freshness-save-{model.__name__}")
        # Before the delete: a deleted document's citations are gone by post_delete, and with them the
        # sets to bump.
        pre_delete.connect(handler, sender=model, dispatch_uid=f"freshness-delete-{model.__name__}")
    for through in (
        Gate.policy_basis.through,
        Indicator.policy_basis.through,
        CriteriaSet.governing_documents.through,
    ):
        m2m_changed.connect(_basis_changed, sender=through, dispatch_uid=f"freshness-m2m-{through.__name__}")
