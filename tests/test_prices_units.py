"""Prices per megapixel and per token: one figure per request, from its size and quality.

Each estimate is checked against the arithmetic of the vendor's published rate, so a
pricing that ignored the asked area, quality or prompt would fail here; the plan and
the report of a rehearsal must agree on the total.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.gpt.pricing import request_price
from conformance.profile import load_profile, load_profile_file
from tests.conftest import REPO, SuiteRun, conformance

MP = 1_000_000


def test_a_per_megapixel_price_follows_the_asked_area() -> None:
    model = load_profile("together").models["black-forest-labs/FLUX.1-schnell"]
    assert model.unit_price is not None
    square = request_price(model, {"size": "1024x1024"}, 1)
    assert square == pytest.approx(0.0027 * 1024 * 1024 / MP)
    # A size given as width and height, and n images.
    assert request_price(model, {"width": 512, "height": 768}, 2) == pytest.approx(
        2 * 0.0027 * 512 * 768 / MP
    )
    # No size asked: the default size's area.
    assert request_price(model, {}, 1) == pytest.approx(square)
    # The plan's per-image figure is the dearest: the largest width x height allowed.
    assert model.price_per_image == pytest.approx(0.0027 * 1792 * 1792 / MP)


def test_a_per_token_price_follows_quality_size_and_prompt() -> None:
    model = load_profile("azure-openai").models["gpt-image-1"]
    prompt = "a red cube"
    low = request_price(model, {"quality": "low", "size": "1024x1536", "prompt": prompt}, 1)
    assert low == pytest.approx((408 * 40 + len(prompt) * 5) / MP)
    # No quality: the model's default (high); no size: its default (1024x1024).
    assert request_price(model, {}, 1) == pytest.approx(4160 * 40 / MP)
    # An unlisted size scales from the nearest listed one by area.
    wide = request_price(model, {"quality": "medium", "size": "2048x1024"}, 1)
    assert wide == pytest.approx(1056 * 2 * 40 / MP)
    mini = load_profile("azure-openai").models["gpt-image-1-mini"]
    assert request_price(mini, {}, 1) == pytest.approx(1056 * 8 / MP)  # default medium
    assert model.price_per_image == pytest.approx(6240 * 40 / MP)


def _with_price(tmp_path: Path, model: str, price: Any, **extra: Any) -> Path:
    raw = yaml.safe_load((REPO / "profiles" / "azure-openai.yaml").read_text())
    raw["models"][model]["price"] = price
    raw["models"][model].update(extra)
    path = tmp_path / "priced.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("model", "price", "extra", "problem"),
    [
        ("dall-e-3", {"per_megapixel": 0.01, "per_token": {"image_output": 1}}, {}, "one of them"),
        ("dall-e-3", {}, {}, "one of them"),
        ("gpt-image-1", {"per_token": {"image_output": 40}}, {}, "needs image_tokens"),
        ("dall-e-3", {"per_megapixel": 0.01, "image_tokens": {"any": {"1x1": 1}}}, {}, "only read"),
        (
            "gpt-image-1",
            {"per_token": {"image_output": 40}, "image_tokens": {"hd": {"1024x1024": 1}}},
            {},
            "image_tokens.hd: not one of its qualities",
        ),
        (
            "gpt-image-1",
            {"per_token": {"image_output": 40}, "image_tokens": {"low": {"big": 1}}},
            {},
            "not WIDTHxHEIGHT",
        ),
        ("dall-e-3", {"per_megapxel": 0.01}, {}, "per_megapxel"),
        ("dall-e-3", {"per_megapixel": -1}, {}, "minimum"),
        (
            "gpt-image-1",
            {"per_megapixel": 0.01},
            {"prices": {"low": {"1024x1024": 0.01}}},
            "a per-image prices table is already given",
        ),
    ],
)
def test_a_bad_price_is_one_line_and_exit_4(
    tmp_path: Path,
    run_cli: Callable[..., SuiteRun],
    model: str,
    price: Any,
    extra: dict[str, Any],
    problem: str,
) -> None:
    run = run_cli("profile", "check", str(_with_price(tmp_path, model, price, **extra)))
    assert run.exit_code == 4, run.output
    assert problem in run.output
    assert len(run.output.strip().splitlines()) == 1
    assert "Traceback" not in run.output


def test_a_model_without_qualities_prices_by_the_any_table(tmp_path: Path) -> None:
    price = {"per_token": {"image_output": 10}, "image_tokens": {"any": {"1024x1024": 100}}}
    raw = yaml.safe_load((REPO / "profiles" / "deepinfra.yaml").read_text())
    raw["models"]["black-forest-labs/FLUX-1.1-pro"]["price"] = price
    path = tmp_path / "any.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    model = load_profile_file(path).models["black-forest-labs/FLUX-1.1-pro"]
    # price_per_image given in the profile stays the plan's per-image figure.
    assert model.price_per_image == 0.04
    assert request_price(model, {"size": "1024x1024"}, 3) == pytest.approx(3 * 100 * 10 / MP)


def _cli(cwd: Path, *args: str) -> str:
    proc = conformance(cwd, "run", *args, timeout=600)
    return proc.stdout + proc.stderr


def test_plan_and_report_agree_on_a_per_token_and_per_megapixel_run(tmp_path: Path) -> None:
    args = ("--profile", "azure-openai", "--probes", "fixed", "--models", "gpt-image-1-mini")
    plan = _cli(tmp_path, *args, "--plan")
    found = re.search(r"estimated \$(\d+\.\d\d) at the profile's prices", plan)
    assert found, plan[-2000:]
    _cli(tmp_path, *args, "--report-dir", str(tmp_path / "r"))
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["requests"]["billable"] > 0
    print(
        f"per-token price: plan ${found.group(1)}, results.json {results['requests']['cost_usd']}"
    )
    assert f"{results['requests']['cost_usd']:.2f}" == found.group(1)
