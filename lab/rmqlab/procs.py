"""Starting and stopping the lab's JVMs, confined to loopback.

RocketMQ binds some listeners (the HA port, every 4.x listener) to all interfaces and has no option
to change that. So when the host allows it (root, util-linux ``unshare``/``nsenter``) every lab JVM
runs inside one private network namespace that holds only ``lo``: nothing in the lab can be reached
from, or reach, anything but 127.0.0.1. Without it the lab falls back to the host network and sets
``bindAddress=127.0.0.1`` where the version supports it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LabError

# Small heaps: the lab machine has 2 cores and others run tests beside it.
SERVER_JVM_OPTS = (
    "-Xms48m", "-Xmx192m", "-Xss512k", "-XX:MaxDirectMemorySize=128m", "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Djava.net.preferIPv4Stack=true",
)
CLIENT_JVM_OPTS = ("-Xms32m", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData")
# 4.x reaches into NIO internals (DirectBuffer cleaners, mmap attachments); Java 17 needs them opened.
JAVA17_OPENS = tuple(
    f"--add-opens=java.base/{pkg}=ALL-UNNAMED"
    for pkg in ("java.nio", "sun.nio.ch", "java.lang", "java.lang.reflect", "java.util",
                "java.util.concurrent", "jdk.internal.misc", "jdk.internal.ref", "java.io", "java.net")
)


class NetNamespace:
    """A private network namespace held open by a ``sleep`` process; JVMs join it via nsenter."""

    def __init__(self) -> None:
        self.holder: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("nsenter") and shutil.which("ip")):
            return False
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
        return probe.returncode == 0

    def start(self) -> None:
        self.holder = subprocess.Popen(
            ["unshare", "-n", "--", "sh", "-c", "ip link set lo up && exec sleep 2147483647"],
            start_new_session=True,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            ns = Path(f"/proc/{self.holder.pid}/ns/net")
            if ns.exists() and self.holder.poll() is None:
                try:
                    if os.readlink(ns) != os.readlink("/proc/self/ns/net") and self._lo_up():
                        return
                except OSError:
                    pass
            if self.holder.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise LabError("could not create a private network namespace for the lab (try --no-netns)")

    def _lo_up(self) -> bool:
        out = subprocess.run([*self.prefix(), "ip", "-o", "link", "show", "lo"], capture_output=True,
                             text=True, check=False).stdout
        return "UP" in out

    def prefix(self) -> list[str]:
        assert self.holder is not None
        return ["nsenter", f"--net=/proc/{self.holder.pid}/ns/net", "--"]

    def stop(self) -> None:
        if self.holder is not None and self.holder.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.holder.pid, signal.SIGKILL)
            self.holder.wait(timeout=5)
        self.holder = None


def port_free(port: int) -> bool:
    """True when nothing on this network namespace listens on 127.0.0.1:port or *:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def check_ports_free(ports: list[int]) -> None:
    for port in ports:
        if not port_free(port):
            raise LabError(f"port {port} is in use on this host; stop what uses it or pick another --base-port")


def wait_port(prefix: list[str], port: int, timeout: float, proc: JavaProc) -> None:
    """Waits until something accepts on 127.0.0.1:port (inside the lab's namespace when there is one)."""
    probe = (
        "import socket,sys\n"
        "s=socket.socket();s.settimeout(0.5)\n"
        f"sys.exit(0 if s.connect_ex(('127.0.0.1',{port}))==0 else 1)\n"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen is not None and proc.popen.poll() is not None:
            raise LabError(f"{proc.name} exited with code {proc.popen.returncode} before listening on {port}; "
                           f"see {proc.console}")
        if prefix:
            rc = subprocess.run([*prefix, "python3", "-c", probe], capture_output=True, check=False).returncode
        else:
            with socket.socket() as s:
                s.settimeout(0.5)
                rc = s.connect_ex(("127.0.0.1", port))
        if rc == 0:
            return
        time.sleep(0.5)
    raise LabError(f"{proc.name} did not listen on 127.0.0.1:{port} within {timeout:.0f}s; see {proc.console}")


@dataclass
class JavaProc:
    """One lab JVM. ``home`` becomes its user.home, so its logs land in home/logs/rocketmqlogs."""

    name: str
    main_class: str
    args: list[str]
    home: Path
    classpath: str
    sysprops: dict[str, str]
    major: int
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def console(self) -> Path:
        return self.home / f"console-{self.starts}.out"

    def command(self, prefix: list[str]) -> list[str]:
        props = [f"-D{k}={v}" for k, v in {**self.sysprops, "user.home": str(self.home)}.items()]
        return [*prefix, "java", *SERVER_JVM_OPTS, *JAVA17_OPENS, *props, "-cp", self.classpath,
                self.main_class, *self.args]

    def start(self, prefix: list[str]) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with open(self.console, "wb") as out:
            self.popen = subprocess.Popen(
                self.command(prefix), stdout=out, stderr=subprocess.STDOUT, cwd=self.home,
                env={**os.environ, **self.env}, start_new_session=True,
            )

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self) -> None:
        """kill -9 of the JVM itself: no shutdown hook runs, so the store keeps its abort file."""
        if self.alive():
            assert self.popen is not None
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 40.0) -> bool:
        """SIGTERM → RocketMQ's shutdown hook (clean shutdown, abort file removed); -9 after ``timeout``.

        Returns True when the process ended by itself after SIGTERM.
        """
        if not self.alive():
            return True
        assert self.popen is not None
        os.kill(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
            return False


@contextlib.contextmanager
def reaped(procs: list[JavaProc], netns: NetNamespace | None) -> Iterator[None]:
    """Guarantees that every JVM of the lab (and the namespace holder) is gone when the block exits."""
    try:
        yield
    finally:
        for p in procs:
            if p.alive():
                assert p.popen is not None
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.popen.pid, signal.SIGKILL)
                with contextlib.suppress(Exception):
                    p.popen.wait(timeout=10)
        if netns is not None:
            netns.stop()
