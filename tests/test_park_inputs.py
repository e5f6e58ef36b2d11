"""Park shares: the inputs say what the qualifying part and the total are, with their units, in words."""

import pytest
from django.urls import reverse

from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def park_page(client):  # noqa: ANN001, ANN201
    owner = make_user("park-owner@example.com")
    company = make_company("Park Admin Committee", owner=owner)
    client.force_login(owner)
    response = client.post(reverse("assessment_start", args=[company.pk]), {"area": "park", "year": "2025"})
    assert response.status_code == 302
    pk = int(response["Location"].strip("/").split("/")[1])

    def get(language: str) -> str:
        url = reverse("assessment_category", args=[pk, "EG"])
        return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    return get


def test_the_clean_energy_share_names_its_part_and_total_with_units(park_page):  # noqa: ANN001
    page = park_page("en")
    assert "Clean energy consumption (tce)" in page and "Total energy consumption of the park (tce)" in page
    assert "Qualifying part" not in page
    assert (
        "Clean energy consumption (tce) as a share of Total energy consumption of the park (tce): "
        "the first divided by the second, × 100 %" in page
    )
    assert page.count('<span class="input-group-text">tce</span>') >= 2  # the unit beside each input


def test_the_same_in_chinese(park_page):  # noqa: ANN001
    page = park_page("zh-hans")
    assert "清洁能源消费量（tce）" in page and "园区能源消费总量（tce）" in page
    assert "符合条件的部分" not in page and "Clean energy" not in page
    assert "清洁能源消费量（tce）占园区能源消费总量（tce）的比例" in page
