"""The clients people use, as oracles: ``client.<client>.<behaviour>``.

Each recorded answer is replayed into each client (conformance/clients/):
openai-python in its default and strict modes, openai-node and the Vercel AI
SDK. A check per client and app behaviour judges what the app got: its image
(``generates``), or the documented error on a refusal (``bad-request``,
``authentication``). Severity: must for the default modes, should for strict
mode. Offline, at no extra cost, and the same on a replayed run.
"""

from __future__ import annotations

from conformance.checks import client_judge as judge
from conformance.checks.base import Applies, CheckFn, Context, Result, check, skipped
from conformance.clients import BEHAVIOURS, CLIENTS, Client, check_id, replay
from conformance.clients.observation import replay_call
from conformance.probes import Probe


def _streams(probe: Probe) -> bool:
    return (probe.body or {}).get("stream") is True


def _answers(client: Client) -> Applies:
    def applies(probe: Probe) -> bool:
        if probe.kind not in ("valid", "example"):
            return False
        if _streams(probe):
            return client.streams
        return (probe.expect.response_format or "b64_json") in client.formats

    return applies


def _strict_not_promised(client: Client, ctx: Context) -> Result | None:
    """Strict mode is judged where the rules promise the SDK's types (drop-in, OpenAI)."""
    if client.strict and not ctx.profile.strict_types:
        return skipped(
            "the vendor's docs show the SDK in its default mode (profile strict_types: "
            "false); strict mode is judged in the drop-in view"
        )
    return None


def _other_list(ctx: Context) -> Result | None:
    """An OpenAI client reads ``data``: a vendor that documents its images under
    another key (response.shape.list_key) promises no OpenAI client in its docs."""
    if ctx.shape.list_key != "data":
        return skipped(
            f"the vendor documents its images under {ctx.shape.list_key!r}, not data: "
            "OpenAI clients are judged in the drop-in view"
        )
    return None


def _generates(client: Client) -> CheckFn:
    def run(ctx: Context) -> Result:
        if (why := _strict_not_promised(client, ctx) or _other_list(ctx)) is not None:
            return why
        call = replay_call(ctx.probe, ctx.response)
        return judge.generates(replay.observe(client.name, call), call.call)

    run.__doc__ = f"{client.title}: generate (or stream), then read and decode every image."
    return run


def _refusal(client: Client, default_status: int) -> CheckFn:
    def run(ctx: Context) -> Result:
        if (why := _strict_not_promised(client, ctx)) is not None:
            return why
        statuses = ctx.expected_error()[0] or (default_status,)
        if client.runtime == "node" and client.error_class == "APICallError":
            expected: tuple[str, ...] = ("APICallError",)
        else:
            expected = tuple(judge.openai_error_for(s) for s in statuses)
        call = replay_call(ctx.probe, ctx.response)
        return judge.refusal(replay.observe(client.name, call), expected, statuses)

    run.__doc__ = f"{client.title}: the refusal raises {client.error_class} for its status."
    return run


def _register(client: Client) -> None:
    for behaviour, applies, fn in (
        ("generates", _answers(client), _generates(client)),
        (
            "bad-request",
            lambda p: p.kind == "invalid" and p.id == "prompt-empty",
            _refusal(client, 400),
        ),
        (
            "authentication",
            lambda p: p.kind == "auth" and p.id == "wrong-key",
            _refusal(client, 401),
        ),
    ):
        check(
            check_id(client.name, behaviour),
            title=f"an app using {client.title} {BEHAVIOURS[behaviour]}",
            severity=client.severity,
            applies=applies,
        )(fn)


for _client in CLIENTS.values():
    _register(_client)
