"""A throwaway single-node Kafka 4.x broker (KRaft) on loopback, jars fetched from Maven Central."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ._proc import (
    LOOPBACK,
    InfraError,
    free_port,
    pid_alive,
    port_open,
    read_pid,
    signal_group,
    tail,
    terminate,
    wait_until,
)

DEFAULT_KAFKA_VERSION = "4.4.0"
JVM_OPTS = ["-Xms128m", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true"]

LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
"""


def kafka_version() -> str:
    """Kafka version to run: $STREETLEVEL_KAFKA_VERSION or the pinned default."""
    return os.environ.get("STREETLEVEL_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION


def cache_dir(version: str) -> Path:
    """Per-version cache outside the repo, so later runs skip Maven entirely."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "streetlevel" / f"kafka-{version}"


def find_pom() -> Path:
    """scripts/kafka/pom.xml of this checkout (or $STREETLEVEL_KAFKA_POM)."""
    env = os.environ.get("STREETLEVEL_KAFKA_POM")
    here = Path(__file__).resolve()
    candidates = [Path(env)] if env else []
    candidates += [p / "scripts" / "kafka" / "pom.xml" for p in [*here.parents, Path.cwd()]]
    for cand in candidates:
        if cand.is_file():
            return cand
    raise InfraError("scripts/kafka/pom.xml not found; set STREETLEVEL_KAFKA_POM")


def require_tool(name: str, why: str) -> str:
    """Path of an executable on PATH, or a clear error."""
    path = shutil.which(name)
    if not path:
        raise InfraError(f"`{name}` not found on PATH: {why}")
    return path


def ensure_libs(version: str | None = None) -> Path:
    """Directory holding the broker's jars; fetched once with Maven, then reused."""
    version = version or kafka_version()
    root = cache_dir(version)
    libs, marker = root / "libs", root / ".complete"
    if marker.exists() and (libs / f"kafka_2.13-{version}.jar").exists():
        return libs
    mvn = require_tool("mvn", "Maven fetches the Kafka broker jars (apt-get install maven)")
    broker_java_check()
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        # Another session may be fetching the same version right now; wait for it.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return libs
        partial = root / "libs.partial"
        shutil.rmtree(partial, ignore_errors=True)
        print(f"fetching Kafka {version} jars with Maven (first run only)...", file=sys.stderr)
        cmd = [mvn, "-q", "-B", "-f", str(find_pom()), f"-Dkafka.version={version}"]
        cmd += ["dependency:copy-dependencies", "-DincludeScope=runtime"]
        res = subprocess.run(
            [*cmd, f"-DoutputDirectory={partial}"], capture_output=True, text=True, check=False
        )
        if res.returncode != 0 or not (partial / f"kafka_2.13-{version}.jar").exists():
            raise InfraError(
                f"Maven could not fetch org.apache.kafka:kafka_2.13:{version}:\n"
                f"{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
            )
        shutil.rmtree(libs, ignore_errors=True)
        partial.rename(libs)
        marker.write_text(version + "\n")
    return libs


def broker_java_check() -> str:
    """Path of java, or a clear error (the broker needs Java 17+)."""
    return require_tool("java", "the Kafka broker needs Java 17+ (apt-get install openjdk-17-jre)")


def new_cluster_id() -> str:
    """Random Kafka cluster id: 16 bytes, unpadded url-safe base64, never starting with '-'."""
    while True:
        # A leading '-' would be parsed as an option by kafka-storage (Kafka's Uuid avoids it too).
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = b""
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return buf


def metadata_broker_count(host: str, port: int, timeout: float = 2.0) -> int:
    """Brokers listed in a Metadata v4 response (v4 is the oldest Kafka 4 still serves)."""
    client_id = b"streetlevel-probe"
    header = struct.pack(">hhih", 3, 4, 7, len(client_id)) + client_id
    body = struct.pack(">ib", 0, 0)  # no topics, no auto-creation
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(header + body)) + header + body)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        resp = _recv_exact(sock, size)
    correlation, _throttle, brokers = struct.unpack(">iii", resp[:12])
    if correlation != 7:
        raise ConnectionError("unexpected correlation id from broker")
    return int(brokers)


def broker_ready(host: str, port: int, timeout: float = 2.0) -> bool:
    """Whether the broker answers metadata and lists itself (it is unfenced)."""
    try:
        return metadata_broker_count(host, port, timeout) > 0
    except (OSError, struct.error):
        return False


@dataclass
class KafkaBroker:
    """A combined broker+controller node in base_dir; restarts keep ports, cluster id and data."""

    base_dir: Path
    port: int
    controller_port: int
    version: str
    libs_dir: Path | None = None
    managed: bool = True
    host: str = LOOPBACK
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.base_dir / "server.properties"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "logs" / "server.log"

    @property
    def out_file(self) -> Path:
        return self.base_dir / "kafka.out"

    @property
    def pid(self) -> int | None:
        pid = read_pid(self.base_dir / "kafka.pid")
        return pid if pid_alive(pid) else None

    @classmethod
    def create(cls, base_dir: Path | None = None, version: str | None = None) -> KafkaBroker:
        """Fetch jars if needed, write configs and format storage in a new temp dir."""
        version = version or kafka_version()
        libs = ensure_libs(version)
        java = broker_java_check()
        base = Path(base_dir or tempfile.mkdtemp(prefix="streetlevel-kafka-"))
        (base / "logs").mkdir(parents=True, exist_ok=True)
        broker = cls(base, free_port(), free_port(), version, libs)
        broker._write_configs()
        cmd = [*broker._java(java), "kafka.tools.StorageTool", "format"]
        cmd += ["-t", new_cluster_id(), "-c", str(broker.config_file)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            shutil.rmtree(base, ignore_errors=True)
            raise InfraError(f"kafka storage format failed:\n{res.stdout}\n{res.stderr}")
        return broker

    @classmethod
    def external(cls, bootstrap: str, version: str = "unknown") -> KafkaBroker:
        """A handle on a broker someone else runs (cannot be stopped or restarted)."""
        host, _, port = bootstrap.split(",")[0].rpartition(":")
        return cls(Path("/nonexistent"), int(port), 0, version, None, False, host or LOOPBACK)

    def _write_configs(self) -> None:
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{self.host}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{self.host}:{self.port},"
            f"CONTROLLER://{self.host}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.base_dir / "data"),
            "num.partitions": "3",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            # Fewer internal partitions: the first consumer group gets a coordinator sooner.
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "5",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # A killed broker re-registers only after its old session expires (default 9 s).
            "broker.session.timeout.ms": "2000",
            "broker.heartbeat.interval.ms": "500",
            "auto.create.topics.enable": "false",  # the platform creates its topics
            "delete.topic.enable": "true",
            "num.network.threads": "2",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
        }
        text = "".join(f"{k}={v}\n" for k, v in props.items())
        self.config_file.write_text(text)
        (self.base_dir / "log4j2.properties").write_text(LOG4J2.format(log=self.log_file))

    def _java(self, java: str | None = None) -> list[str]:
        java = java or broker_java_check()
        libs = self.libs_dir or ensure_libs(self.version)
        self.libs_dir = libs
        log4j = f"-Dlog4j2.configurationFile={self.base_dir / 'log4j2.properties'}"
        return [java, *JVM_OPTS, log4j, "-cp", f"{libs}/*"]

    def _require_managed(self) -> None:
        if not self.managed:
            raise InfraError(f"Kafka at {self.bootstrap} is not managed by this run")

    def start(self, timeout: float = 90.0) -> None:
        """Launch the JVM in its own session and wait until the broker serves metadata."""
        self._require_managed()
        if self.pid:
            return
        for port in (self.port, self.controller_port):
            if port_open(port, self.host):
                raise InfraError(f"port {port} is already taken; cannot start Kafka there")
        cmd = [*self._java(), "kafka.Kafka", str(self.config_file)]
        with self.out_file.open("ab") as out:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
            )
        proc = self._proc
        (self.base_dir / "kafka.pid").write_text(f"{proc.pid}\n")
        ok = wait_until(
            lambda: proc.poll() is not None or broker_ready(self.host, self.port), timeout, 0.2
        )
        code = proc.poll()
        if not ok or code is not None:
            self.kill()
            why = f"exited with code {code}" if code is not None else f"not ready in {timeout:.0f}s"
            raise InfraError(
                f"Kafka {self.version} broker on {self.bootstrap} {why}.\n"
                f"--- {self.log_file} (tail) ---\n"
                f"{tail(self.log_file)}\n--- {self.out_file} (tail) ---\n{tail(self.out_file)}"
            )

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful shutdown (SIGTERM), escalating to SIGKILL after timeout."""
        self._require_managed()
        terminate(self._any_pid(), signal.SIGTERM, timeout)
        self._reap()
        self._wait_ports_free()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Crash the broker (default SIGKILL): no flush, no controlled shutdown."""
        self._require_managed()
        pid = self._any_pid()
        if pid:
            signal_group(pid, sig)
            if sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
                wait_until(lambda: not pid_alive(pid), 30.0)
        if sig == signal.SIGKILL:
            self._reap()
            self._wait_ports_free()

    def _wait_ports_free(self) -> None:
        ports = (self.port, self.controller_port)
        wait_until(lambda: not any(port_open(p, self.host) for p in ports), 10.0)

    def restart(self, hard: bool = False, timeout: float = 30.0) -> None:
        """Stop (or kill when hard) and start again on the same ports and data."""
        if hard:
            self.kill()
        else:
            self.stop()
        self.start(timeout=timeout)

    def destroy(self) -> None:
        """Stop and delete the broker's files."""
        if not self.managed:
            return
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def _any_pid(self) -> int | None:
        return self.pid or (self._proc.pid if self._proc and self._proc.poll() is None else None)

    def _reap(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=10)
            self._proc = None
