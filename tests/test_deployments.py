"""Deployment names standing for models (Azure OpenAI): what is sent, what is judged.

The request names the deployment in the body's ``model``; every verdict, price and
report line stays under the model. The reference server, emulating such a profile,
serves each model only under its deployment name: a client that sent the bare
model id is refused 404 DeploymentNotFound (shown below), so the rehearsal passes
only because the deployment name went out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conformance.config import resolve
from conformance.edits.cases import EditCase
from conformance.edits.multipart import EditForm
from conformance.errors import ConfigError
from conformance.exchange import Exchange, RecordedRequest
from conformance.probes import Expectation, Probe
from conformance.profile import load_profile_file
from conformance.profile.deployments import Deployment, resolve_deployments
from conformance.report.cost import billed_cost
from conformance.server import ReferenceServer
from conformance.transport.deployments import deployed
from tests.conftest import REPO, SuiteRun

RENAMED = {
    "gpt-image-1-mini": {"env": "IGC_DEP_MINI", "default": "images-mini"},
    "dall-e-3": {"default": "dalle-prod"},
}


def _azure(tmp_path: Path, deployments: Any = None, models: tuple[str, ...] = ()) -> Path:
    raw = yaml.safe_load((REPO / "profiles" / "azure-openai.yaml").read_text())
    raw["name"] = "azure-renamed"
    raw["deployments"] = RENAMED if deployments is None else deployments
    keep = models or ("gpt-image-1-mini", "dall-e-3")
    raw["models"] = {k: v for k, v in raw["models"].items() if k in keep}
    raw["default_model"] = keep[0]
    path = tmp_path / "azure-renamed.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_a_name_comes_from_the_option_then_the_variable_then_the_default() -> None:
    declared = {"m": Deployment(env="IGC_DEP_M", default="m-default"), "k": Deployment()}
    env = {"IGC_DEP_M": "m-env"}

    def vendor(given: dict[str, str], environ: dict[str, str]) -> dict[str, str]:
        return resolve_deployments(declared, given, ["m", "x"], mode="vendor", environ=environ)

    assert vendor({}, env) == {"m": "m-env"}
    assert vendor({"m": "m-opt"}, env) == {"m": "m-opt"}
    assert vendor({}, {}) == {"m": "m-default"}
    # A rehearsal serves the profile's names: the default, else the model's own.
    both = ["m", "k"]
    assert resolve_deployments(declared, {}, both, mode="rehearsal", environ=env) == {
        "m": "m-default",
        "k": "k",
    }


def test_a_missing_or_misplaced_name_is_one_line() -> None:
    declared = {"k": Deployment(env="IGC_DEP_K")}
    with pytest.raises(ConfigError) as err:
        resolve_deployments(declared, {}, ["k"], mode="vendor", environ={})
    assert str(err.value) == (
        "model k is reached through a deployment of your own: set IGC_DEP_K or pass "
        "--deployment k=NAME"
    )
    with pytest.raises(ConfigError, match="use it with --base-url"):
        resolve_deployments(declared, {"k": "x"}, ["k"], mode="rehearsal", environ={})
    with pytest.raises(ConfigError, match="names no deployment for that model"):
        resolve_deployments(declared, {"zz": "x"}, ["k"], mode="vendor", environ={})


def test_deployment_options_reach_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "not-a-real-key")
    monkeypatch.setenv("IGC_DEP_MINI", "mini-from-env")
    path = str(_azure(tmp_path))
    run = resolve({"profile": path, "base_url": "https://res.openai.azure.com/openai/v1"})
    assert dict(run.deployments) == {"gpt-image-1-mini": "mini-from-env", "dall-e-3": "dalle-prod"}
    opted = resolve(
        {
            "profile": path,
            "base_url": "https://res.openai.azure.com/openai/v1",
            "deployments": ["dall-e-3=my-dalle"],
        }
    )
    assert opted.deployments["dall-e-3"] == "my-dalle"
    with pytest.raises(ConfigError, match="expected MODEL=NAME"):
        resolve({"profile": path, "base_url": "https://h/v1", "deployments": ["dall-e-3"]})


def test_the_sent_body_and_form_name_the_deployment() -> None:
    expect = Expectation(statuses=(200,))
    probe = Probe("gen", "m", "t", "valid", expect, body={"model": "m", "prompt": "p"})
    assert deployed(probe, {"m": "dep"}).body == {"model": "dep", "prompt": "p"}
    # An unknown model (the model-unknown probe) and a raw body go as planned.
    other = dataclasses.replace(probe, body={"model": "nope", "prompt": "p"})
    assert deployed(other, {"m": "dep"}).body == other.body
    raw = dataclasses.replace(probe, body=None, raw_body=b'{"model": "m"')
    assert deployed(raw, {"m": "dep"}) == raw
    assert deployed(probe, {}) is probe

    form = EditForm(fields=(("model", "m"), ("prompt", "p")))
    edit = EditCase(id="e", title="t", form=form, billable=True)
    sent = deployed(dataclasses.replace(probe, operation="edits", body=None, edit=edit), {"m": "d"})
    assert sent.edit is not None
    assert sent.edit.form.fields == (("model", "d"), ("prompt", "p"))


def test_the_server_serves_a_model_only_under_its_deployment_name(tmp_path: Path) -> None:
    profile = load_profile_file(_azure(tmp_path))
    with ReferenceServer(profile) as server:
        url = f"{server.base_url}/images/generations"
        headers = {"api-key": server.api_key}

        def post(model: str) -> httpx.Response:
            body = {"model": model, "prompt": "a red cube", "quality": "low"}
            return httpx.post(url, json=body, headers=headers, timeout=60)

        assert post("images-mini").status_code == 200
        refused = post("gpt-image-1-mini")
        assert refused.status_code == 404
        # azure-openai documents a message-only envelope: the message names it.
        assert 'deployment "gpt-image-1-mini" does not exist' in refused.json()["error"]["message"]


def test_a_rehearsal_sends_deployments_and_reports_models(
    tmp_path: Path, run_suite: Callable[..., SuiteRun]
) -> None:
    path = _azure(tmp_path)
    run = run_suite("--profile", str(path), "--probes", "fixed")
    assert run.exit_code == 0
    results = run.results
    assert {c["model"] for c in results["checks"]} == {"gpt-image-1-mini", "dall-e-3"}
    sent = {
        e["request"]["body"].get("model")
        for e in results["exchanges"].values()
        if isinstance(e["request"].get("body"), dict)
        and e["response"]
        and e["response"]["status"] == 200
    }
    assert sent == {"images-mini", "dalle-prod"}
    assert results["requests"]["cost_usd"] > 0


def test_a_request_sent_under_a_deployment_is_priced_as_its_model(tmp_path: Path) -> None:
    profile = load_profile_file(_azure(tmp_path))
    body = b'{"model": "dalle-prod", "prompt": "p", "size": "1024x1024"}'
    request = RecordedRequest("POST", "https://h/v1/images/generations", {}, body)
    sent = Exchange("dall-e-3/gen-1", request, billed=1)
    cost = billed_cost(profile, [sent])
    assert (cost.usd, cost.images, cost.unpriced) == (0.12, 1, 0)
    stray = Exchange("elsewhere/gen-1", request, billed=1)
    assert billed_cost(profile, [stray]).unpriced == 1


@pytest.mark.parametrize(
    ("deployments", "problem"),
    [
        ({"dall-e-2": {"default": "x"}}, "deployments.dall-e-2: not a model of the profile"),
        ({"dall-e-3": {"deflaut": "x"}}, "deflaut"),
        (
            {"dall-e-3": {"default": "same"}, "gpt-image-1-mini": {"default": "same"}},
            "default 'same' is also",
        ),
    ],
)
def test_a_bad_deployment_is_one_line_and_exit_4(
    tmp_path: Path, run_cli: Callable[..., SuiteRun], deployments: Any, problem: str
) -> None:
    run = run_cli("profile", "check", str(_azure(tmp_path, deployments)))
    assert run.exit_code == 4
    assert problem in run.output
    assert len(run.output.strip().splitlines()) == 1
