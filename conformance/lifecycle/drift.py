"""Contract drift: what the installed ``openai`` SDK's types know and a profile lacks.

The public OpenAPI spec lags (2026-08-21); the SDK's types are updated the day
a model ships, so they are the machine-readable contract. Read with typing
introspection: ``openai.types.image_model.ImageModel`` (a Literal of model
ids) and the TypedDicts of ``openai.types.image_generate_params`` (each key a
parameter, each Literal its values). The profile side is the union over its
models of the parameters they declare (``unsupported`` counts as known) and
the values they allow.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from conformance.profile import Profile

Side = Literal["sdk", "profile"]
# Named by every request, not parameters a profile declares.
_REQUEST_CORE = ("prompt", "model", "n")


@dataclass(frozen=True, order=True)
class DriftItem:
    kind: Literal["model", "parameter", "value"]
    # "gpt-image-2.6-flare", "complexity", or "quality=xhigh"
    name: str
    # Which side knows it: the SDK (the profile lacks it) or the profile (the SDK lacks it).
    side: Side

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)

    def line(self) -> str:
        here, there = ("SDK", "profile") if self.side == "sdk" else ("profile", "SDK")
        return f"{self.kind} {self.name}: in the {here}, not in the {there}"


def _literals(annotation: Any) -> tuple[Any, ...]:
    """Every Literal value inside an annotation (through Optional, Union, Required)."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType, typing.Required, typing.NotRequired):
        return tuple(v for arg in typing.get_args(annotation) for v in _literals(arg))
    return ()


@dataclass(frozen=True)
class SdkContract:
    version: str
    models: tuple[str, ...]
    # Parameter -> its Literal values (empty: free-form, e.g. a string or an integer).
    params: dict[str, tuple[Any, ...]]


def sdk_contract() -> SdkContract:
    """The installed openai SDK's image models and generate parameters."""
    from openai.types import image_generate_params, image_model

    params: dict[str, tuple[Any, ...]] = {}
    for typed in (
        image_generate_params.ImageGenerateParamsNonStreaming,
        image_generate_params.ImageGenerateParamsStreaming,
    ):
        for name, hint in typing.get_type_hints(typed, include_extras=True).items():
            if name in _REQUEST_CORE:
                continue
            params[name] = tuple(dict.fromkeys((*params.get(name, ()), *_literals(hint))))
    models = typing.get_args(image_model.ImageModel)
    return SdkContract(version("openai"), tuple(models), params)


def _profile_params(profile: Profile) -> dict[str, set[Any] | None]:
    """Parameter -> the values its models allow (None: declared, but with no value list)."""
    found: dict[str, set[Any] | None] = {}

    def add(name: str, values: Iterable[Any] | None) -> None:
        if values is None:
            found.setdefault(name, None)
            return
        known = found.get(name) or set()
        found[name] = known | set(values)

    for spec in profile.models.values():
        if spec.gpt is not None:
            add("size", spec.gpt.size.values)
            for param in spec.gpt.params.values():
                add(param.name, param.values if param.kind == "enum" else None)
        else:
            add("size", spec.sizes)
            add("response_format", spec.response_formats)
            add("quality", spec.qualities)
            add("style", spec.styles)
            if spec.user:
                add("user", None)
    return found


def drift(
    profile: Profile, sdk: SdkContract | None = None, elsewhere: Iterable[Profile] = ()
) -> list[DriftItem]:
    """What the SDK knows that the profile lacks, and what the profile has the SDK lacks.

    ``elsewhere``: the baselines of the other model families (openai-dalle beside
    openai): what one of them holds is not missing from this profile.
    """
    sdk = sdk or sdk_contract()
    held = [drift_keys(other) for other in elsewhere]
    items = [
        item
        for item in _drift(profile, sdk)
        if item.side == "profile" or not any(item.key in keys for keys in held)
    ]
    return sorted(items)


def drift_keys(profile: Profile) -> set[tuple[str, str]]:
    """(kind, name) of every model, parameter and value the profile declares."""
    keys = {("model", m) for m in _served_names(profile)}
    for name, values in _profile_params(profile).items():
        keys.add(("parameter", name))
        keys |= {("value", f"{name}={_text(v)}") for v in values or ()}
    return keys


def _served_names(profile: Profile) -> set[str]:
    """The models' names and their dated snapshots (served under the model's contract)."""
    names = set(profile.models)
    for model in profile.models.values():
        names |= set(model.gpt.snapshots if model.gpt else ())
    return names


def _drift(profile: Profile, sdk: SdkContract) -> list[DriftItem]:
    served = _served_names(profile)
    items = [DriftItem("model", m, "sdk") for m in sdk.models if m not in served]
    items += [DriftItem("model", m, "profile") for m in profile.models if m not in sdk.models]
    mine = _profile_params(profile)
    for name, values in sdk.params.items():
        if name not in mine:
            items.append(DriftItem("parameter", name, "sdk"))
            continue
        have = mine[name]
        if have is None or not values:
            continue
        items += [DriftItem("value", f"{name}={_text(v)}", "sdk") for v in values if v not in have]
        items += [
            DriftItem("value", f"{name}={_text(v)}", "profile")
            for v in sorted(have, key=_text)
            if v not in values and not (name == "size" and values and _is_size(v))
        ]
    items += [DriftItem("parameter", name, "profile") for name in mine if name not in sdk.params]
    return items


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _is_size(value: Any) -> bool:
    # The SDK types size as any string besides its listed ones: a WIDTHxHEIGHT is known.
    width, sep, height = str(value).partition("x")
    return bool(sep) and width.isdigit() and height.isdigit()


def drift_text(
    profile: Profile, items: list[DriftItem], sdk_version: str, elsewhere: Iterable[str] = ()
) -> str:
    beside = ", ".join(elsewhere)
    head = (
        f"profile {profile.name} against openai {sdk_version} "
        "(openai.types.image_model, openai.types.image_generate_params"
        + (f"; what {beside} holds is left out" if beside else "")
        + ")"
    )
    if not items:
        return f"{head}: no drift\n"
    lacks = sum(1 for i in items if i.side == "sdk")
    lines = [f"{head}: {lacks} known to the SDK only, {len(items) - lacks} to the profile only"]
    lines += [f"  {item.line()}" for item in items]
    return "\n".join(lines) + "\n"
