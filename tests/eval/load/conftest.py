"""The load tools run against the service tests' tiny-model server."""

from tests.service.conftest import server  # noqa: F401  (a fixture, used by name)
