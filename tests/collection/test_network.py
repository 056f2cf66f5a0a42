"""Against the real PyPI (skipped when pypi.org is unreachable)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_taskcollect.collection import (
    CollectionSettings,
    VersionLookupError,
    collect_pip,
    resolve_package_version,
)
from pytest_taskcollect.schemas import TaskCollectPipV2

pytestmark = pytest.mark.network


def test_pypi_version_lookup(make_settings: Callable[..., CollectionSettings]) -> None:
    settings = make_settings(no_index=False)
    assert resolve_package_version("testing-tasks-mock", "0.0.3", settings) == "0.0.3"
    latest = resolve_package_version("testing-tasks-mock", None, settings)
    assert latest > "0.0.3"
    with pytest.raises(VersionLookupError, match="status_code 404"):
        resolve_package_version("testing-tasks-mock-invalid", None, settings)
    with pytest.raises(VersionLookupError, match=r"No version starting with 9\.9\.9 found"):
        resolve_package_version("testing-tasks-mock", "9.9.9", settings)


def test_collect_testing_tasks_mock_from_pypi(
    make_settings: Callable[..., CollectionSettings],
) -> None:
    settings = make_settings(no_index=False, pip_timeout=600)
    result = collect_pip(TaskCollectPipV2(package="testing-tasks-mock"), settings=settings)
    result.raise_for_status()
    group = result.task_group
    assert group is not None
    assert (group.origin, group.pkg_name) == ("pypi", "testing-tasks-mock")
    assert group.version == resolve_package_version("testing-tasks-mock", None, settings)
    assert "pip==24.0\n" in (group.pip_freeze or "")
    assert f"testing-tasks-mock=={group.version}\n" in (group.pip_freeze or "")
    assert result.tasks
    assert {task.version for task in result.tasks} == {group.version}
