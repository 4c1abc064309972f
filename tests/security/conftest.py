from tests.api.conftest import app, client  # noqa: F401 - the same app fixtures
from tests.integration.conftest import people  # noqa: F401
