from tests.integration.conftest import people  # noqa: F401 - shared fixture
