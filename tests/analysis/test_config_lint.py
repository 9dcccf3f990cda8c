"""Config lint: the 2m-2s-sync guide's four files, Java Properties semantics, version rules, set checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmqinspect.analysis.config_lint import convert, lint
from rmqinspect.data import available_versions, known_keys
from rmqinspect.errors import UnusableInputError
from rmqinspect.parsers.properties import parse_properties_text, read_properties

# shared/ sits beside the repository (CI lays a copy there too)
REF = Path(__file__).resolve().parents[3] / "shared" / "reference" / "2m-2s-sync"

# broker-a.properties from the cluster-setup guide §3.3.8 (Chinese comments kept: they matter for the
# ISO-8859-1 reading and for line numbers). The other three differ in name/id/port/role/flush only.
GUIDE_A = """#所属集群名字
brokerClusterName=rocketmq-cluster
#broker名字，注意此处不同的配置文件填写的不一样
brokerName=broker-a
#0 表示 Master，>0 表示 Slave
brokerId=0
#nameServer地址，分号分割
namesrvAddr=rocketmq-nameserver1:9876;rocketmq-nameserver2:9876
#在发送消息时，自动创建服务器不存在的topic，默认创建的队列数
defaultTopicQueueNums=4
#是否允许 Broker 自动创建Topic，建议线下开启，线上关闭
autoCreateTopicEnable=true
#是否允许 Broker 自动创建订阅组，建议线下开启，线上关闭
autoCreateSubscriptionGroup=true
#Broker 对外服务的监听端口
listenPort=10911
#删除文件时间点，默认凌晨 4点
deleteWhen=04
#文件保留时间，默认 48 小时
fileReservedTime=120
#commitLog每个文件的大小默认1G
mapedFileSizeCommitLog=1073741824
#ConsumeQueue每个文件默认存30W条，根据业务情况调整
mapedFileSizeConsumeQueue=300000
#destroyMapedFileIntervalForcibly=120000
#redeleteHangedFileInterval=120000
#检测物理文件磁盘空间
diskMaxUsedSpaceRatio=88
#存储路径
storePathRootDir=/usr/local/rocketmq/store
#commitLog 存储路径
storePathCommitLog=/usr/local/rocketmq/store/commitlog
#消费队列存储路径存储路径
storePathConsumeQueue=/usr/local/rocketmq/store/consumequeue
#消息索引存储路径
storePathIndex=/usr/local/rocketmq/store/index
#checkpoint 文件存储路径
storeCheckpoint=/usr/local/rocketmq/store/checkpoint
#abort 文件存储路径
abortFile=/usr/local/rocketmq/store/abort
#限制的消息大小
maxMessageSize=65536
#flushCommitLogLeastPages=4
#flushConsumeQueueLeastPages=2
#flushCommitLogThoroughInterval=10000
#flushConsumeQueueThoroughInterval=60000
#Broker 的角色
#- ASYNC_MASTER 异步复制Master
#- SYNC_MASTER 同步双写Master
#- SLAVE
brokerRole=SYNC_MASTER
#刷盘方式
#- ASYNC_FLUSH 异步刷盘
#- SYNC_FLUSH 同步刷盘
flushDiskType=SYNC_FLUSH
#checkTransactionMessageEnable=false
#发消息线程池数量
#sendMessageThreadPoolNums=128
#拉消息线程池数量
#pullMessageThreadPoolNums=128
"""


def guide_file(name: str) -> str:
    text = GUIDE_A
    if name.startswith("broker-b"):
        text = text.replace("brokerName=broker-a", "brokerName=broker-b")
    if name.endswith("-s"):
        text = (text.replace("brokerId=0", "brokerId=1").replace("listenPort=10911", "listenPort=11011")
                .replace("brokerRole=SYNC_MASTER", "brokerRole=SLAVE").replace("flushDiskType=SYNC_FLUSH", "flushDiskType=ASYNC_FLUSH"))
    return text


NAMES = ("broker-a", "broker-b-s", "broker-b", "broker-a-s")


@pytest.fixture
def guide_dir(tmp_path: Path) -> Path:
    for n in NAMES:
        (tmp_path / f"{n}.properties").write_bytes(guide_file(n).encode("utf-8"))
    return tmp_path


def guide_set(d: Path) -> list:
    """The guide's hosts: 192.168.25.135 runs broker-a + broker-b-s, .138 runs broker-b + broker-a-s."""
    hosts = {"broker-a": "h135", "broker-b-s": "h135", "broker-b": "h138", "broker-a-s": "h138"}
    return [(hosts[n], read_properties(d / f"{n}.properties")) for n in NAMES]


@pytest.mark.skipif(not REF.is_dir(), reason="shared reference files not mounted")
@pytest.mark.parametrize("name", NAMES)
def test_reproduction_is_byte_identical_to_the_guide_files(name: str) -> None:
    assert (REF / f"{name}.properties").read_text("utf-8") == guide_file(name)


def test_guide_yields_shared_store_path_clash_on_each_host(guide_dir: Path) -> None:
    _, fs = lint(guide_set(guide_dir), (4, 4, 0))
    clash = [f for f in fs if f.check == "config.shared_store_path"]
    assert {(Path(f.file).name, f.severity, f.offset) for f in clash} == {
        (f"{n}.properties", "error", 30) for n in NAMES}  # line 30: storePathRootDir=
    assert any("host h135" in f.detail and "broker-b#1" in f.detail for f in clash)
    assert any("host h138" in f.detail and "broker-a#1" in f.detail for f in clash)
    assert not [f for f in fs if f.check == "config.port_clash"]  # 10911/10912/10909 vs 11011/11012/11009


def test_guide_ignored_keys_at_their_lines(guide_dir: Path) -> None:
    _, fs = lint(guide_set(guide_dir), (4, 4, 0))
    ignored = {(Path(f.file).name, f.offset, f.detail.split()[0]) for f in fs if f.check == "config.ignored_key"}
    for n in NAMES:
        for line, key in ((34, "storePathConsumeQueue"), (36, "storePathIndex"), (38, "storeCheckpoint"), (40, "abortFile")):
            assert (f"{n}.properties", line, key) in ignored


def test_guide_on_4_4_0_honours_maped_keys_and_reports_cq_bytes(guide_dir: Path) -> None:
    brokers, fs = lint(guide_set(guide_dir), (4, 4, 0))
    assert not [f for f in fs if f.check in ("config.renamed_key", "config.unknown_key")]
    cq = [f for f in fs if f.check == "config.cq_file_size"]
    assert len(cq) == 4 and all("15000 entries per file" in f.detail for f in cq)
    assert brokers[0].effective["mapedFileSizeConsumeQueue"] == 300000


def test_guide_on_4_9_7_flags_the_4_5_2_rename(guide_dir: Path) -> None:
    _, fs = lint(guide_set(guide_dir), (4, 9, 7))
    ren = [f for f in fs if f.check == "config.renamed_key"]
    assert len(ren) == 8
    cq = [f for f in ren if f.offset == 24]
    assert all(f.severity == "warning" and "mappedFileSizeConsumeQueue=6000000, not 300000" in f.detail for f in cq)
    cl = [f for f in ren if f.offset == 22]  # same value as the default: harmless
    assert all(f.severity == "info" for f in cl)


def test_guide_topology_ports_and_roles(guide_dir: Path) -> None:
    brokers, fs = lint(guide_set(guide_dir), (4, 4, 0))
    got = {(b.host, b.name, b.broker_id, b.role, b.listen_port, b.ha_port, b.fast_port) for b in brokers}
    assert got == {
        ("h135", "broker-a", 0, "SYNC_MASTER", 10911, 10912, 10909),
        ("h135", "broker-b", 1, "SLAVE", 11011, 11012, 11009),
        ("h138", "broker-b", 0, "SYNC_MASTER", 10911, 10912, 10909),
        ("h138", "broker-a", 1, "SLAVE", 11011, 11012, 11009),
    }
    assert not [f for f in fs if f.check in ("config.two_masters", "config.sync_master_without_slave", "config.pair_mismatch")]


def test_sync_master_alone_is_flagged(guide_dir: Path) -> None:
    _, fs = lint([("h", read_properties(guide_dir / "broker-a.properties"))], (4, 9, 7))
    assert [f.offset for f in fs if f.check == "config.sync_master_without_slave"] == [51]


def test_two_masters_and_split_cluster() -> None:
    a = parse_properties_text("brokerName=x\nbrokerRole=ASYNC_MASTER\nbrokerClusterName=c1\n", "a")
    b = parse_properties_text("brokerName=x\nbrokerRole=SYNC_MASTER\nbrokerClusterName=c2\nbrokerId=3\n", "b")
    _, fs = lint([(None, a), (None, b)], (5, 3, 3))
    checks = {(f.check, f.file) for f in fs}
    assert ("config.two_masters", "a") in checks and ("config.two_masters", "b") in checks
    assert ("config.pair_mismatch", "a") in checks
    assert any(f.check == "config.broker_id_role" and "forces brokerId 0" in f.detail for f in fs)


def test_slave_with_id_zero_cannot_start() -> None:
    p = parse_properties_text("brokerName=x\nbrokerRole=SLAVE\n", "s")
    _, fs = lint([(None, p)], (4, 9, 7))
    assert any(f.check == "config.broker_id_role" and f.severity == "error" for f in fs)


def test_port_clash_via_fast_port_on_one_host() -> None:
    a = parse_properties_text("brokerName=a\nlistenPort=10911\nstorePathRootDir=/s/a\n", "a")
    b = parse_properties_text("brokerName=b\nlistenPort=10913\nstorePathRootDir=/s/b\n", "b")  # fast = 10911
    _, fs = lint([("h", a), ("h", b)], (4, 9, 7))
    clash = [f for f in fs if f.check == "config.port_clash"]
    assert len(clash) == 1 and "listenPort 10911" in clash[0].detail and "fast remoting port" in clash[0].detail


def test_ha_port_version_rules() -> None:
    p = parse_properties_text("brokerName=a\nlistenPort=20911\nhaListenPort=30000\n", "p")
    (old,), fs_old = lint([(None, p)], (4, 9, 7))
    (new,), _ = lint([(None, p)], (5, 3, 3))
    assert old.ha_port == 20912 and any("overwritten with listenPort+1" in f.detail for f in fs_old)
    assert new.ha_port == 30000


def test_trailing_blank_makes_int_unparseable_and_default_stays() -> None:
    p = parse_properties_text("brokerName=a\nlistenPort=10921 \n", "p")
    (b,), fs = lint([(None, p)], (4, 9, 7))
    assert b.listen_port == 10911
    bad = [f for f in fs if f.check == "config.bad_value"]
    assert bad and bad[0].offset == 2 and "trailing white space" in bad[0].detail


def test_bad_enum_and_boolean() -> None:
    p = parse_properties_text("brokerName=a\nbrokerRole=sync_master\nautoCreateTopicEnable=yes\n", "p")
    (b,), fs = lint([(None, p)], (4, 9, 7))
    assert b.role == "ASYNC_MASTER"
    assert any(f.severity == "error" and "valueOf is exact" in f.detail for f in fs)
    assert any(f.severity == "warning" and "parseBoolean" in f.detail for f in fs)


def test_cq_size_not_multiple_of_20_and_clamped_ratio() -> None:
    p = parse_properties_text("brokerName=a\nmappedFileSizeConsumeQueue=1000010\ndiskMaxUsedSpaceRatio=99\n", "p")
    _, fs = lint([(None, p)], (5, 3, 3))
    assert any("rounds it up to 1000020" in f.detail for f in fs)
    assert any("clamped to 95" in f.detail for f in fs)


def test_4x_root_without_commitlog_path_leaves_commitlog_in_home() -> None:
    p = parse_properties_text("brokerName=a\nstorePathRootDir=/data/a\n", "p")
    (old,), fs = lint([(None, p)], (4, 4, 0))
    (new,), _ = lint([(None, p)], (4, 9, 7))
    assert old.commitlog_dirs == ("${user.home}/store/commitlog",)
    assert any(f.check == "config.commitlog_path" for f in fs)
    assert new.commitlog_dirs == ("/data/a/commitlog",)


def test_unknown_key_suggestion_and_duplicates() -> None:
    p = parse_properties_text("brokerName=a\nlistenPrt=1\nbrokerName=b\ncheckTransactionMessageEnable=true\n", "p")
    (b,), fs = lint([(None, p)], (5, 3, 3))
    assert b.name == "b"
    assert any(f.check == "config.unknown_key" and "did you mean listenPort" in f.detail for f in fs)
    assert any(f.check == "config.duplicate_key" and f.offset == 1 for f in fs)
    assert any("transactionCheckInterval" in f.detail for f in fs)


def test_namesrv_addr_malformed_is_error() -> None:
    p = parse_properties_text("brokerName=a\nnamesrvAddr=127.0.0.1:9876;;nohost\n", "p")
    _, fs = lint([(None, p)], (5, 3, 3))
    assert sum(f.check == "config.bad_value" and f.severity == "error" for f in fs) == 2


def test_java_properties_syntax() -> None:
    text = "  # c\n! c\nk1 = v1  \nk2:v2\nk3 v3\nk4=a\\\n   b\nk\\=5=x\nk6=\\u0041\\t\r\nk7\n"
    got = {e.key: (e.value, e.line_no) for e in parse_properties_text(text).entries}
    assert got == {"k1": ("v1  ", 3), "k2": ("v2", 4), "k3": ("v3", 5), "k4": ("ab", 6),
                   "k=5": ("x", 8), "k6": ("A\t", 9), "k7": ("", 10)}


def test_bom_is_part_of_first_key(tmp_path: Path) -> None:
    f = tmp_path / "b.properties"
    f.write_bytes(b"\xef\xbb\xbfbrokerName=a\n")
    (b,), fs = lint([(None, read_properties(f))], (5, 3, 3))
    assert b.name is None and any("byte-order mark" in x.detail for x in fs)


def test_unreadable_inputs_raise_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError):
        read_properties(tmp_path)
    with pytest.raises(UnusableInputError):
        read_properties(tmp_path / "missing.properties")
    (tmp_path / "bin").write_bytes(b"\x00\x01")
    with pytest.raises(UnusableInputError):
        read_properties(tmp_path / "bin")


def test_known_keys_data_matches_spec_facts() -> None:
    assert (4, 4, 0) in available_versions() and (5, 3, 3) in available_versions()
    k440, k452, k533 = known_keys((4, 4, 0)), known_keys((4, 5, 2)), known_keys((5, 3, 3))
    assert "mapedFileSizeCommitLog" in k440.keys and "mappedFileSizeCommitLog" not in k440.keys
    assert "mappedFileSizeCommitLog" in k452.keys and "mapedFileSizeCommitLog" not in k452.keys
    for k in ("storePathConsumeQueue", "storePathIndex", "storeCheckpoint", "abortFile", "checkTransactionMessageEnable"):
        assert k not in k440.keys and k not in k533.keys
    assert k533.keys["maxMessageSize"]["default"] == 4194304
    assert known_keys((4, 7, 1)).version == (4, 5, 2)  # nearest generated release not newer


def test_convert_int_range() -> None:
    assert convert("2147483648", ["int"], {})[0] is False
    assert convert("-5", ["int"], {}) == (True, -5, "")


def _runs() -> list[Path]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from conftest import sample_run_dirs

    return sample_run_dirs()


@pytest.mark.parametrize("run_dir", _runs(), ids=lambda p: p.name)
def test_edited_file_differs_from_what_the_broker_booted_with(run_dir: Path, tmp_path: Path) -> None:
    """A copy of a lab broker's real .properties with one value edited: the broker's boot-time config dump
    (its broker.log) still says the old value, at the edited line."""
    from rmqinspect.analysis.config_lint import compare_with_logs

    src = (run_dir / "broker-a" / "broker.properties").read_text("latin-1")
    assert "defaultTopicQueueNums=4" in src
    f = tmp_path / "broker.properties"
    f.write_text(src.replace("defaultTopicQueueNums=4", "defaultTopicQueueNums=16"), "latin-1")
    version = tuple(int(x) for x in run_dir.name.removeprefix("rmq-").split("."))
    logs = str(run_dir / "broker-a" / "logs" / "rocketmqlogs")
    brokers, _ = lint([(None, read_properties(f))], version)
    fs = compare_with_logs(brokers, [logs])
    line = 1 + src.splitlines().index("defaultTopicQueueNums=4")
    assert [(x.check, x.offset) for x in fs] == [("config.boot_differs", line)]
    assert "defaultTopicQueueNums=16" in fs[0].detail and "defaultTopicQueueNums=4" in fs[0].detail
    brokers, _ = lint([(None, read_properties(run_dir / "broker-a" / "broker.properties"))], version)
    assert compare_with_logs(brokers, [logs]) == []  # the real file is what it booted with


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_KEY = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._", min_size=1, max_size=30)
# a value may not start with a separator (Java would take it as the separator after a blank one)
_VAL = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="\\"), max_size=40).filter(
    lambda v: v[:1] not in ("=", ":"))


@given(st.dictionaries(_KEY, _VAL, max_size=12), st.sampled_from(["=", ":", " = ", " "]), st.booleans())
def test_properties_round_trip(d: dict[str, str], sep: str, crlf: bool) -> None:
    """Whatever plain key/value pairs are written with any separator and line ending, parsing gives them back,
    with 1-based line numbers that skip comment lines."""
    nl = "\r\n" if crlf else "\n"
    text = "# header" + nl + nl.join(f"{k}{sep}{v}" for k, v in d.items()) + nl
    pf = parse_properties_text(text)
    assert pf.values == d
    assert [e.line_no for e in pf.entries] == list(range(2, 2 + len(d)))
