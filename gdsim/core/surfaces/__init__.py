"""The built-in loss surfaces and their registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gdsim.core.surfaces.analytic import ANALYTIC_SURFACES
from gdsim.core.surfaces.base import AnalyticSurface, CriticalPoint, DataSurface, Surface
from gdsim.core.surfaces.custom import CustomSurface
from gdsim.core.surfaces.data import DATA_SURFACES
from gdsim.core.surfaces.network import NETWORK_SURFACES
from gdsim.core.surfaces.one_d import ONE_D_SURFACES

SURFACES: dict[str, type[Surface]] = {
    cls.name: cls
    for cls in (*ANALYTIC_SURFACES, *ONE_D_SURFACES, *DATA_SURFACES, *NETWORK_SURFACES,
                CustomSurface)
}


def get_surface_class(name: str) -> type[Surface]:
    """The surface class called ``name``; raises ``KeyError`` listing the known names."""
    try:
        return SURFACES[name]
    except KeyError:
        raise KeyError(f"Unknown surface {name!r} (known: {', '.join(SURFACES)})") from None


def make_surface(name: str, params: Mapping[str, Any] | None = None, seed: int = 0) -> Surface:
    """Build the surface ``name`` with validated ``params`` and data drawn from ``seed``."""
    return get_surface_class(name)(seed=seed, **dict(params or {}))


__all__ = [
    "SURFACES", "AnalyticSurface", "CriticalPoint", "DataSurface", "Surface",
    "get_surface_class", "make_surface",
]
