"""What an edit costs: its output images, as a generation's, plus its input images.

OpenAI bills edits in tokens; the input images are billed on top of the output
(``edits-contract.md`` §5): about 194 image tokens for a small square input on
gpt-image-1.x, 1-1.5k on gpt-image-2 (always high fidelity), several thousand
more per image with ``input_fidelity: high``. The profile gives the per-image
token figure and the price per 1M input image tokens; the output side is the
model's per-image price (``conformance.gpt.pricing``), passed in.
"""

from __future__ import annotations

from conformance.edits.capabilities import HIGH_FIDELITY_EXTRA_TOKENS, EditSpec


def input_image_tokens(spec: EditSpec, images: int, fidelity: str | None = None) -> int:
    """The input image tokens an edit with ``images`` inputs is billed (an estimate)."""
    per_image = spec.input_image_tokens
    if fidelity == "high":
        per_image += HIGH_FIDELITY_EXTRA_TOKENS
    return per_image * images


def input_cost(spec: EditSpec, images: int, fidelity: str | None = None) -> float:
    """USD for the input images of one edit (0 without a published price)."""
    if spec.input_image_price is None:
        return 0.0
    return input_image_tokens(spec, images, fidelity) * spec.input_image_price / 1_000_000


def edit_cost(
    spec: EditSpec,
    output_price: float | None,
    output_images: int,
    input_images: int,
    fidelity: str | None = None,
) -> float | None:
    """USD for one edit: ``output_images`` at ``output_price`` each, plus its inputs."""
    if output_price is None:
        return None
    return output_price * output_images + input_cost(spec, input_images, fidelity)
