"""The visual aids of the map: one table, read by the menus, the toolbar and the drawing.

Qt-free. Each aid has a name (what :meth:`SurfaceView.set_aid` and a session use), a menu title,
a short toolbar text, one tooltip (the menu's, the toolbar's and the drawn item's) and whether it
is on in a new window.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VisualAid:
    name: str
    title: str
    short: str
    tooltip: str
    default: bool


VISUAL_AIDS: tuple[VisualAid, ...] = (
    VisualAid("gradient", "Gradient Arrow", "∇L",
              "∇L at the current point: the direction of steepest ascent (uphill), drawn at a "
              "fixed length with its true norm |∇L| in the label.", True),
    VisualAid("step", "Step Taken", "Δθ",
              "Δθ = θ_t − θ_{t−1}: the step the optimizer actually took, at true scale.", True),
    VisualAid("state", "Optimizer State", "State",
              "The optimizer's memory (velocity b or first moment m) reversed, since the "
              "update moves θ along −b (−m), at the same scale as ∇L.", False),
    VisualAid("taylor", "Taylor Prediction", "Taylor",
              "The first-order Taylor prediction of the last step, ΔL ≈ ∇L·Δθ, against the "
              "actual change of the loss.", False),
)

AID_NAMES: tuple[str, ...] = tuple(aid.name for aid in VISUAL_AIDS)
AID_TOOLTIPS: dict[str, str] = {aid.name: aid.tooltip for aid in VISUAL_AIDS}
AID_DEFAULTS: dict[str, bool] = {aid.name: aid.default for aid in VISUAL_AIDS}
