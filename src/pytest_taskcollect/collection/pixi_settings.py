"""``PixiSettings``: the pixi versions an instance offers (fractal-server 2.15.0 on).

The same record in every release: the JSON file named by ``FRACTAL_PIXI_CONFIG_FILE`` (2.15.0
to 2.16.x) or a resource's ``tasks_pixi_config`` (2.17.0 on). ``versions`` maps a pixi version
to its ``PIXI_HOME`` folder, whose ``bin/pixi`` is the binary; every folder is named after its
version and all share one parent. The messages are the server's.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["PixiSettings"]


class PixiSettings(BaseModel):
    """The server's ``PixiSettings`` / ``TasksPixiSettings`` (unknown keys are ignored, as
    there; ``SLURM_CONFIG`` matters only for SSH deployments, which are not emulated)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    versions: dict[str, str]
    default_version: str
    PIXI_CONCURRENT_SOLVES: int = 4
    PIXI_CONCURRENT_DOWNLOADS: int = 4
    TOKIO_WORKER_THREADS: int = 2
    DEFAULT_ENVIRONMENT: str = "default"
    DEFAULT_PLATFORM: str = "linux-64"

    @model_validator(mode="after")
    def _check_pixi_settings(self) -> PixiSettings:
        if self.default_version not in self.versions:
            raise ValueError(
                f"Default version '{self.default_version}' not in "
                f"available version {list(self.versions.keys())}."
            )
        pixi_base_dir = Path(self.versions[self.default_version]).parent
        for key, value in self.versions.items():
            pixi_path = Path(value)
            if pixi_path.parent != pixi_base_dir:
                raise ValueError(f"{pixi_path=} is not located within the {pixi_base_dir=}.")
            if pixi_path.name != key:
                raise ValueError(f"{pixi_path.name=} is not equal to {key=}")
        return self

    def pixi_home(self, version: str) -> str:
        """The ``PIXI_HOME`` folder of ``version``."""
        return self.versions[version]
