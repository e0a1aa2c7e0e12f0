"""The docs document what the code does, and every command they show works.

The pages docs/options.md, checks.md, faults.md and profile-schema.md are
generated (`nox -s docs`); the rest is written by hand and held here to the code.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from conformance.checks import REGISTRY
from conformance.cli import _gate_parser, _matrix_parser, _run_parser, _serve_parser
from conformance.options import OPTIONS
from tests.conftest import REPO, SuiteRun

README = (REPO / "README.md").read_text()
PAGES = sorted(
    [
        REPO / "README.md",
        REPO / "CONTRIBUTING.md",
        REPO / "reports" / "README.md",
        *(REPO / "docs").glob("*.md"),
    ]
)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate", REPO / "docs" / "generate.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_pages_are_current() -> None:
    stale = _generator().stale()
    assert stale == [], f"stale: {', '.join(stale)}; regenerate with `nox -s docs`"


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown page."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
        anchors.add(slug.replace(" ", "-"))
    return anchors


def _links(page: Path) -> Iterator[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    yield from re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for link in _links(page):
        if re.match(r"[a-z]+:", link):
            continue  # an absolute URL: not ours to check offline
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        if not path.exists():
            broken.append(f"{link} (no such file)")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{link} (no such heading)")
    assert broken == []


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    assert len(README.splitlines()) <= 250
    first_block = README.split("```")[1]
    assert first_block.splitlines()[1:] == [
        "pip install nox && nox -s conformance   # the suite against the embedded reference "
        "server → reports/openai/report.html",
        "pip install nox && nox -s tests         # the self-tests",
    ]
    for page in ("docs/options.md", "docs/checks.md", "docs/faults.md", "CONTRIBUTING.md"):
        assert f"({page})" in README


def test_options_page_lists_every_option_run_help_prints() -> None:
    helped = set(re.findall(r"^\s+(--[a-z][\w-]*)", _run_parser().format_help(), re.M))
    page = (REPO / "docs" / "options.md").read_text()
    listed = set(re.findall(r"^\| `(--[a-z][\w-]*)", page, re.M))
    assert helped - {"--help", "--pytest-help"} == listed == {opt.name for opt in OPTIONS}


def test_every_check_is_described_in_judging() -> None:
    page = (REPO / "docs" / "judging.md").read_text()
    table = page.split("## What each check demands")[1].split("\n## ")[0]
    described = re.findall(r"^\| `([\w.-]+)` \|", table, re.M)
    assert sorted(described) == sorted(REGISTRY)


def test_the_layout_names_every_module_of_the_package() -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text()
    block = contributing.split("## Layout")[1].split("```text")[1].split("```")[0]
    package = REPO / "conformance"
    present = {
        p.name + ("/" if p.is_dir() else "")
        for p in package.iterdir()
        if not p.name.startswith(("_", ".")) and (p.is_dir() or p.suffix == ".py")
    }
    described = set(re.findall(r"^  (\w+(?:\.py|/))", block, re.M))
    assert described <= present, "CONTRIBUTING.md describes what the package does not have"
    missing = {name for name in present if not re.search(rf"(?<![\w/]){re.escape(name)}", block)}
    assert missing == set(), "CONTRIBUTING.md's layout leaves these out"


# --- the commands the docs show -------------------------------------------------------


def _commands(page: Path) -> Iterator[list[str]]:
    """Each shell command of the page's ```sh blocks, as words (no env assignments)."""
    for block in re.findall(r"```sh\n(.*?)```", page.read_text(), re.S):
        heredoc = None
        for line in block.replace("\\\n", " ").splitlines():
            if heredoc:
                heredoc = None if line.strip() == heredoc else heredoc
                continue
            found = re.search(r"<<'?(\w+)'?", line)
            heredoc = found.group(1) if found else None
            words = shlex.split(line, comments=True)
            command: list[str] = []
            for word in [*words, "&&"]:
                if word in ("&&", "&", ";"):
                    while command and re.match(r"^[A-Z_]+=", command[0]):
                        command.pop(0)
                    if command:
                        yield command
                    command = []
                else:
                    command.append(word)


ALL_COMMANDS = [(page, command) for page in PAGES for command in _commands(page)]


def _nox_sessions() -> set[str]:
    tree = ast.parse((REPO / "noxfile.py").read_text())
    sessions = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if "nox.session" in ast.unparse(deco):
                    named = re.search(r"name=['\"]([\w-]+)", ast.unparse(deco))
                    sessions.add(named.group(1) if named else node.name)
    return sessions


# What `nox -s SESSION -- ARGS` runs, as `python -m conformance ...` arguments.
SESSION_COMMANDS = {
    "conformance": ["run"],
    "matrix": ["matrix"],
    "gate": ["gate"],
    "serve": ["serve"],
    "profile": ["profile", "check"],
}


def _as_cli(command: list[str]) -> list[str] | None:
    """The `python -m conformance` arguments a documented command amounts to, if any."""
    if command[:2] == ["nox", "-s"]:
        rest = command[3:]
        posargs = rest[rest.index("--") + 1 :] if "--" in rest else []
        prefix = SESSION_COMMANDS.get(command[2])
        return None if prefix is None else [*prefix, *posargs]
    if command[:3] == ["python", "-m", "conformance"]:
        return command[3:]
    if command[:4] == ["python", "-m", "pytest", "--pyargs"] and command[4] == "conformance":
        return ["run", *command[5:]]
    return None


def _check_parses(args: list[str]) -> None:
    if args[0] == "run" and "--help" in args:
        assert args == ["run", "--help"], args
    elif args[0] == "run":
        known, unknown = _run_parser().parse_known_args(args[1:])
        assert not [a for a in unknown if a.startswith("--")], unknown
        for opt in OPTIONS:
            value = getattr(known, opt.dest)
            if opt.choices and value is not None:
                assert value in opt.choices, (opt.name, value)
    elif args[0] == "serve":
        _serve_parser().parse_args(args[1:])
    elif args[0] == "gate":
        _gate_parser().parse_args(args[1:])
    elif args[0] == "matrix":
        _matrix_parser().parse_args(args[1:])
    else:
        assert args[:2] == ["profile", "check"], args
        assert args[2:], "profile check needs a file"


CLI_COMMANDS = [a for _, c in ALL_COMMANDS if (a := _as_cli(c)) is not None]


def test_the_docs_show_commands() -> None:
    # The parser below must keep finding them (a change of fence would hide them all).
    assert len(CLI_COMMANDS) > 30


@pytest.mark.parametrize(
    ("page", "command"),
    ALL_COMMANDS,
    ids=[f"{p.relative_to(REPO)}:{' '.join(c)[:60]}" for p, c in ALL_COMMANDS],
)
def test_every_documented_command_is_valid(page: Path, command: list[str]) -> None:
    if command[0] == "nox":
        assert command[1] == "-s"
        assert command[2] in _nox_sessions(), f"no nox session {command[2]}"
    args = _as_cli(command)
    if args is not None:
        _check_parses(args)


def _judges_nothing(args: list[str]) -> bool:
    """Commands that judge and send nothing: they run here as the docs show them."""
    return bool({"--plan", "--help", "--list-faults"} & set(args)) or args[:2] == [
        "profile",
        "check",
    ]


# A plan draws its fuzz cases: a few seconds to a minute, so those are slow.
CHEAP = [
    pytest.param(args, id=" ".join(args), marks=[pytest.mark.slow] if "--plan" in args else [])
    for args in sorted({tuple(a) for a in CLI_COMMANDS if _judges_nothing(a)})
]


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


@pytest.mark.parametrize("args", CHEAP)
def test_the_cheap_documented_commands_run(args: tuple[str, ...], tmp_path: Path) -> None:
    # A profile the docs tell the reader to copy from the template is that copy here.
    for name in args:
        if name.endswith(".yaml") and not (REPO / name).exists():
            shutil.copy(REPO / "profiles" / "TEMPLATE.yaml", tmp_path / name)
    shutil.copytree(REPO / "profiles", tmp_path / "profiles")
    proc = _cli(list(args), tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert "Traceback" not in proc.stderr


def test_run_help_is_the_suites_own(tmp_path: Path) -> None:
    proc = _cli(["run", "--help"], tmp_path)
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) < 150
    assert "--pytest-help" in proc.stdout
    assert "exit codes:" in proc.stdout
    pytest_help = _cli(["run", "--pytest-help"], tmp_path)
    assert pytest_help.returncode == 0
    assert "--junit-xml" in pytest_help.stdout
    assert "--base-url=URL" in pytest_help.stdout


def test_the_documented_gate_command_runs_as_written(
    profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    gates = [a for _, c in ALL_COMMANDS if (a := _as_cli(c)) is not None and a[:1] == ["gate"]]
    assert gates
    (tmp_path / "docs").mkdir()
    shutil.copytree(REPO / "docs" / "examples", tmp_path / "docs" / "examples")
    for name in ("ezmodel", "openai-dalle"):
        (tmp_path / "reports").mkdir(exist_ok=True)
        (tmp_path / "reports" / name).symlink_to(profile_runs[name].report_dir)
    for args in gates:
        proc = _cli(args, tmp_path)
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stdout.strip()


FAULT_RUNS = sorted({tuple(a) for a in CLI_COMMANDS if a[:1] == ["run"] and "--fault" in a})


@pytest.mark.slow
@pytest.mark.parametrize("args", FAULT_RUNS, ids=[" ".join(a) for a in FAULT_RUNS])
def test_the_documented_fault_runs_fail(args: tuple[str, ...], tmp_path: Path) -> None:
    proc = _cli([*args, "--report-dir", str(tmp_path / "out")], tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr
