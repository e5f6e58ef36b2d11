"""Admin labels: model names, field labels and app names follow the active language."""

import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from assessment.models import CriteriaSet
from organisations.models import Company

HAN = re.compile(r"[\u4e00-\u9fff]")
APPS = ["assessment", "organisations", "policies"]


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("label-admin", "labels@example.com", "pw-123-long!")
    client.force_login(user)
    return client


def test_every_model_and_field_of_our_apps_has_a_chinese_label():
    missing = []
    with translation.override("zh-hans"):
        for app in APPS:
            config = apps.get_app_config(app)
            if not HAN.search(str(config.verbose_name)):
                missing.append(app)
            for model in config.get_models():
                opts = model._meta
                for label in (opts.verbose_name, opts.verbose_name_plural):
                    if not HAN.search(str(label)):
                        missing.append(f"{opts.label}: {label}")
                for field in [*opts.fields, *opts.many_to_many]:
                    if not field.auto_created and not HAN.search(str(field.verbose_name)):
                        missing.append(f"{opts.label}.{field.name}: {field.verbose_name}")
    assert missing == []


@pytest.mark.django_db
def test_admin_index_names_apps_and_models_in_chinese(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for label in ["评价", "组织", "政策", "评价指标体系", "一级指标", "评价指标", "基本要求", "行业取值", "咨询机构"]:
        assert label in page, label


@pytest.mark.django_db
def test_admin_index_names_apps_and_models_in_english(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for label in ["Assessment", "Organisations", "Policies", "Criteria sets", "Categories", "Indicators", "Gates"]:
        assert label in page, label
    assert "评价指标体系" not in page


@pytest.mark.django_db
def test_criteria_set_change_form_labels_follow_the_language(admin_client):
    criteria_set = CriteriaSet.objects.first()
    url = reverse("admin:assessment_criteriaset_change", args=[criteria_set.pk])
    zh = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for label in ["名称（中文）", "名称（英文）", "依据标准", "生效日期", "评级方式", "可信度标记", "依据文件"]:
        assert label in zh, label
    for label in ["Name (Chinese)", "Name (English)", "Governing standard", "Effective date", "Confidence mark"]:
        assert label in en, label
        assert label not in zh, label


@pytest.mark.django_db
def test_company_changelist_columns_follow_the_language(admin_client):
    assert Company.objects.filter(is_demo=True).exists()  # the reference data's demo company fills the table
    url = reverse("admin:organisations_company_changelist")
    zh = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "统一社会信用代码" in zh and "所属行业" in zh
    assert "Unified social credit code" in en and "Industry sector" in en


@pytest.mark.django_db
def test_admin_title_and_third_party_apps_follow_the_language(admin_client):
    zh = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for label in ["greenmfg 管理后台", "登录锁定", "登录尝试", "登录日志", "后台任务", "任务结果"]:
        assert label in zh, label
    for label in ["Django", "Axes", "Access attempts", "Tasks Database Backend", "Task Results"]:
        assert label not in zh, label
    for label in ["greenmfg administration", "Login lockouts", "Access attempts", "Background tasks", "Task Results"]:
        assert label in en, label


@pytest.mark.django_db
def test_lockout_and_task_pages_have_chinese_columns(admin_client):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username="someone", ip_address="10.0.0.1", failures_since_start=2)
    attempts = admin_client.get(reverse("admin:axes_accessattempt_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    tasks = admin_client.get(
        reverse("admin:django_tasks_database_dbtaskresult_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert attempts.status_code == tasks.status_code == 200
    assert "IP 地址" in attempts.content.decode() and "用户名" in attempts.content.decode()
    assert "选择任务结果查看" in tasks.content.decode()


@pytest.mark.django_db
def test_criteria_names_in_the_admin_follow_the_language(admin_client):
    criteria_set = CriteriaSet.objects.get(code="factory-gbt36132-2025")
    with translation.override("zh-hans"):
        assert str(criteria_set).startswith(criteria_set.name_zh) and "已发布" in str(criteria_set)
        assert str(criteria_set.categories.get(code="energy")) == "energy 能源低碳化"
    with translation.override("en"):
        assert str(criteria_set).startswith(criteria_set.name_en) and "Published" in str(criteria_set)
    url = reverse("admin:assessment_category_changelist")
    zh = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert criteria_set.name_zh in zh
