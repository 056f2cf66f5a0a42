"""The plugin surface, through pytester: options, ini keys, marker, fixtures, terminal summary."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_taskcollect.collection.uv_installer import UV_LOG_WARNING, find_uv

COLLECT_MOCK = """
def test_collect(collect_pip, task_package):
    wheel = task_package("fractal_tasks_mock")
    result = collect_pip(wheel=wheel)
    result.raise_for_status()
    assert len(result.tasks) == 16
    open("collected-path.txt", "w").write(result.task_group.path)
"""


def test_options_are_registered_with_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    for option in (
        "--taskcollect-python=VERSION=PATH",
        "--taskcollect-tasks-dir=PATH",
        "--taskcollect-find-links=PATH",
        "--taskcollect-network",
        "--taskcollect-keep",
        "--taskcollect-cache-dir=PATH",
        "--taskcollect-no-cache",
        "--taskcollect-project=PATH",
        "--taskcollect-server-version=VERSION",
        "--taskcollect-installer=pip|uv",
    ):
        result.stdout.fnmatch_lines([f"*{option}*"])
    result.stdout.fnmatch_lines(["*taskcollect_tasks_dir (string)*"])


def test_settings_follow_options_and_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        taskcollect_find_links = wheels
        taskcollect_network = false
        """
    )
    pytester.makepyfile(
        """
        import sys
        from pathlib import Path

        def test_settings(taskcollect_settings, task_wheelhouse, pytestconfig):
            s = taskcollect_settings
            assert s.tasks_dir == Path(pytestconfig.rootpath / "tasks")
            assert s.find_links == (str(task_wheelhouse), str(pytestconfig.rootpath / "wheels"))
            assert s.no_index is True
            assert s.venv_store == pytestconfig.rootpath / ".pytest_cache/d/taskcollect-venvs"
            assert s.python_interpreters["3.10"] == Path("/opt/py310/bin/python3.10")
            v = f"{sys.version_info.major}.{sys.version_info.minor}"
            assert v in s.python_interpreters and s.default_python_version == v
        """
    )
    result = pytester.runpytest(
        "--taskcollect-tasks-dir=tasks", "--taskcollect-python=3.10=/opt/py310/bin/python3.10"
    )
    result.assert_outcomes(passed=1)


def test_bad_python_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--taskcollect-python=python3.10")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--taskcollect-python expects VERSION=PATH*"])


def test_network_marker_skips_offline_and_runs_with_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.taskcollect_network
        def test_needs_index(taskcollect_settings):
            assert taskcollect_settings.no_index is False
        """
    )
    offline = pytester.runpytest("-rs")
    offline.assert_outcomes(skipped=1)
    offline.stdout.fnmatch_lines(["*needs the package index*--taskcollect-network*"])
    pytester.runpytest("--taskcollect-network").assert_outcomes(passed=1)


def test_collect_pip_fixture_summary_and_cleanup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(COLLECT_MOCK)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*taskcollect: collections of this session*",
            "fractal-server*package*version*origin*status*tasks*seconds",
            "2.14.5*fractal-tasks-mock*0.0.1*wheel-file*OK*16*",
        ]
    )
    collected = pytester.path / "collected-path.txt"
    assert not Path(collected.read_text()).exists()


def test_keep_option_keeps_and_prints_the_folder(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(COLLECT_MOCK)
    result = pytester.runpytest("--taskcollect-keep")
    result.assert_outcomes(passed=1)
    path = (pytester.path / "collected-path.txt").read_text()
    result.stdout.fnmatch_lines(["kept (--taskcollect-keep):", f"  {path}"])
    assert Path(path, "venv", "bin", "python").exists()


def test_summary_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        COLLECT_MOCK
        + """
def test_failed_collection(collect_pip, task_package):
    result = collect_pip(wheel=task_package("missing_manifest"))
    assert result.stage == "show"
"""
    )
    result = pytester.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines_random(
        [
            "*fractal-tasks-mock*0.0.1*wheel-file*OK*16*",
            "*fractal-tasks-missing-manifest*0.0.1*wheel-file*failed (show)*0*",
        ]
    )


def test_settings_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from pytest_taskcollect.collection import CollectionSettings

        @pytest.fixture(scope="session")
        def taskcollect_settings(tmp_path_factory, task_wheelhouse):
            return CollectionSettings(
                tasks_dir=tmp_path_factory.mktemp("mine"), user_id=42,
                find_links=(str(task_wheelhouse),),
            )
        """
    )
    pytester.makepyfile(
        """
        def test_user(collect_pip, task_package):
            result = collect_pip(wheel=task_package("fractal_tasks_mock")).raise_for_status()
            assert "/42/fractal-tasks-mock/0.0.1" in result.task_group.path
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_mock_collection_and_collect_custom_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json
        from pathlib import Path

        def test_custom(fractal_tasks_mock_collection, collect_custom):
            group = fractal_tasks_mock_collection.task_group
            (root,) = Path(group.venv_path).glob("lib/python*/site-packages/fractal_tasks_mock")
            manifest = json.loads((root / "__FRACTAL_MANIFEST__.json").read_text())
            result = collect_custom(
                manifest=manifest, python_interpreter=f"{group.venv_path}/bin/python",
                label="mine", package_name="fractal-tasks-mock", version=group.version,
            ).raise_for_status()
            assert result.tasks == fractal_tasks_mock_collection.tasks
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*mine*-*other*OK*16*"])


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fractal-tasks-demo"


def test_project_wheel_builds_the_project_under_test(pytester: pytest.Pytester) -> None:
    project = pytester.path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("tests", "__pycache__"))
    pytester.makepyfile(
        """
        def test_collect_my_package(project_wheel, collect_pip):
            assert project_wheel.name == "fractal_tasks_demo-0.1.0-py3-none-any.whl"
            result = collect_pip(wheel=project_wheel).raise_for_status()
            assert result.task_group.pkg_name == "fractal-tasks-demo"
        """
    )
    pytester.runpytest(f"--taskcollect-project={project}").assert_outcomes(passed=1)


def test_project_wheel_reports_a_directory_that_is_no_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(project_wheel):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*project_wheel: cannot build the wheel of*"])


# --- choosing the fractal-server release -------------------------------------------------------


def test_server_version_option_and_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntaskcollect_server_version = 2.17.2\n")
    pytester.makepyfile(
        """
        def test_version(taskcollect_settings, taskcollect_server_version):
            assert taskcollect_settings.server_version == taskcollect_server_version
            assert taskcollect_settings.profile.version == "2.17.2"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.makepyfile(
        """
        def test_version(taskcollect_settings):
            assert taskcollect_settings.server_version == "2.26.0"
        """
    )
    pytester.runpytest("--taskcollect-server-version=v2.26.0").assert_outcomes(passed=1)
    bad = pytester.runpytest("--taskcollect-server-version=3.0")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(
        ["*--taskcollect-server-version:*supported releases are 2.14.5 to 2.26.0*"]
    )


def test_installer_option_and_ini(pytester: pytest.Pytester) -> None:
    """``taskcollect_installer`` (ini) and ``--taskcollect-installer``: the settings' installer;
    with uv, a collection's warnings say its install lines are uv's."""
    pytester.makeini("[pytest]\ntaskcollect_installer = uv\n")
    pytester.makepyfile(
        """
        def test_installer(taskcollect_settings):
            assert taskcollect_settings.installer == "uv"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.makepyfile(
        f"""
        def test_installer(taskcollect_settings, collect_pip, task_package):
            assert taskcollect_settings.installer == "pip"
            result = collect_pip(wheel=task_package("fractal_tasks_mock")).raise_for_status()
            assert {UV_LOG_WARNING!r} not in result.warnings
        """
    )
    pytester.runpytest("--taskcollect-installer=pip").assert_outcomes(passed=1)
    bad = pytester.runpytest("--taskcollect-installer=conda")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--taskcollect-installer: expected pip or uv, got 'conda'.*"])


@pytest.mark.skipif(find_uv() is None, reason="uv is not installed (`pip install uv` runs this)")
def test_installer_uv_collects(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        def test_uv(collect_pip, task_package):
            result = collect_pip(wheel=task_package("fractal_tasks_mock")).raise_for_status()
            assert {UV_LOG_WARNING!r} in result.warnings
            assert len(result.tasks) == 16
        """
    )
    pytester.runpytest("--taskcollect-installer=uv").assert_outcomes(passed=1)


def test_marker_runs_a_test_per_release(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.taskcollect_server("2.14.5", "2.26.0")
        def test_collect(collect_pip, task_package, taskcollect_server_version):
            result = collect_pip(wheel=task_package("fractal_tasks_mock")).raise_for_status()
            assert result.server_version == taskcollect_server_version
            fields = type(result.task_group).model_fields
            assert ("env_info" in fields) is (taskcollect_server_version == "2.26.0")

        @pytest.mark.taskcollect_server("2.22.10")
        def test_one(taskcollect_server_version, collect_custom):
            assert taskcollect_server_version == "2.22.10"

        @pytest.mark.parametrize("taskcollect_server_version", ["2.16.0"])
        def test_parametrized(taskcollect_server_version, taskcollect_settings):
            assert taskcollect_server_version == "2.16.0"
            assert taskcollect_settings.server_version == "2.14.5"
        """
    )
    result = pytester.runpytest("-v", "-p", "no:randomly")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines_random(
        [
            "*test_collect[[]2.14.5[]] PASSED*",
            "*test_collect[[]2.26.0[]] PASSED*",
            "*test_one[[]2.22.10[]] PASSED*",
            "2.14.5*fractal-tasks-mock*0.0.1*wheel-file*OK*16*",
            "2.26.0*fractal-tasks-mock*0.0.1*wheel-file*OK*16*",
        ]
    )


def test_marker_with_an_unknown_release(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.taskcollect_server("2.13.0")
        def test_it(collect_pip):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*test_it*2.13.0*is outside the supported range*"])


def test_old_pin_field_warns_through_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_taskcollect.collection.request_models import IgnoredFormFieldWarning

        @pytest.mark.taskcollect_server("2.26.0")
        def test_old_field(collect_pip, task_package):
            wheel = task_package("fractal_tasks_mock")
            with pytest.warns(IgnoredFormFieldWarning, match="fractal-client#873"):
                result = collect_pip(wheel=wheel, pinned_package_versions={"pip": "23.2.1"})
            assert result.ok
            assert result.task_group.pinned_package_versions_post == {}
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
