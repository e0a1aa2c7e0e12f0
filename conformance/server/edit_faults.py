"""Faults of the reference server's edits, each breaking one edit rule.

Shown on the openai profile's cheapest model that edits (``gpt-image-1-mini``);
each names the edit check that must notice (``conformance.checks.edits``).
Several mirror gateways seen in the wild: LiteLLM 1.100-1.101 turning a list
of images into a stray text part, a gateway that ignores the mask and
regenerates the whole image, relays answering an edit stream with the
generation events.
"""

from __future__ import annotations

# The model they are shown on, and the profile it is in.
EDIT_FAULT_MODELS = ("gpt-image-1-mini",)
EDIT_FAULT_PROFILE = "openai"

# name, the check it breaks, what the server does, other checks that must fail too.
EDIT_FAULTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "edit-image-only",
        "edits.images-list",
        "only a single image part is taken: images sent as image[] are refused with 400 "
        "invalid_type (param image[0]), as OpenAI answers LiteLLM 1.100-1.101's stray text part",
        ("client.openai-python.edits",),
    ),
    (
        "edit-mask-ignored",
        "edits.mask-effect",
        "the mask is ignored: the whole image is repainted",
        (),
    ),
    (
        "edit-stream-generation-events",
        "edits.stream-events",
        "an edit stream carries image_generation.partial_image / image_generation.completed "
        "events instead of image_edit.*: openai-python's default mode parses them as partial "
        "edit images (no completed one), its strict mode raises",
        ("client.openai-python.edits", "client.openai-python-strict.edits"),
    ),
    (
        "edit-usage-no-image-tokens",
        "edits.usage",
        "edit usage counts 0 input image tokens (input_tokens_details.image_tokens 0)",
        (),
    ),
    ("edit-n-ignored", "edits.count", "an edit returns one image whatever n asks", ()),
    (
        "edit-size-ignored",
        "edits.size",
        "edits are drawn at 1024x1024 whatever size asks (auto does not follow the input)",
        (),
    ),
    (
        "edit-mimetype-sniffed",
        "validation.rejected",
        "an image part labelled application/octet-stream is accepted (the type is sniffed from "
        "the bytes, as lenient gateways do; OpenAI decides by the part's Content-Type)",
        (),
    ),
)
