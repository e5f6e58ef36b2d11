"""Criteria admin: pages render for staff, published sets are frozen, publish validates, clone copies."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from assessment import models

pytestmark = pytest.mark.django_db
FACTORY = "factory-gbt36132-2025"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("criteria-admin", "a@example.com", "pw-123-long!")
    client.force_login(user)
    return client


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(
    "model",
    [
        models.CriteriaSet,
        models.Category,
        models.Indicator,
        models.Gate,
        models.SectorValue,
        models.RegionalReference,
        models.Assessment,
        models.Answer,
        models.AuditEvent,
    ],
)
def test_changelists_render(admin_client, model):
    response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200


def test_change_forms_render(admin_client):
    cs = models.CriteriaSet.objects.get(code=FACTORY)
    objects = [
        cs,
        cs.categories.get(code="energy"),
        models.Indicator.objects.get(category__criteria_set=cs, code="F01"),
        cs.gates.get(code="B1"),
        models.SectorValue.objects.first(),
        models.Assessment.objects.filter(is_demo=True).first(),
        models.Answer.objects.filter(assessment__is_demo=True).first(),
    ]
    for obj in objects:
        response = admin_client.get(url(type(obj), "change", obj.pk))
        assert response.status_code == 200, type(obj)
    # Published set: the F01 page shows the content but no save button.
    page = admin_client.get(url(models.Indicator, "change", objects[2].pk)).content.decode()
    assert "能源消耗强度" in page and 'name="_save"' not in page
    assert (
        admin_client.get(url(models.SectorValue, "change", objects[4].pk)).content.decode().count('name="_save"') == 1
    )


def test_published_set_and_children_are_read_only(admin_client):
    f01 = models.Indicator.objects.get(category__criteria_set__code=FACTORY, code="F01")
    response = admin_client.post(url(models.Indicator, "change", f01.pk), {"name_en": "changed"})
    assert response.status_code == 403
    f01.refresh_from_db()
    assert f01.name_en == "Energy consumption intensity"


def clone(admin_client, code=FACTORY, *, version="2026-draft"):
    """Clone through the action's form: the new version's code and label are asked first."""
    cs = models.CriteriaSet.objects.get(code=code)
    changelist = url(models.CriteriaSet, "changelist")
    form = admin_client.post(changelist, {"action": "clone_as_draft", "_selected_action": [cs.pk]})
    assert form.status_code == 200 and 'name="version"' in form.content.decode()
    assert f'value="{code}-draft-1"' in form.content.decode()  # a free code proposed
    assert not models.CriteriaSet.objects.filter(code=f"{code}-draft-1").exists()  # nothing cloned before the answer
    data = {"action": "clone_as_draft", "_selected_action": [cs.pk], "apply": "1", "code": f"{code}-draft-1"}
    response = admin_client.post(changelist, {**data, "version": version}, follow=True)
    assert response.status_code == 200
    return models.CriteriaSet.objects.get(code=f"{code}-draft-1")


def test_clone_as_new_draft_version(admin_client):
    original = models.CriteriaSet.objects.get(code=FACTORY)
    copy = clone(admin_client)
    assert copy.status == "draft" and copy.previous == original
    assert sorted(copy.gates.values_list("code", flat=True)) == sorted(original.gates.values_list("code", flat=True))
    new_f01 = models.Indicator.objects.get(category__criteria_set=copy, code="F01")
    assert new_f01.pk != models.Indicator.objects.get(category__criteria_set=original, code="F01").pk
    assert sorted(new_f01.policy_basis.values_list("code", flat=True)) == ["gb-energy-quotas", "gbt-36132-2025"]
    assert set(copy.governing_documents.values_list("code", flat=True)) == set(
        original.governing_documents.values_list("code", flat=True)
    )
    assert models.AuditEvent.objects.filter(action="criteria.cloned", object_id=str(copy.pk)).exists()
    # The draft is editable; the edit is audited.
    edit = admin_client.get(url(models.Indicator, "change", new_f01.pk))
    assert 'name="_save"' in edit.content.decode()


def test_publish_refuses_invalid_set_with_the_problems(admin_client):
    copy = clone(admin_client)
    f04 = models.Indicator.objects.get(category__criteria_set=copy, code="F04")
    f04.points = 5  # energy category: 8 + 8 + 8 + 5 = 29 ≠ 30
    f04.save()
    models.Gate.objects.create(criteria_set=copy, code="F01", kind="basic", text_zh="重复", text_en="duplicate")
    response = admin_client.post(
        url(models.CriteriaSet, "changelist"),
        {"action": "publish", "_selected_action": [copy.pk], "apply": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert "未发布。请先解决以下问题" in page  # the admin speaks the default language, zh-hans
    # The problems themselves in the admin's language too, with their figures.
    assert "F01：代码使用了 2 次" in page
    assert "一级指标 energy：分值 30 ≠ 其下指标分值之和 29" in page
    with translation.override("en"):
        english = admin_client.post(
            url(models.CriteriaSet, "changelist"),
            {"action": "publish", "_selected_action": [copy.pk], "apply": "1"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
    assert "category energy: weight 30 ≠ sum of its indicators&#x27; points 29" in english
    copy.refresh_from_db()
    assert copy.status == "draft"


def test_publish_valid_draft(admin_client):
    copy = clone(admin_client, "supply-chain-gsci-586")
    original = models.CriteriaSet.objects.get(code="supply-chain-gsci-586")
    # Publishing a new version first offers to retire the one it replaces.
    offer = admin_client.post(
        url(models.CriteriaSet, "changelist"), {"action": "publish", "_selected_action": [copy.pk]}
    )
    assert f'name="retire" value="{original.pk}" checked' in offer.content.decode()
    copy.refresh_from_db()
    assert copy.status == "draft"
    response = admin_client.post(
        url(models.CriteriaSet, "changelist"),
        {"action": "publish", "_selected_action": [copy.pk], "apply": "1", "retire": [original.pk]},
        follow=True,
    )
    assert "已发布。" in response.content.decode()
    copy.refresh_from_db()
    original.refresh_from_db()
    assert copy.status == "published" and original.status == "retired"
    assert models.AuditEvent.objects.filter(action="criteria.published", object_id=str(copy.pk)).exists()


def test_two_published_sets_never_share_area_and_version(admin_client):
    """Kept published, the replaced set blocks a draft of the same version, with a message, not an error page."""
    copy = clone(
        admin_client,
        "supply-chain-gsci-586",
        version=models.CriteriaSet.objects.get(code="supply-chain-gsci-586").version,
    )
    response = admin_client.post(
        url(models.CriteriaSet, "changelist"),
        {"action": "publish", "_selected_action": [copy.pk], "apply": "1"},  # nothing ticked to retire
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "supply-chain-gsci-586 is already published for the same focus area and version" in page
    copy.refresh_from_db()
    assert copy.status == "draft"
    # The database refuses it too, whatever the way in.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        models.CriteriaSet.objects.filter(pk=copy.pk).update(status="published")


def test_cloning_asks_again_when_the_code_is_taken(admin_client):
    cs = models.CriteriaSet.objects.get(code=FACTORY)
    response = admin_client.post(
        url(models.CriteriaSet, "changelist"),
        {"action": "clone_as_draft", "_selected_action": [cs.pk], "apply": "1", "code": FACTORY, "version": "2026"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "A criteria set already has this code." in response.content.decode()
    assert 'value="2026"' in response.content.decode()  # what was typed is kept
    assert models.CriteriaSet.objects.filter(previous=cs).count() == 0
