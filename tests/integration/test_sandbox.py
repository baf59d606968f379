"""The sandbox, for real: hostile projects run through `codegen check` and through jobs are contained.

Each hostile case is a project whose own test code attacks the host (the attacker knows every path and port),
run by a real `codegen check` subprocess; the facts are checked from the host side. Two jobs run the same
attacks through the pipeline, written by a scripted model as an acceptance test. An honest project verifies.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from app.generation.providers import make_provider
from app.generation.runner import new_context, run_context
from app.generation.sandbox import probe
from app.settings import load_settings
from tests.helpers import require

CODEGEN = Path(sys.executable).parent / "codegen"
CANARY = f"sk-canary-{uuid.uuid4().hex}"  # the service's secrets in these tests: must never be seen by a check
TOKEN = f"{uuid.uuid4().int % 10**6}.{os.getpid()}"  # a unique `sleep` argument, to find a leftover daemon
WRITE_TARGETS = ("{outside}/escaped", "{instance}/escaped", "/usr/escaped-{token}", "/etc/escaped-{token}")


@pytest.fixture(scope="module", autouse=True)
def sandbox_available():
    status = probe()
    require(status.available, f"no sandbox here: {status.reason}")


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """A service instance folder as an attacker would want it: its secret key, database and Redis socket."""
    folder = tmp_path_factory.mktemp("inst")
    for name, content in (("secret_key", CANARY), ("codegen.db", f"SQLite format 3\0{CANARY}")):
        (folder / name).write_text(content)
        (folder / name).chmod(0o600)
    (folder / "redis").mkdir()
    redis = socket.socket(socket.AF_UNIX)
    redis.bind(str(folder / "redis" / "redis.sock"))
    redis.listen()
    redis.setblocking(False)
    yield folder
    assert_no_connection(redis)
    redis.close()


@pytest.fixture(scope="module")
def listener():
    """A port on the host's 127.0.0.1, as a database or Redis would listen."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    yield server
    assert_no_connection(server)
    server.close()


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    """A folder outside every project, with a root-only (0600) secret in it."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret").write_text(CANARY)
    (folder / "secret").chmod(0o600)
    return folder


def assert_no_connection(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        server.accept()


def leftover_processes() -> list[str]:
    """Live processes a hostile check started (they carry TOKEN in their command line): none may outlive it.

    Other sandbox runs on this machine (other test sessions) are left out by the token; zombies too, since the
    host's init reaps them a moment later."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if state != "Z" and TOKEN in command and "pytest" not in command:
            found.append(f"{entry.name}: {command}")
    return found


def cached(instance: Path, pattern: str, file: str, content: str) -> Path:
    """The cached environment built from exactly `content` (one per dependency set)."""
    (folder,) = [p for p in (instance / "cache" / "envs").glob(pattern)
                 if p.is_dir() and (p / file).read_text() == content]
    return folder


def attack_module(instance: Path, outside: Path, port: int) -> str:
    """Python that attacks the host when imported, and a test that passes only if every attack got nothing."""
    targets = [t.format(outside=outside, instance=instance, token=TOKEN) for t in WRITE_TARGETS]
    return textwrap.dedent(f'''\
        import glob, os, socket, sysconfig

        REPORT = []


        def attempt(name, action):
            try:
                found = action()
            except Exception as error:
                REPORT.append(f"CONTAINED {{name}}: {{type(error).__name__}}")
                return
            REPORT.append(f"LEAKED {{name}}: {{found!r}}"[:300] if found else f"CONTAINED {{name}}: nothing")


        def environ_with_canary():
            found = []
            for path in glob.glob("/proc/[0-9]*/environ") + ["/proc/{os.getpid()}/environ"]:
                try:
                    if {CANARY!r}.encode() in open(path, "rb").read():
                        found.append(path)
                except OSError:
                    pass
            return found


        def unix(path):
            client = socket.socket(socket.AF_UNIX)
            client.connect(path)
            return path


        def write(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").write("escaped")
            return path


        attempt("secret", lambda: open({str(outside / "secret")!r}).read())
        attempt("environ", environ_with_canary)
        attempt("env", lambda: [k for k, v in os.environ.items() if {CANARY!r} in v])
        attempt("instance secret", lambda: open({str(instance / "secret_key")!r}).read())
        attempt("database", lambda: open({str(instance / "codegen.db")!r}, "rb").read())
        attempt("redis socket", lambda: unix({str(instance / "redis" / "redis.sock")!r}))
        attempt("host port", lambda: socket.create_connection(("127.0.0.1", {port}), 3))
        attempt("internet", lambda: socket.create_connection(("1.1.1.1", 443), 3))
        attempt("cache .pth", lambda: write(os.path.join(sysconfig.get_paths()["purelib"], "evil.pth")))
        for target in {targets!r}:
            try:  # a write may land in the sandbox's private /tmp; the host side checks it never reaches the host
                write(target)
            except OSError:
                pass


        def test_every_attack_got_nothing():
            assert len(REPORT) == 9 and not [line for line in REPORT if line.startswith("LEAKED")], REPORT
        ''')


def python_project(folder: Path, test_code: str) -> Path:
    (folder / "tests").mkdir(parents=True)
    (folder / "requirements.txt").write_text("pytest\n")
    (folder / "tests" / "test_app.py").write_text("def test_adds():\n    assert 1 + 1 == 2\n")
    (folder / "tests" / "test_hostile.py").write_text(test_code)
    return folder


def node_project(folder: Path, scripts: dict[str, str], files: dict[str, str] = {}) -> Path:  # noqa: B006
    folder.mkdir(parents=True)
    (folder / "package.json").write_text(json.dumps({"name": "hostile", "version": "1.0.0", "scripts": scripts}))
    for name, content in files.items():
        (folder / name).write_text(content)
    return folder


def codegen_check(folder: Path, instance: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "INSTANCE_PATH": str(instance), "SECRET_KEY": CANARY, "OPENAI_API_KEY": CANARY,
                   **env}
    environment.pop("CODEGEN_UNISOLATED_CHECKS", None) if "CODEGEN_UNISOLATED_CHECKS" not in env else None
    return subprocess.run([str(CODEGEN), "check", str(folder)], env=environment, capture_output=True, text=True,
                          timeout=900, check=False)


def assert_nothing_escaped(instance: Path, outside: Path) -> None:
    for target in WRITE_TARGETS:
        assert not Path(target.format(outside=outside, instance=instance, token=TOKEN)).exists(), target
    assert not list((instance / "cache").glob("envs/*/lib/python*/site-packages/evil.pth"))
    assert leftover_processes() == []


def test_reads_connections_and_writes_of_a_hostile_test_are_contained(tmp_path, instance, outside, listener):
    port = listener.getsockname()[1]
    project = python_project(tmp_path / "hostile", attack_module(instance, outside, port))

    result = codegen_check(project, instance)

    assert result.returncode == 0, result.stdout + result.stderr  # the attacks ran, and each one got nothing
    assert "PASS python: 2 passed, 0 failed" in result.stdout
    assert CANARY not in result.stdout + result.stderr
    assert_nothing_escaped(instance, outside)


def test_a_daemon_does_not_outlive_its_check(tmp_path, instance):
    code = textwrap.dedent(f"""\
        import os, subprocess
        subprocess.Popen(["setsid", "sh", "-c", "sleep {TOKEN}"], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            os.execvp("sleep", ["sleep", "{TOKEN}"])

        def test_started():
            assert True
        """)
    project = python_project(tmp_path / "daemon", code)

    result = codegen_check(project, instance)

    assert result.returncode == 0, result.stdout + result.stderr
    assert leftover_processes() == []


def test_a_fork_bomb_is_bounded_and_the_host_still_forks(tmp_path, instance):
    code = textwrap.dedent(f"""\
        import subprocess
        subprocess.run(["sh", "-c", "b() {{ b | b & }}; b; sleep 5", "bomb-{TOKEN}"], timeout=30, check=False)

        def test_after_the_bomb():
            assert True
        """)
    project = python_project(tmp_path / "bomb", code)
    started = time.monotonic()

    result = codegen_check(project, instance)

    assert time.monotonic() - started < 180, result.stdout
    assert leftover_processes() == []
    assert subprocess.run(["true"], check=False).returncode == 0


def test_filling_the_disk_is_stopped_with_the_reason(tmp_path, instance):
    code = textwrap.dedent("""\
        import os
        for number in range(100000):
            with open(f"fill-{number}", "wb") as handle:
                handle.write(os.urandom(1024) * 10240)

        def test_never_reached():
            assert True
        """)
    project = python_project(tmp_path / "disk", code)

    result = codegen_check(project, instance)

    assert result.returncode == 1
    assert "FAIL python" in result.stdout and "(stopped: disk limit 1024 MB)" in result.stdout, result.stdout
    assert not list(project.glob("fill-*")) and not list(project.glob("tests/fill-*"))  # DIR itself is never written


def test_the_cached_venv_cannot_be_poisoned(tmp_path, instance, outside, listener):
    hostile = python_project(tmp_path / "poison", attack_module(instance, outside, listener.getsockname()[1]))
    codegen_check(hostile, instance)
    honest = python_project(tmp_path / "honest", "import sys\n\ndef test_clean():\n    assert 'evil' not in "
                                                 "str(sys.modules)\n")

    result = codegen_check(honest, instance)

    assert result.returncode == 0, result.stdout
    venv = cached(instance, "py-*", "requirements.txt", "pytest\n")
    assert all(not (p.stat().st_mode & 0o222) for p in [venv, *venv.rglob("*")] if not p.is_symlink())
    assert not list(venv.rglob("evil*"))


@pytest.fixture
def node():
    require(bool(subprocess.run(["sh", "-c", "command -v node && command -v npm"], capture_output=True,
                                check=False).returncode == 0), "Node.js and npm are needed: apt-get install nodejs npm")


def test_npm_lifecycle_scripts_never_run(tmp_path, instance, outside, node):
    marker = outside / f"lifecycle-{TOKEN}"
    scripts = {name: f"echo {name} > {marker}; echo {name} > /deps/ran-{name}; echo {name} > ran-{name}"
               for name in ("preinstall", "install", "postinstall", "prepare")}
    project = node_project(tmp_path / "lifecycle", {**scripts, "build": "true", "test": "true"})

    result = codegen_check(project, instance)

    assert "npm install failed" not in result.stdout, result.stdout  # the install itself worked
    assert not marker.exists()
    envs = instance / "cache" / "envs"
    assert not list(envs.glob("node-*/ran-*")) and not list(envs.glob("node-*/node_modules/ran-*"))
    assert leftover_processes() == []


def test_cached_node_modules_cannot_be_poisoned(tmp_path, instance, node):
    check = "console.log(require('fs').existsSync('node_modules/evil.js') ? 'POISONED' : 'clean')"
    poison = ("const fs = require('fs'); for (const f of ['node_modules/evil.js', 'node_modules/.bin/vitest', "
              "'node_modules/.vite/evil.js']) { try { fs.writeFileSync(f, 'evil'); console.log('wrote', f) } "
              "catch (e) { console.log('refused', f, e.code) } }")
    scripts = {"build": "node poison.js", "test": "node check.js"}
    files = {"poison.js": poison, "check.js": check}
    first = codegen_check(node_project(tmp_path / "a", scripts, files), instance)
    again = codegen_check(node_project(tmp_path / "b", scripts, files), instance)

    assert "refused node_modules/evil.js EROFS" in first.stdout, first.stdout
    assert "clean" in again.stdout and "POISONED" not in again.stdout, again.stdout
    # The same package.json, so the same cached node_modules (empty: no dependencies) served both runs.
    modules = cached(instance, "node-*", "package.json", (tmp_path / "a" / "package.json").read_text()) / "node_modules"
    assert {p.name for p in modules.iterdir()} <= {".vite", ".vite-temp", ".tmp", ".cache", ".package-lock.json"}
    assert not list(modules.rglob("evil.js"))


@pytest.mark.parametrize("isolation", ["sandbox", "unisolated"])
def test_a_package_json_without_dependencies_is_checked_and_cached_whole(tmp_path, instance, node, isolation):
    env = {"CODEGEN_UNISOLATED_CHECKS": "1"} if isolation == "unisolated" else {}
    scripts, files = {"build": "node build.js", "test": "node test.js"}, {"build.js": "", "test.js": ""}
    first = codegen_check(node_project(tmp_path / "a", scripts, files), instance, **env)
    again = codegen_check(node_project(tmp_path / "b", scripts, files), instance, **env)  # from the cache entry

    for result in (first, again):  # the checks run (they fail only for want of a test report, as they should)
        output = result.stdout + result.stderr
        assert "running    npm test" in output and "> node test.js" in output, output[-3000:]
        assert "Traceback" not in output and "FileNotFoundError" not in output and "install failed" not in output
    package = (tmp_path / "a" / "package.json").read_text()
    assert (cached(instance, "*node-*", "package.json", package) / "node_modules").is_dir()


def test_an_honest_generated_project_verifies(tmp_path, instance):
    out = tmp_path / "todo"
    made = subprocess.run([str(CODEGEN), "generate", "--template", "fastapi-backend", "--name", "todo", "--entity",
                           "Task:title:str,done:bool", "--out", str(out), "--no-checks", "--quiet"],
                          env={**os.environ, "INSTANCE_PATH": str(instance), "SECRET_KEY": CANARY},
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr

    result = codegen_check(out, instance)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS python:" in result.stdout and "all checks passed" in result.stdout
    assert not (out / ".codegen-reports").exists()  # the checks ran on a private copy


def test_without_a_sandbox_check_refuses_unless_told_to_run_unisolated(tmp_path, instance):
    project = python_project(tmp_path / "plain", "def test_fine():\n    assert True\n")
    no_bwrap = tmp_path / "bin"
    no_bwrap.mkdir()
    for tool in ("python3", "sh"):
        (no_bwrap / tool).symlink_to(f"/usr/bin/{tool}")

    refused = codegen_check(project, instance, PATH=str(no_bwrap))
    allowed = codegen_check(project, instance, PATH=str(no_bwrap), CODEGEN_UNISOLATED_CHECKS="1")

    assert refused.returncode == 2
    assert "checks not run: no sandbox (bwrap is not installed" in refused.stderr
    assert "UNISOLATED because CODEGEN_UNISOLATED_CHECKS=1" in allowed.stderr
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


# Jobs: a scripted model adds one requirement; its acceptance test (model-written, frozen) is the attack.

class Events(list):
    def __call__(self, **event):
        self.append(event)


def hostile_model(test_code: str):
    def create(path: str, content: str) -> str:
        return f"{path}\n<<<<<<< SEARCH\n=======\n{content}\n>>>>>>> REPLACE\n"

    def answer(task):
        if task.kind == "plan":
            return json.dumps({"entities": [], "features": [], "requirements": [
                {"id": "R1", "title": "A motto", "kind": "api", "acceptance": ["GET /api/health answers 200"]}]})
        if task.kind == "tests":
            return create(task.context["path"], test_code)
        if task.kind == "design":
            return json.dumps({"changes": [{"requirement": "R1", "path": "app/motto.py", "action": "create",
                                            "purpose": "the motto"}]})
        if task.kind == "edit":
            return create(task.context["path"], 'MOTTO = "ok"')
        if task.kind == "review":
            return json.dumps({"findings": []})
        raise AssertionError(f"unexpected {task.kind} task")

    return make_provider("scripted", script=answer)


def run_job(tmp_path, instance, test_code: str):
    settings = load_settings({"INSTANCE_PATH": str(instance), "SECRET_KEY": CANARY}, dotenv=None)
    request = {"template_id": "fastapi-backend", "name": "todo-api", "description": "Tasks, with a motto.",
               "entities": [{"name": "Task", "fields": [{"name": "title", "type": "str"}]}]}
    events = Events()
    ctx = new_context("hostile", request, hostile_model(test_code), events, settings)
    ctx.max_repair_rounds = 0
    return ctx, run_context(ctx), events


def test_a_job_whose_model_wrote_attacks_is_contained_and_still_verifies(tmp_path, instance, outside, listener):
    ctx, outcome, events = run_job(tmp_path, instance, attack_module(instance, outside, listener.getsockname()[1]))

    assert outcome.status == "completed" and outcome.error is None, outcome.error
    assert ctx.verified, [c.output for c in ctx.checks]
    cases = {c["name"]: c["outcome"] for check in ctx.checks for c in check.cases}
    assert cases["test_every_attack_got_nothing"] == "passed"
    # (The attack's own source names the canary it looks for, so the model's streamed text does too.)
    assert CANARY not in json.dumps([e for e in events if e["type"] == "test"] + [c.to_dict() for c in ctx.checks])
    assert_nothing_escaped(instance, outside)


def test_a_job_whose_model_fills_the_disk_fails_with_the_reason(tmp_path, instance):
    code = ("import os\nfor n in range(100000):\n    open(f'fill-{n}', 'wb').write(os.urandom(1024) * 10240)\n\n"
            "def test_never():\n    assert True\n")
    ctx, outcome, events = run_job(tmp_path, instance, code)

    assert outcome.status == "failed" and "the project's checks failed" in outcome.error
    (check,) = ctx.checks
    assert check.reason == "disk limit 1024 MB" and not ctx.verified
    assert any("stopped: disk limit 1024 MB" in e["message"] for e in events if e["type"] == "test")
    assert leftover_processes() == []


def test_without_a_sandbox_a_model_job_completes_unverified_and_runs_nothing(tmp_path, instance, outside, listener,
                                                                          monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap: the sandbox is unavailable, for real
    probe.cache_clear()
    try:
        ctx, outcome, events = run_job(tmp_path, instance, "open('/proc/self/environ')\n\ndef test_x():\n    pass\n")
    finally:
        monkeypatch.undo()
        probe.cache_clear()

    assert outcome.status == "completed" and not ctx.verified
    assert all(c.skipped and c.skipped.startswith("checks not run: no sandbox (bwrap is not installed")
               for c in ctx.checks)
    tester = [e for e in events if e["agent"] == "tester" and e["type"] == "agent"][-1]
    assert "checks not run: no sandbox" in tester["message"]
