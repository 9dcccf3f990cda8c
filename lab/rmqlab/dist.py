"""Getting a runnable RocketMQ of one version: jars from Maven Central, a ROCKETMQ_HOME, the client.

There is no distribution zip: the server artifacts and their dependencies are copied by
``mvn dependency:copy-dependencies`` from a generated pom into ``lab/cache/<version>/lib`` and the
processes are started with ``java -cp lib/*`` directly. The cache is reused when it is complete.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import logback4
from .errors import LabError

LAB_DIR = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("RMQLAB_CACHE", LAB_DIR / "cache"))
JAVA_SRC = LAB_DIR / "java" / "src" / "rmqlab" / "LabClient.java"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
ARTIFACTS = ("rocketmq-namesrv", "rocketmq-broker", "rocketmq-client", "rocketmq-tools")

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>rmqlab</groupId><artifactId>rmqlab-deps-{version}</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{deps}
  </dependencies>
</project>
"""


@dataclass(frozen=True)
class Dist:
    """A resolved RocketMQ version: where its jars, its ROCKETMQ_HOME and the compiled client are."""

    version: str
    lib: Path
    home: Path
    classes: Path

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def mapped_file_key_prefix(self) -> str:
        """``maped`` for 4.4.0-era stores (``mapedFileSizeCommitLog``), ``mapped`` for later ones.

        Read from the store jar itself: a misspelt key is silently ignored by the broker, which
        would then preallocate 1 GiB commitlog files.
        """
        jar = self.lib / f"rocketmq-store-{self.version}.jar"
        with zipfile.ZipFile(jar) as zf:
            cls = zf.read("org/apache/rocketmq/store/config/MessageStoreConfig.class")
        return "maped" if b"setMapedFileSizeCommitLog" in cls else "mapped"

    @property
    def classpath(self) -> str:
        return f"{self.lib}/*"

    @property
    def client_classpath(self) -> str:
        return f"{self.classes}:{self.lib}/*"


def require_tools(*names: str) -> None:
    """Fails with one line when java/javac/mvn is missing, before anything is started."""
    for name in names:
        if shutil.which(name) is None:
            raise LabError(f"'{name}' not found on PATH: the lab needs Java 17 (java, javac) and Maven (mvn)")


def _resolve_jars(version: str, root: Path) -> Path:
    lib = root / "lib"
    marker = root / "lib.complete"
    if marker.exists() and lib.is_dir():
        return lib
    require_tools("mvn")
    root.mkdir(parents=True, exist_ok=True)
    deps = "\n".join(
        f"    <dependency><groupId>org.apache.rocketmq</groupId><artifactId>{a}</artifactId>"
        f"<version>{version}</version></dependency>"
        for a in ARTIFACTS
    )
    (root / "pom.xml").write_text(_POM.format(version=version, deps=deps))
    if lib.exists():
        shutil.rmtree(lib)
    cmd = ["mvn", "-q", "-B", "-Dstyle.color=never", "-f", str(root / "pom.xml"), "dependency:copy-dependencies",
           f"-DoutputDirectory={lib}"]
    last: list[str] = []
    for _attempt in range(2):  # Maven Central fails transiently now and then: retry once
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            break
        last = (proc.stdout + proc.stderr).strip().splitlines()
    else:
        last = [_ANSI.sub("", ln) for ln in last]
        reason = next((ln for ln in last if "ERROR" in ln), last[-1] if last else "no output")
        raise LabError(f"mvn could not resolve RocketMQ {version}: {reason.strip()[:300]}")
    marker.write_text("ok\n")
    return lib


def _write_if_changed(path: Path, data: bytes) -> None:
    """Never touches an unchanged file: 5.x brokers rescan their logback file every 30 s, and in the
    lab a rewritten (even identical) config made running 5.3.3 brokers stop logging altogether."""
    if path.exists() and path.read_bytes() == data:
        return
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _prepare_home(version: str, lib: Path, home: Path) -> None:
    """ROCKETMQ_HOME/conf: 5.x logback files extracted from the jars, 4.x files written from the catalogue."""
    conf = home / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    if int(version.split(".")[0]) >= 5:
        for kind in ("broker", "namesrv", "tools", "client"):
            jar = lib / f"rocketmq-{kind}-{version}.jar"
            name = f"rmq.{kind}.logback.xml"
            with zipfile.ZipFile(jar) as zf:
                if name in zf.namelist():
                    _write_if_changed(conf / name, zf.read(name))
    else:
        staging = home / "conf.new"
        logback4.write_conf(staging, version)
        for f in staging.iterdir():
            _write_if_changed(conf / f.name, f.read_bytes())
        shutil.rmtree(staging)


def _compile_client(lib: Path, classes: Path) -> None:
    stamp = classes / "LabClient.stamp"
    src_mtime = str(JAVA_SRC.stat().st_mtime_ns)
    if stamp.exists() and stamp.read_text() == src_mtime:
        return
    require_tools("javac")
    if classes.exists():
        shutil.rmtree(classes)
    classes.mkdir(parents=True)
    proc = subprocess.run(
        ["javac", "-nowarn", "-encoding", "UTF-8", "-d", str(classes), "-cp", f"{lib}/*", str(JAVA_SRC)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        first = (proc.stderr or proc.stdout).strip().splitlines()
        raise LabError(f"javac failed for the lab client: {first[0] if first else 'no output'}")
    stamp.write_text(src_mtime)


def prepare(version: str, cache_dir: Path | None = None) -> Dist:
    """Resolves, configures and compiles everything version ``version`` needs; idempotent."""
    require_tools("java")
    root = (cache_dir or CACHE_DIR) / version
    lib = _resolve_jars(version, root)
    home = root / "home"
    _prepare_home(version, lib, home)
    classes = root / "classes"
    _compile_client(lib, classes)
    return Dist(version=version, lib=lib, home=home, classes=classes)
