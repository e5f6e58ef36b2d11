import pytest
from tests.test_results import query_count
pytestmark = pytest.mark.django_db
def test_dbg():
    print("COUNTS", query_count(10), query_count(100))
