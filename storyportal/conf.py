"""Layered configuration: environment > `.env` > `config.yaml` > built-in defaults.

Every value may also be given as ``X_FILE`` (a path whose contents are the value), which is
how Docker secrets reach the platform. Nothing here imports Django, so the launcher and the
settings modules can both use it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values

BASE_DIR = Path(__file__).resolve().parent.parent


class MissingSetting(RuntimeError):
    """A value production needs was given nowhere."""


def _config_path() -> Path:
    return Path(os.environ.get("STORYPORTAL_CONFIG", BASE_DIR / "config.yaml"))


def _env_path() -> Path:
    return Path(os.environ.get("STORYPORTAL_ENV_FILE", BASE_DIR / ".env"))


@cache
def _layers() -> tuple[Mapping[str, Any], ...]:
    """The sources in precedence order; files are read once per process."""
    env_file = _env_path()
    dotenv = {k: v for k, v in dotenv_values(env_file).items() if v is not None} if env_file.exists() else {}
    config_file = _config_path()
    yaml_values: dict[str, Any] = {}
    if config_file.exists():
        loaded = yaml.safe_load(config_file.read_text()) or {}
        if not isinstance(loaded, dict):
            raise MissingSetting(f"{config_file} must hold a mapping of NAME: value")
        yaml_values = {str(k).upper(): v for k, v in loaded.items()}
    return (os.environ, dotenv, yaml_values)


def reload() -> None:
    """Forget cached files (tests change them)."""
    _layers.cache_clear()


def source_of(name: str) -> str | None:
    """Which layer a value comes from: 'environment', '.env', 'config.yaml' or None."""
    for label, layer in zip(("environment", ".env", "config.yaml"), _layers(), strict=True):
        if layer.get(name) not in (None, "") or layer.get(f"{name}_FILE"):
            return label
    return None


def get(name: str, default: Any = None) -> Any:
    """The value of `name` from the first layer that has it (or its `_FILE` variant)."""
    for layer in _layers():
        if name in layer and layer[name] not in (None, ""):
            return layer[name]
        file_name = layer.get(f"{name}_FILE")
        if file_name:
            return Path(str(file_name)).read_text().strip()
    return default


def get_str(name: str, default: str | None = None) -> str | None:
    value = get(name, default)
    return None if value is None else str(value)


def get_bool(name: str, default: bool = False) -> bool:
    value = get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def get_int(name: str, default: int) -> int:
    value = get(name)
    return default if value is None else int(value)


def get_list(name: str, default: list[str] | None = None) -> list[str]:
    value = get(name)
    if value is None:
        return list(default or [])
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def require(name: str) -> str:
    """A secret production cannot run without."""
    value = get_str(name)
    if not value:
        raise MissingSetting(f"{name} (or {name}_FILE) must be set in production")
    return value
