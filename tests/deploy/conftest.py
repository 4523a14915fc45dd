"""Offline deployment checks: the real kustomize, Kubernetes and CRD schemas, settings classes."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from streetlevel.platform.services import by_name

KUSTOMIZE_VERSION = "v5.8.1"
KUBERNETES_VERSION = "1.33.0"
SERVICES = ("registry", "commissioning", "outcomes", "notifications", "gateway")
#: The public site: hardened and configured like the services, with no database or migration.
SITE = "web"
# Platform-wide variables a service reads besides its own prefix.
PLATFORM_ENV = {"STREETLEVEL_SECRETS_DIR", "STREETLEVEL_AREAS_FILE", "STREETLEVEL_COUNTIES_FILE"}
HTTP_PORT = 8000
BUILTIN_GROUPS = {"", "apps", "batch", "policy", "autoscaling", "networking.k8s.io"}


def _repo_root() -> Path:
    for parent in Path(__file__).resolve().parents:
        if (parent / "uv.lock").exists():
            return parent
    raise RuntimeError("no uv.lock above tests/deploy")


ROOT = _repo_root()
SHARED = ROOT.parent / "shared"
CRDS = SHARED / "standards" / "k8s-crds"
COMPOSE_SCHEMA = SHARED / "standards" / "compose" / "compose-spec.json"
OVERLAYS = ROOT / "deploy" / "k8s" / "overlays"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def instructions(text: str) -> list[tuple[str, str]]:
    """A Dockerfile's (INSTRUCTION, arguments) pairs, continuations joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def kustomize_path() -> Path:
    cache_root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_root) / "streetlevel" / "bin" / f"kustomize-{KUSTOMIZE_VERSION}"


def ensure_kustomize() -> Path:
    """The pinned kustomize, built once from the Go module proxy and cached."""
    target = kustomize_path()
    if target.exists():
        return target
    go = shutil.which("go")
    if not go:
        raise RuntimeError("`go` is not on PATH: it builds kustomize from the Go module proxy")
    gobin = target.parent / f".build-{os.getpid()}"
    gobin.mkdir(parents=True, exist_ok=True)
    module = f"sigs.k8s.io/kustomize/kustomize/v5@{KUSTOMIZE_VERSION}"
    res = subprocess.run(
        [go, "install", module],
        env={**os.environ, "GOBIN": str(gobin)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if res.returncode != 0:
        raise RuntimeError(f"go install {module} failed:\n{res.stderr[-3000:]}")
    # Atomic: a concurrent session sees either no binary or a whole one.
    (gobin / "kustomize").replace(target)
    shutil.rmtree(gobin, ignore_errors=True)
    return target


def kustomize_build(kustomize: Path, directory: Path) -> list[dict[str, Any]]:
    """Render one kustomization; a failure to render is a test failure."""
    res = subprocess.run(
        [str(kustomize), "build", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if res.returncode != 0:
        pytest.fail(f"kustomize build {directory} failed:\n{res.stderr}", pytrace=False)
    return [doc for doc in yaml.safe_load_all(res.stdout) if doc]


def ident(doc: dict[str, Any]) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


#: CRDs the published standards lack, taken from their operator's pinned Go module instead:
#: (group, kind) -> (module@version, CRD file inside it).
OPERATOR_CRDS = {
    ("monitoring.coreos.com", "PrometheusRule"): (
        "github.com/prometheus-operator/prometheus-operator@v0.85.0",
        "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
    ),
    ("postgresql.cnpg.io", "ScheduledBackup"): (
        "github.com/cloudnative-pg/cloudnative-pg@v1.25.1",
        "config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml",
    ),
}


def _strict(schema: Any) -> Any:
    """An openAPIV3Schema as JSON Schema that, like the published ones, refuses unknown keys."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
        if "properties" in schema and "additionalProperties" not in schema:
            out["additionalProperties"] = False
        if schema.get("x-kubernetes-int-or-string"):
            out.pop("type", None)
            out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        return out
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


def operator_crd_schema(group: str, version: str, kind: str) -> dict[str, Any]:
    """The CRD's schema from the operator's Go module (downloaded once into the module cache)."""
    module, member = OPERATOR_CRDS[(group, kind)]
    go = shutil.which("go")
    if not go:
        raise RuntimeError(f"`go` is not on PATH: it fetches the {kind} CRD from {module}")
    res = subprocess.run(
        [go, "mod", "download", "-json", module],
        cwd=ROOT.parent,  # outside any Go module
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if res.returncode != 0:
        raise RuntimeError(f"go mod download {module} failed:\n{res.stdout}{res.stderr}")
    crd = yaml.safe_load((Path(json.loads(res.stdout)["Dir"]) / member).read_text())
    served = next(v for v in crd["spec"]["versions"] if v["name"] == version)
    schema: dict[str, Any] = _strict(served["schema"]["openAPIV3Schema"])
    # The published schemas also allow apiVersion/kind/metadata as Kubernetes objects do.
    schema["properties"]["metadata"] = {"type": "object"}
    return schema


@cache
def crd_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    """The published schema of a custom resource; None for a built-in kind."""
    group, _, version = api_version.rpartition("/")
    if group in BUILTIN_GROUPS:
        return None
    path = CRDS / group / f"{kind.lower()}_{version}.json"
    if not path.exists() and (group, kind) in OPERATOR_CRDS:
        return operator_crd_schema(group, version, kind)
    if not path.exists():
        raise AssertionError(f"no published schema for {api_version} {kind} at {path}")
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def schema_problems(doc: dict[str, Any]) -> list[str]:
    """Built-in kinds against the Kubernetes schemas (strict), custom ones against their CRD."""
    schema = crd_schema(doc["apiVersion"], doc["kind"])
    if schema is not None:
        validator = jsonschema.Draft7Validator(schema)
        return [f"{ident(doc)} {e.json_path}: {e.message}" for e in validator.iter_errors(doc)]
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        return [f"{ident(doc)} {path}: {exc.message}"]
    except kubernetes_validate.SchemaNotFoundError as exc:
        return [f"{ident(doc)}: {exc.message}"]
    return []


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc["kind"] in ("Deployment", "Job"):
        spec: dict[str, Any] = doc["spec"]["template"]["spec"]
        return spec
    return None


def hardening_problems(doc: dict[str, Any]) -> list[str]:
    """Security context, probes, limits and graceful shutdown of our Deployments and Jobs."""
    pod = _pod_spec(doc)
    labels = doc["metadata"].get("labels", {})
    if pod is None or labels.get("app.kubernetes.io/name") not in (*SERVICES, SITE):
        return []
    who = ident(doc)
    problems = []
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True:
        problems.append(f"{who}: pod securityContext.runAsNonRoot is not true")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append(f"{who}: pod seccompProfile is not RuntimeDefault")
    if pod.get("automountServiceAccountToken") is not False:
        problems.append(f"{who}: automountServiceAccountToken is not false")
    tmp_volumes = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
    for c in pod["containers"]:
        name = f"{who} container {c['name']}"
        sc = c.get("securityContext", {})
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{name}: capabilities do not drop ALL")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        if mounts.get("/tmp") not in tmp_volumes:  # noqa: S108 - the pod path, not a temp file
            problems.append(f"{name}: /tmp is not an emptyDir")
        for kind in ("requests", "limits"):
            res = c.get("resources", {}).get(kind, {})
            if not {"cpu", "memory"} <= set(res) and not (kind == "limits" and "memory" in res):
                problems.append(f"{name}: resources.{kind} lacks cpu/memory")
        if doc["kind"] != "Deployment":
            continue
        for probe, path in (
            ("startupProbe", "/livez"),
            ("readinessProbe", "/readyz"),
            ("livenessProbe", "/livez"),
        ):
            got = c.get(probe, {}).get("httpGet", {}).get("path")
            if got != path:
                problems.append(f"{name}: {probe} is not an httpGet on {path} (got {got})")
        if "preStop" not in c.get("lifecycle", {}):
            problems.append(f"{name}: no preStop hook")
        if [p.get("containerPort") for p in c.get("ports", [])] != [HTTP_PORT]:
            problems.append(f"{name}: does not expose exactly port {HTTP_PORT}")
    if doc["kind"] == "Deployment" and pod.get("terminationGracePeriodSeconds", 30) < 40:
        problems.append(f"{who}: terminationGracePeriodSeconds below 40 s")
    return problems


@cache
def settings_fields(service: str) -> frozenset[str]:
    return frozenset(by_name(service).settings.model_fields)


def env_problems(service: str, names: set[str], where: str) -> list[str]:
    """Every variable is a real settings field of this service (or a platform-wide one)."""
    prefix = f"{service.upper()}_"
    problems = []
    for name in sorted(names):
        if name in PLATFORM_ENV:
            continue
        if not name.startswith(prefix):
            problems.append(f"{where}: {name} does not carry the {prefix} prefix")
        elif name[len(prefix) :].lower() not in settings_fields(service):
            settings = by_name(service).settings.__name__
            problems.append(f"{where}: {name} is not a field of {settings}")
    return problems


@dataclass
class Workload:
    """One service's container as rendered: env names and values, the secrets it mounts."""

    service: str
    kind: str
    env: dict[str, str] = field(default_factory=dict)
    secret_files: dict[str, str] = field(default_factory=dict)
    secret_names: list[str] = field(default_factory=list)
    image: str = ""


def workloads(docs: list[dict[str, Any]]) -> list[Workload]:
    """Resolve each of our containers' environment from ConfigMaps, env and Secret files."""
    configmaps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
    found = []
    for doc in docs:
        pod = _pod_spec(doc)
        service = doc["metadata"].get("labels", {}).get("app.kubernetes.io/name")
        if pod is None or service not in (*SERVICES, SITE):
            continue
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in pod["containers"]:
            w = Workload(service, doc["kind"], image=c["image"])
            for ref in c.get("envFrom", []):
                cm = configmaps.get(ref.get("configMapRef", {}).get("name", ""))
                assert cm is not None, f"{ident(doc)} references a missing ConfigMap {ref}"
                w.env.update(cm.get("data", {}))
            w.env.update({e["name"]: e.get("value", "") for e in c.get("env", [])})
            for mount in c.get("volumeMounts", []):
                volume = volumes.get(mount["name"], {})
                sources = (
                    [{"secret": {"name": volume["secret"]["secretName"]}}]
                    if ("secret" in volume)
                    else volume.get("projected", {}).get("sources", [])
                )
                for source in sources:
                    secret = source.get("secret")
                    if secret is None:
                        continue
                    rendered = secrets.get(secret["name"])
                    if rendered is None and secret.get("items"):
                        # An operator's Secret (Strimzi's KafkaUser): only its paths are known.
                        w.secret_files.update(
                            {i["path"]: "operator-provided" for i in secret["items"]}
                        )
                        continue
                    w.secret_names.append(secret["name"])
                    if rendered is not None:
                        data = rendered.get("data", {})
                        w.secret_files.update(
                            {k: base64.b64decode(v).decode() for k, v in data.items()}
                        )
                        w.secret_files.update(rendered.get("stringData", {}))
            found.append(w)
    return found


@pytest.fixture(scope="session")
def kustomize() -> Path:
    """The real kustomize; its absence fails the deploy checks rather than skipping them."""
    try:
        return ensure_kustomize()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"cannot build kustomize {KUSTOMIZE_VERSION}: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def rendered(kustomize: Path) -> dict[str, list[dict[str, Any]]]:
    """Every overlay, rendered once per session."""
    overlays = sorted(p for p in OVERLAYS.iterdir() if (p / "kustomization.yaml").exists())
    assert [p.name for p in overlays] == ["dev", "prod"]
    return {p.name: kustomize_build(kustomize, p) for p in overlays}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No service or platform variable leaks from the test process into settings."""
    pattern = re.compile(rf"^({'|'.join(s.upper() for s in SERVICES)}|STREETLEVEL)_")
    for name in list(os.environ):
        if pattern.match(name):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture(scope="session")
def checks() -> ModuleType:
    """The check functions above, for the test modules (conftest is not importable by name)."""
    return sys.modules[__name__]


def load_service_settings(service: str) -> Any:
    """Build a service's settings from the current environment, as the service would."""
    from streetlevel.common.settings import load_settings

    return load_settings(by_name(service).settings)
