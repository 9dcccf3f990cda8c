"""RocketMQ log statements → event types, as data (log-catalogue.md §2 wordings, §3 types and fields).

One ``EventPattern`` per statement wording. ``anchors`` are literal substrings that every line of the
statement contains (they drive one Aho-Corasick prefilter over all messages); ``regex`` (Rust syntax,
applied to the message) captures the typed fields. A group named ``<field>__<n>`` is an alternative
spelling of ``<field>`` (coalesced). ``const`` adds fixed field values. ``stmt`` is the catalogue id
(``B2'`` = second wording of B2) and ``versions`` the releases that print it, so a row can always be
traced back to the source statement. Wordings checked against the lab's 4.9.7 and 5.3.3 logs are
noted in docs/log-findings.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Address forms: 4.x prints ``ip:port``; 5.0–5.1.3 ``BrokerAddrInfo [clusterName=c, brokerAddr=ip:port]``;
# 5.1.4+ ``BrokerIdentityInfo [...]`` (the nested class's toString).
_BROKER_INFO = (
    r"(?:Broker(?:Addr|Identity)Info \[clusterName=(?P<cluster>[^,\]]*), brokerAddr=(?P<broker_addr>[^\]]*)\]"
    r"|(?P<broker_addr__2>[^\s,\[\]]+))"
)
_QUEUE_DATA = (
    r"QueueData \[brokerName=(?P<broker_name>[^,\]]*), readQueueNums=(?P<read_queue_nums>\d+), "
    r"writeQueueNums=(?P<write_queue_nums>\d+), perm=(?P<perm>\d+)"
)
_NUM = r"-?\d+"
_DBL = r"-?[\d.,]+(?:E-?\d+)?|NaN|-?Infinity"

#: Upper bounds of the PAGECACHERT buckets, in order (labels as printed by StoreStatsService, 4.9.7..5.3.3).
PAGECACHERT_BUCKETS: tuple[str, ...] = (
    "<=0ms", "0~10ms", "10~50ms", "50~100ms", "100~200ms", "200~500ms", "500ms~1s",
    "1~2s", "2~3s", "3~4s", "4~5s", "5~10s", "10s~",
)  # fmt: skip

#: PERF_COUNTER_* bucket labels (ms ranges, as printed by 5.3.3 ``PerfCounter``).
PERF_COUNTER_BUCKETS: tuple[str, ...] = (
    "0_1",
    "2_5",
    "6_10",
    "11_50",
    "51_100",
    "101_500",
    "501_999",
    "1000_",
)
#: PerfCounter prints this ``max`` when no sample was above ``min`` in a window (seen in the 5.3.3 lab).
PERF_COUNTER_NO_MAX = 99999999

#: watermark SlowTimeMills above this is "busy" (default waitTimeMillsInSendQueue = 200 ms).
BUSY_SLOW_MS = 200


@dataclass(frozen=True, slots=True)
class EventPattern:
    type: str
    stmt: str
    anchors: tuple[str, ...]
    regex: str
    versions: str = ""
    const: dict[str, Any] = field(default_factory=dict)
    #: a different type when the record comes from a file whose name starts with the key
    type_by_file: dict[str, str] = field(default_factory=dict)


def _p(
    type_: str, stmt: str, anchors: str | tuple[str, ...], regex: str, versions: str = "", **const: Any
) -> EventPattern:
    return EventPattern(
        type_, stmt, (anchors,) if isinstance(anchors, str) else anchors, regex, versions, const
    )


PATTERNS: tuple[EventPattern, ...] = (
    # --- NameServer / broker lifecycle (§2a, §2b) ---------------------------------------------------
    _p(
        "namesrv_boot",
        "N1",
        "The Name Server boot success",
        r"^The Name Server boot success\. serializeType=(?P<serialize_type>\w+)(?:, address (?P<bind_addr>.*):(?P<port>\d+))?",
        "4.4.0..HEAD (address from 5.1.0)",
    ),
    _p(
        "broker_boot",
        "B1",
        "] boot success. serializeType=",
        r"^The broker\[(?P<broker_name>[^,\]]*), (?P<broker_addr>[^\]]*)\] boot success\. serializeType=(?P<serialize_type>\w+)"
        r"(?: and name server is (?P<namesrv_list>\S*))?",
        "4.4.0..HEAD",
    ),
    EventPattern(
        "broker_shutdown",
        "B10",
        ("Shutdown hook was invoked, ",),
        r"^Shutdown hook was invoked, (?P<count>\d+)",
        "4.4.0..HEAD",
        {"phase": "invoked"},
        {"namesrv": "namesrv_shutdown"},
    ),
    EventPattern(
        "broker_shutdown",
        "B10",
        ("Shutdown hook over, consuming total time(ms): ",),
        r"consuming total time\(ms\): (?P<shutdown_ms>\d+)",
        "4.4.0..HEAD",
        {"phase": "over"},
        {"namesrv": "namesrv_shutdown"},
    ),
    _p(
        "broker_shutdown",
        "B7",
        "unregisterBroker OK, NamesrvAddr: ",
        r"^unregisterBroker OK, NamesrvAddr: (?P<namesrv_addr>\S+)",
        "4.4.0..HEAD",
        phase="unregister",
    ),
    EventPattern(
        "namesrv_shutdown",
        "N20",
        ("shutdown hook was invoked, ",),
        r"^shutdown hook was invoked, (?P<count>\d+) times",
        "4.x; 5.x ShutdownHookThread",
        {"phase": "invoked"},
        {"broker": "broker_shutdown"},
    ),
    EventPattern(
        "namesrv_shutdown",
        "N20",
        ("shutdown hook done, consuming time total(ms): ",),
        r"total\(ms\): (?P<shutdown_ms>\d+)",
        "4.x; 5.x ShutdownHookThread",
        {"phase": "over"},
        {"broker": "broker_shutdown"},
    ),
    # --- registrations (namesrv view) -----------------------------------------------------------------
    _p(
        "broker_registered",
        "N3",
        "new broker registered, ",
        rf"^new broker registered, {_BROKER_INFO},? HA(?:Server|Service): (?P<ha_addr>\S*)",
        "4.4.0..HEAD",
    ),
    _p(
        "broker_expired",
        "N10",
        "The broker channel expired, ",
        rf"^The broker channel expired, {_BROKER_INFO} (?P<timeout_ms>\d+)ms",
        "4.4.0..HEAD",
    ),
    _p(
        "broker_expired",
        "H15",
        "expired, brokerInfo ",
        r"^The broker channel (?P<broker_addr>\S+) expired, brokerInfo (?P<detail>.*), expired (?P<timeout_ms>\d+)ms",
        "5.x controller",
    ),
    _p(
        "broker_channel_destroyed",
        "N12",
        "the broker's channel destroyed, ",
        r"^the broker's channel destroyed, (?P<broker_addr>[^,\s]+), clean it's data structure at once",
        "4.4.0..4.9.8",
    ),
    _p(
        "broker_channel_destroyed",
        "N12'",
        "the broker's channel destroyed, submit the unregister request",
        r"^the broker's channel destroyed, submit the unregister request at once, broker info: (?P<detail>\S*), "
        r"submit result: (?P<result>\w+)",
        "5.0.0..HEAD",
    ),
    _p(
        "broker_channel_destroyed",
        "N13",
        "] from brokerAddrTable, because channel destroyed",
        r"^remove brokerAddr\[(?P<broker_id>\d+), (?P<broker_addr>[^\]]+)\] from brokerAddrTable",
        "4.4.0..4.9.8",
    ),
    _p(
        "broker_unregistered",
        "N14",
        "unregisterBroker, remove from brokerLiveTable ",
        rf"^unregisterBroker, remove from brokerLiveTable (?P<result>OK|Failed), {_BROKER_INFO}",
        "4.4.0..HEAD",
    ),
    _p(
        "broker_unregistered",
        "N14",
        "unregisterBroker, remove addr from brokerAddrTable ",
        rf"^unregisterBroker, remove addr from brokerAddrTable (?P<result>OK|Failed), {_BROKER_INFO}",
        "4.4.0..HEAD",
        phase="addr",
    ),
    _p(
        "broker_unregistered",
        "N14",
        "unregisterBroker, remove name from brokerAddrTable ",
        r"^unregisterBroker, remove name from brokerAddrTable (?P<result>OK|Failed), (?P<broker_name>\S+)",
        "4.4.0..HEAD",
    ),
    # --- registrations (broker view) ----------------------------------------------------------------------
    _p(
        "broker_register_ok",
        "B2",
        "register broker to name server ",
        r"^register broker to name server (?P<namesrv_addr>\S+) OK",
        "4.4.0 (seen in later 4.x too)",
    ),
    _p(
        "broker_register_ok",
        "B2'",
        "]to name server ",
        r"^register broker\[(?P<broker_id>\d+)\]to name server (?P<namesrv_addr>\S+) OK",
        "4.5.1..4.9.8",
    ),
    _p(
        "broker_register_ok",
        "B2''",
        "Registering current broker to name server completed",
        r"TargetHost=(?P<namesrv_addr>\S+)",
        "5.0.0..HEAD",
    ),
    _p(
        "broker_register_failed",
        "B3",
        "registerBroker Exception, ",
        r"^registerBroker Exception, (?P<namesrv_addr>\S+)",
        "4.4.0..4.9.8",
    ),
    _p(
        "broker_register_failed",
        "B3'",
        "Failed to register current broker to name server",
        r"TargetHost=(?P<namesrv_addr>\S+)",
        "5.0.0..HEAD",
    ),
    _p(
        "broker_register_failed",
        "B4",
        "does NOT complete within deadline",
        r"Timeout threshold: (?P<timeout_ms>\d+)ms",
        "5.0.0..HEAD",
    ),
    _p("broker_register_failed", "B5", "registerBrokerAll Exception", r"^registerBrokerAll Exception", "4.x"),
    # --- masters, roles (§2b B11–B14, §2a N4/N5, §2c H9/H14/H15) ----------------------------------------
    _p(
        "broker_master_changed",
        "N4",
        "master address change from",
        r"^cluster \[(?P<cluster>[^\]]*)\] brokerName \[(?P<broker_name>[^\]]*)\] master address change from "
        r"(?P<old_addr>\S+) to (?P<new_addr>\S+)",
        "4.9.4..4.9.8",
    ),
    _p(
        "broker_master_changed",
        "N5",
        "min broker id changed to ",
        r"^min broker id changed to (?P<min_broker_id>-?\d+), notify (?P<detail>.*), offline broker addr (?P<old_addr>\S*)",
        "5.0.0..HEAD",
    ),
    _p(
        "broker_master_changed",
        "H9",
        "address, OLD: ",
        r"^update master (?P<kind>ha )?address, OLD: (?P<old_addr>\S+) NEW: (?P<new_addr>\S+)",
        "4.4.0..HEAD",
    ),
    _p(
        "broker_master_changed",
        "B-upd",
        "Update master address from ",
        r"^Update master address from (?P<old_addr>\S+) to (?P<new_addr>\S+)",
        "5.x broker.log (seen in the 5.3.3 lab; not in the catalogue)",
    ),
    _p(
        "broker_master_changed",
        "B14",
        "Min broker changed, old: ",
        r"^Min broker changed, old: -?\d+-(?P<old_addr>\S+), new (?P<min_broker_id>-?\d+)-(?P<new_addr>\S+)",
        "5.x",
    ),
    _p(
        "broker_master_changed",
        "B14",
        " start service, min broker id is ",
        r"^(?P<broker_name>\S+) start service, min broker id is (?P<min_broker_id>-?\d+), min broker addr: (?P<new_addr>\S+)",
        "5.x",
    ),
    _p(
        "broker_master_changed",
        "B13",
        "Master in this broker set is elected, ",
        r"masterBrokerId: (?P<min_broker_id>-?\d+), masterBrokerAddr: (?P<new_addr>\S+)",
        "5.x controller mode",
    ),
    _p(
        "broker_master_changed",
        "H15",
        "Elect new master ",
        r"^Elect new master (?P<new_addr>\S+) for broker (?P<broker_name>\S+)",
        "5.x controller",
    ),
    _p(
        "broker_role_change",
        "B11",
        "Begin handling broker role change ",
        r"term=(?P<term>-?\d+) role=(?P<role>\w+) currStoreRole=(?P<store_role>\w+)",
        "4.5.1..HEAD",
        phase="begin",
    ),
    _p(
        "broker_role_change",
        "B11",
        "Finish handling broker role change ",
        r"succ=(?P<success>\w+) term=(?P<term>-?\d+) role=(?P<role>\w+) currStoreRole=(?P<store_role>\w+) cost=(?P<cost>-?\d+)",
        "4.5.1..HEAD",
        phase="finish",
    ),
    _p(
        "broker_role_change",
        "B11",
        "Failed handling broker role change ",
        r"term=(?P<term>-?\d+) role=(?P<role>\w+) currStoreRole=(?P<store_role>\w+) cost=(?P<cost>-?\d+)",
        "4.5.1..HEAD",
        phase="failed",
        success=False,
    ),
    _p(
        "broker_role_change",
        "B12",
        " to change to ",
        r"^(?P<phase>Begin|Finish) to change to (?P<role>slave|master),? brokerName[=:](?P<broker_name>[^ ,]+)"
        r"(?:,? brokerId[=:](?P<broker_id>-?\d+))?(?:.*?(?:new ?Epoch|newMasterEpoch)[=:](?P<epoch>-?\d+))?",
        "4.5.1..HEAD",
    ),
    _p(
        "broker_role_change",
        "B12",
        "failed when changing to ",
        r"failed when changing to (?P<role>slave|master)",
        "4.5.1..HEAD",
        phase="failed",
        success=False,
    ),
    _p(
        "broker_role_change",
        "B13",
        "Change broker [id:",
        r"^Change broker \[id:(?P<broker_id>-?\d+)\]\[address:(?P<broker_addr>[^\]]*)\] to (?P<role>\w+), "
        r"newMasterBrokerId:(?P<min_broker_id>-?\d+), newMasterAddress:(?P<new_addr>[^,]*), newMasterEpoch:(?P<epoch>-?\d+)",
        "5.x controller mode",
    ),
    _p(
        "broker_role_change",
        "H14",
        "Change ha to ",
        r"^Change ha to (?P<role>master|slave) success.*?newMasterEpoch:(?P<epoch>-?\d+)",
        "5.x controller mode",
        success=True,
    ),
    _p(
        "broker_role_change",
        "H15",
        " change role to ",
        r"^Controller (?P<peer_addr>\S+) change role to (?P<role>\w+)",
        "5.x DLedger controller",
    ),
    # --- topics, KV ----------------------------------------------------------------------------------------
    _p(
        "topic_registered",
        "N7",
        "new topic registered, ",
        rf"^new topic registered, (?P<topic>\S+) {_QUEUE_DATA}",
        "4.4.0..HEAD",
    ),
    _p(
        "topic_changed",
        "N8",
        "topic changed, ",
        rf"^topic changed, (?P<topic>\S+) OLD: .*? NEW: {_QUEUE_DATA}",
        "4.4.0..HEAD",
    ),
    _p(
        "topic_changed",
        "N15",
        "removeTopicByBrokerName, remove one broker's topic ",
        rf"^removeTopicByBrokerName, remove one broker's topic (?P<topic>\S+) {_QUEUE_DATA}",
        "4.4.0..4.9.8",
        phase="removed",
    ),
    _p(
        "kv_config_change",
        "N17",
        "config item, Namespace: ",
        r"^(?P<phase>putKVConfig update|putKVConfig create new|deleteKVConfig delete a) config item, "
        r"Namespace: (?P<namespace>\S+) Key: (?P<key>\S+) Value: (?P<value>.*)",
        "4.4.0..HEAD",
    ),
    # --- HA (§2c) ------------------------------------------------------------------------------------------
    _p(
        "ha_slave_connected",
        "H1",
        "HAService receive new connection, ",
        r"^HAService receive new connection, (?P<slave_addr>\S+)",
        "4.4.0..HEAD",
        phase="accept",
    ),
    _p(
        "ha_slave_connected",
        "H2",
        "] request offset ",
        r"^slave\[(?P<slave_addr>[^\]]+)\] request offset (?P<request_offset>-?\d+)",
        "4.4.0..HEAD",
        phase="request",
    ),
    _p(
        "ha_slave_connected",
        "H3",
        "master transfer data from ",
        r"^master transfer data from (?P<transfer_from>-?\d+) to slave\[(?P<slave_addr>[^\]]+)\], and slave request "
        r"(?P<request_offset>-?\d+)",
        "4.4.0..HEAD",
        phase="transfer",
    ),
    _p(
        "ha_slave_connected",
        "H14",
        "Master transfer data to slave ",
        r"^Master transfer data to slave (?P<slave_addr>\S+), from offset:(?P<transfer_from>-?\d+), currentEpoch:(?P<epoch>-?\d+)",
        "5.x controller mode",
        phase="transfer",
    ),
    _p(
        "ha_slave_connected",
        "H8",
        "HAClient connect to master ",
        r"^HAClient connect to master (?P<peer_addr>\S+)(?P<failed> failed)?",
        "5.0.0..HEAD",
        phase="connect",
    ),
    _p(
        "ha_slave_connected",
        "H8",
        "change state to ",
        r"^change state to (?P<status>[A-Z_]+)$",
        "5.0.0..HEAD",
        phase="state",
    ),
    _p(
        "ha_connection_expired",
        "H5",
        "housekeeping, found this connection[",
        r"^(?P<service>ha|HAClient|AutoRecoverHAClient),? housekeeping, found this connection\[(?P<peer_addr>[^\]]+)\] "
        r"expired, (?P<idle_ms>\d+)",
        "4.4.0..HEAD (H5 master, H7/H7' slave)",
    ),
    _p(
        "ha_connection_expired",
        "H6",
        "read socket[",
        r"^read socket\[(?P<peer_addr>[^\]]+)\] < 0",
        "4.4.0..HEAD",
        phase="read_error",
    ),
    _p(
        "ha_connection_expired",
        "H8",
        "HAClient close connection with master ",
        r"^HAClient close connection with master (?P<peer_addr>\S+)",
        "5.0.0..HEAD",
        phase="close",
    ),
    _p(
        "ha_lag_bytes",
        "H11",
        "Slave fall behind master: ",
        r"^Slave fall behind master: (?P<bytes>-?\d+) bytes",
        "4.4.0..4.9.8",
        kind="slave",
    ),
    _p(
        "ha_lag_bytes",
        "H11'",
        "slave fall behind master ",
        r"^CommitLog: slave fall behind master (?P<bytes>-?\d+) ?bytes",
        "5.0.0..HEAD",
        kind="slave",
    ),
    _p(
        "ha_lag_bytes",
        "B15",
        "dispatch behind commit log ",
        r"^dispatch behind commit log (?P<bytes>-?\d+) bytes",
        "4.4.0..4.9.8",
        kind="dispatch",
    ),
    _p(
        "ha_lag_bytes",
        "B15'",
        "Dispatch task fall behind commit log ",
        r"^Dispatch task fall behind commit log (?P<bytes>-?\d+) ?bytes",
        "5.0.0..HEAD",
        kind="dispatch",
    ),
    _p(
        "ha_sync_timeout",
        "H12",
        "transfer messsage to slave timeout, ",
        r"timeout, (?P<next_offset>-?\d+)",
        "4.4.0..4.9.2",
    ),
    _p(
        "ha_sync_timeout",
        "H12b",
        "do sync transfer other node, wait return, but failed",
        r"topic: (?P<topic>\S*) tags: (?P<tags>\S*) client address: (?P<client_addr>\S*)",
        "4.4.0..4.9.2",
    ),
    _p(
        "ha_sync_timeout",
        "H12'",
        "transfer message to slave timeout, offset : ",
        r"offset : (?P<next_offset>-?\d+), request acks: (?P<acks>-?\d+)",
        "5.0.0..HEAD",
    ),
    _p(
        "ha_flow_control",
        "H13",
        "Trigger HA flow control, ",
        rf"max transfer speed (?P<max_kbps>{_DBL})KB/s, current speed: (?P<cur_kbps>{_DBL})KB/s",
        "5.0.0..HEAD",
    ),
    # --- put / flush latency (§2d) ----------------------------------------------------------------------------
    _p(
        "put_cost_ms",
        "F1",
        "in lock cost time(ms)=",
        r"^\[NOTIFYME\]putMessages? in lock cost time\(ms\)=(?P<ms>\d+), bodyLength=(?P<body_len>\d+)"
        r"(?: AppendMessageResult=AppendMessageResult\{status=(?P<status>\w+), wroteOffset=(?P<wrote_offset>-?\d+))?",
        "4.4.0..HEAD",
        phase="in_lock",
    ),
    _p(
        "put_cost_ms",
        "F2",
        ("not in lock eclipse time(ms)=", "not in lock elapsed time(ms)="),
        r"not in lock (?:eclipse|elapsed) time\(ms\)=(?P<ms>\d+), bodyLength=(?P<body_len>\d+)",
        "4.4.0..4.9.8 (eclipse ≤4.5.1)",
        phase="whole",
    ),
    _p(
        "put_cost_ms",
        "F2''",
        ("CommitLog#putMessage cost ", "CommitLog#putMessages cost "),
        r"CommitLog#putMessages? cost (?P<ms>\d+)ms, topic=(?P<topic>.*?), bodyLength=(?P<body_len>\d+)",
        "5.0.0..HEAD",
        phase="whole",
    ),
    _p(
        "flush_cost_ms",
        "F3",
        "Flush data to disk costs ",
        r"costs (?P<ms>\d+) ms",
        "4.4.0..HEAD",
        service="Flush",
    ),
    _p(
        "flush_cost_ms",
        "F4",
        "Commit data to file costs ",
        r"costs (?P<ms>\d+) ms",
        "4.4.0..HEAD",
        service="Commit",
    ),
    _p(
        "flush_cost_ms",
        "F5",
        "do groupcommit, wait for flush failed",
        r"topic: (?P<topic>\S*) tags: (?P<tags>\S*) client address: (?P<client_addr>\S*)",
        "4.4.0..4.9.0, 5.0.0..HEAD",
        service="GroupCommit",
        status="flush_timeout",
    ),
    _p(
        "flush_cost_ms",
        "F13",
        ("flush index file eclipse time(ms) ", "flush index file elapsed time(ms) "),
        r"time\(ms\) (?P<ms>\d+)",
        "4.4.0..HEAD",
        service="Index",
    ),
    _p(
        "put_latency_histogram",
        "F9",
        "[PAGECACHERT] TotalPut ",
        r"TotalPut (?P<total_put>\d+), PutMessageDistributeTime (?P<buckets>.*)",
        "4.4.0..HEAD",
    ),
    _p(
        "put_latency_histogram",
        "F10",
        "findPutMessageEntireTimePX ",
        rf"findPutMessageEntireTimePX (?P<px>[\d.]+)=(?P<px_ms>{_DBL})ms",
        "4.9.4..HEAD",
    ),
    _p(
        "perf_counter",
        "P1",
        "PERF_COUNTER_",
        r"^PERF_COUNTER_(?P<name>[A-Z_]+?)(?:_TIME_MS)?\[(?P<detail>[^\]]*)\] num:(?P<count>\d+) cost:(?P<cost_ms>\d+) "
        rf"tps:(?P<tps>{_DBL}) min:(?P<min_ms>-?\d+) max:(?P<max_ms>-?\d+) tp50:(?P<p50>-?\d+) tp80:-?\d+ tp90:-?\d+ "
        r"tp99:(?P<p99>-?\d+) tp999:(?P<p999>-?\d+)(?P<perf_buckets>.*)",
        "5.x store.log PerfCounter (seen in the 5.3.3 lab; not in the catalogue): ms per 10 s window",
    ),
    _p(
        "store_tps",
        "F8",
        "[STORETPS] put_tps ",
        rf"put_tps (?P<put_tps>{_DBL})? get_found_tps (?P<get_found_tps>{_DBL})? get_miss_tps (?P<get_miss_tps>{_DBL})? "
        rf"get_transferr?ed_tps (?P<get_transferred_tps>{_DBL})?",
        "4.4.0..HEAD",
    ),
    # --- recovery and corruption (§2e) --------------------------------------------------------------------------
    _p(
        "abnormal_shutdown_detected",
        "R1",
        "last shutdown abnormally",
        r"^last shutdown abnormally(?:, store path root dir: (?P<store_root>.*))?",
        "4.4.0..HEAD (root dir 5.1.0+)",
    ),
    _p(
        "abnormal_shutdown_detected",
        "R2",
        "the store may be wrong, so shutdown abnormally",
        r"^the store may be wrong",
        "4.4.0..HEAD",
        phase="kept_abort_file",
    ),
    _p(
        "recovery_progress",
        "R10",
        ("recover last 3 physics file over, last mapped file ", "recover next physics file, "),
        r"^(?P<stage>recover last 3 physics file over|recover next physics file)(?:, last mapped file)?,? (?P<file>\S+)",
        "4.4.0..HEAD",
        mode="normal",
    ),
    _p(
        "recovery_progress",
        "R10",
        "recover physics file end, ",
        r"^(?P<stage>recover physics file end), (?P<file>\S+)(?: pos=(?P<pos>\d+))?",
        "4.4.0..HEAD",
    ),
    _p(
        "recovery_progress",
        "R11",
        ("recover from this mapped file ", "recover physics file over, last mapped file "),
        r"^(?P<stage>recover from this mapped file|recover physics file over, last mapped file),? (?P<file>\S+)",
        "4.4.0..HEAD",
        mode="abnormal",
    ),
    _p(
        "recovery_progress",
        "R11",
        "find check. beginPhyOffset: ",
        r"beginPhyOffset: (?P<pos>-?\d+), maxPhyOffsetInConsumeQueue: (?P<max_phy_offset>-?\d+)",
        "5.x ≤5.3.3",
        stage="find check",
        mode="abnormal",
    ),
    _p(
        "recovery_progress",
        "R26",
        ("load over, and the max phy offset = ", "recover end, and the max phy offset = "),
        r"^(?P<stage>load over|message store recover end), and the max phy offset = (?P<max_phy_offset>-?\d+)",
        "4.4.0..HEAD",
    ),
    _p(
        "recovery_progress",
        "R26",
        "message store recover total cost: ",
        r"total cost: (?P<cost_ms>\d+) ms",
        "5.1.0..5.3.3",
        stage="recover total cost",
    ),
    _p(
        "recovery_progress",
        "R27",
        "Try to finish doing reput the messages fall behind during the starting",
        r"reputOffset=(?P<pos>-?\d+) maxOffset=(?P<max_phy_offset>-?\d+) behind=(?P<bytes>-?\d+)",
        "4.x..HEAD",
        stage="reput catch-up",
    ),
    _p(
        "recovery_truncated",
        "R12",
        "found a half message at ",
        r"at (?P<phy_offset>-?\d+), it will be truncated",
        "5.0.0..HEAD",
    ),
    _p(
        "recovery_truncated",
        "R13",
        "truncate dirty logic files",
        r"maxPhyOffsetOfConsumeQueue\((?P<max_phy_offset_cq>-?\d+)\) >= processOffset\((?P<phy_offset>-?\d+)\)",
        "4.4.0..HEAD",
    ),
    _p(
        "recovery_truncated",
        "R14",
        "The commitlog files are deleted, and delete the consume queue files",
        r"^The commitlog files are deleted",
        "4.4.0..HEAD",
    ),
    _p(
        "recovery_truncated",
        "R15",
        "on recover, destroy a logic mapped file ",
        r"destroy a logic mapped file (?P<file>\S+)",
        "4.4.0..HEAD",
    ),
    _p(
        "recovery_truncated",
        "H14",
        ("Truncate commitLog to ", "Truncate slave log to "),
        r"^Truncate (?:commitLog|slave log) to (?P<phy_offset>-?\d+)",
        "5.x controller mode",
    ),
    _p(
        "crc_error",
        "R17",
        "CRC check failed. bodyCRC=",
        r"bodyCRC=(?P<computed_crc>-?\d+), currentCRC=(?P<stored_crc>-?\d+)",
        "4.4.0..HEAD (labels swapped in source)",
    ),
    _p(
        "crc_error",
        "R17b",
        "failed to check message CRC",
        r"failed to check message CRC(?:, expected CRC=(?P<stored_crc>-?\d+), actual CRC=(?P<computed_crc>-?\d+))?",
        "5.x",
    ),
    _p(
        "magic_code_error",
        "R16",
        "found a illegal magic code 0x",
        r"illegal magic code (?P<magic_hex>0x[0-9a-fA-F-]+)",
        "4.4.0..HEAD",
    ),
    _p("store_bug", "R18", "[BUG]", r"\[BUG\] ?(?P<detail>.*)", "4.4.0..HEAD (R18, R20, R21, R23, R24)"),
    _p(
        "store_bug",
        "R19",
        "checkMessageAndReturnSize failed",
        r"^checkMessageAndReturnSize failed(?P<detail>.*)",
        "5.x",
    ),
    _p(
        "mapped_file_error",
        "R4",
        "length not matched message store config value",
        r"^(?P<file>\S+)\t(?P<length>\d+) length not matched",
        "4.4.0..HEAD",
    ),
    _p(
        "mapped_file_error", "R4b", " size is 0, auto delete", r"^(?P<file>\S+) size is 0, auto delete", "5.x"
    ),
    _p("mapped_file_error", "R6", "load file ", r"^load file (?P<file>\S+) error", "4.4.0..HEAD"),
    _p(
        "mapped_file_error",
        "F11",
        "create mappedFile spent time(ms) ",
        r"spent time\(ms\) (?P<ms>\d+) queue size (?P<count>\d+) (?P<file>\S+) (?P<length>\d+)",
        "4.4.0..HEAD",
    ),
    _p(
        "mapped_file_error",
        "F11",
        "create mmap timeout ",
        r"timeout (?P<file>\S+) (?P<length>\d+)",
        "4.4.0..HEAD",
    ),
    _p(
        "mapped_file_error",
        "F11",
        "TransientStorePool is not enough",
        r"RequestQueueSize : (?P<count>\d+)",
        "4.4.0..HEAD",
    ),
    _p(
        "mapped_file_error",
        "R6",
        ("Failed to create file", "Failed to map file"),
        r"Failed to (?:create|map) file,? ?(?P<file>\S*)",
        "4.x..HEAD",
    ),
    _p("index_error", "R25", "Index file [", r"Index file \[(?P<file>[^\]]+)\] is full", "4.4.0..HEAD"),
    _p(
        "index_error",
        "R25",
        "Over index file capacity: index count = ",
        r"index count = (?P<count>\d+)",
        "4.4.0..HEAD",
    ),
    _p(
        "index_error",
        "R25",
        (
            "putKey error commitlog ",
            "build index error, stop building index",
            "Mark index file cannot build flag",
        ),
        r"^(?P<detail>.*)",
        "4.4.0..HEAD",
    ),
    # --- disk and retention (§2f) --------------------------------------------------------------------------------
    _p(
        "disk_warning",
        "D1",
        "physic disk maybe full soon ",
        rf"^physic disk maybe full soon (?P<ratio>{_DBL}), so mark disk full(?:, storePathPhysic=(?P<path>.*))?",
        "4.4.0..HEAD",
        kind="physic",
        phase="mark_full",
    ),
    _p(
        "disk_warning",
        "D1b",
        "physic disk of commitLog maybe full soon, used ",
        rf"used (?P<ratio>{_DBL}), so mark disk full",
        "4.7.1..HEAD",
        kind="physic",
        phase="mark_full",
    ),
    _p(
        "disk_warning",
        "D1c",
        "logics disk maybe full soon ",
        rf"^logics disk maybe full soon (?P<ratio>{_DBL}), so mark disk full",
        "4.4.0..HEAD",
        kind="logics",
        phase="mark_full",
    ),
    _p(
        "disk_warning",
        "D3",
        "disk maybe full soon, so reclaim space, ",
        rf"^(?P<kind>physic|logics|commitLog|consumeQueue) disk maybe full soon, so reclaim space, (?P<ratio>{_DBL})"
        r"(?:, storePathPhysic=(?P<path>.*))?",
        "4.4.0..HEAD",
        phase="reclaim",
    ),
    _p(
        "disk_warning",
        "D3'",
        "Logical disk usage ",
        rf"^Logical disk usage (?P<ratio>{_DBL}) exceeds",
        "5.0.0..HEAD",
        kind="logics",
        phase="reclaim",
    ),
    _p(
        "disk_warning",
        "D4",
        "physic disk of commitLog used: ",
        rf"used: (?P<ratio>{_DBL})",
        "4.7.1..HEAD",
        kind="physic",
        phase="above_max_used",
    ),
    _p(
        "disk_warning",
        "D7",
        "disk space will be full soon, but delete file failed",
        r"^disk space will be full soon",
        "4.4.0..HEAD",
        phase="delete_failed",
    ),
    _p(
        "disk_ok",
        "D2",
        "so mark disk ok",
        rf"^(?P<kind>physic|logics) disk space (?:of commitLog )?OK (?P<ratio>{_DBL}), so mark disk ok"
        r"(?:, storePathPhysic=(?P<path>.*))?",
        "4.4.0..HEAD",
    ),
    _p(
        "file_deleted",
        "D8",
        "delete file[REF:",
        r"^delete file\[REF:-?\d+\] (?P<path>\S+) (?P<ok>OK|Failed), W:(?P<wrote_pos>-?\d+) M:(?P<flushed_pos>-?\d+), "
        r"(?P<elapsed>-?\d+)",
        "4.4.0..HEAD",
    ),
    _p(
        "file_deleted",
        "D10",
        "logics in current mappedFile max offset ",
        r"^physic min offset (?P<phy_offset>-?\d+), logics in current mappedFile max offset (?P<max_phy_offset>-?\d+)",
        "4.4.0..HEAD",
        kind="consumequeue",
    ),
    _p(
        "retention_round",
        "D5",
        "it's time to reclaim disk space, ",
        r"space, (?P<detail>\S+)",
        "4.4.0..HEAD",
        phase="time_up",
    ),
    _p(
        "retention_round",
        "D6",
        "begin to delete before ",
        r"^begin to delete before (?P<reserved_hours>\d+) hours file\. (?:timeup|isTimeUp): (?P<timeup>\w+) "
        r"(?:spacefull|isUsageExceedsThreshold): (?P<spacefull>\w+) manualDeleteFileSeveralTimes: (?P<count>\d+) "
        r"cleanAtOnce: (?P<clean_at_once>\w+)",
        "4.4.0..HEAD (D6' names 5.x)",
        phase="round",
    ),
    # --- busy / flow control (§2g, §2h) ----------------------------------------------------------------------
    _p(
        "broker_busy",
        "T-reject",
        "too many requests and system thread pool busy",
        r"^(?P<remote_addr>\S+), too many requests and system thread pool busy",
        "4.4.0..HEAD (sampled 1/10000)",
        queue="remoting",
    ),
    _p(
        "broker_busy",
        "PC_SYNCHRONIZED",
        "[PC_SYNCHRONIZED]broker busy",
        r"broker busy",
        "4.9.x..HEAD (reply only)",
        queue="pagecache",
    ),
    _p(
        "broker_busy",
        "D14",
        ("message store is not writeable, so putMessage is forbidden", "the message store is not writable"),
        r"not writ",
        "4.4.0..HEAD",
        queue="store_not_writable",
    ),
    _p(
        "watermark",
        "W1",
        "[WATERMARK] ",
        r"^\[WATERMARK\] (?P<queue>[A-Za-z ]+?) Queue Size: (?P<size>-?\d+) SlowTimeMills: (?P<slow_ms>-?\d+)",
        "4.4.0..HEAD",
    ),
    _p(
        "watermark",
        "N19",
        "[WATERMARK] ClientQueueSize:",
        r"ClientQueueSize:(?P<size>-?\d+) ClientQueueSlowTime:(?P<slow_ms>-?\d+)",
        "5.0.0..HEAD namesrv",
        queue="Client",
    ),
    _p(
        "watermark",
        "N19",
        "[WATERMARK] ClientQueueSize:",
        r"DefaultQueueSize:(?P<size>-?\d+) DefaultQueueSlowTime:(?P<slow_ms>-?\d+)",
        "5.0.0..HEAD namesrv",
        queue="Default",
    ),
    _p(
        "stats",
        "S1",
        "] Stats ",
        r"^\[(?P<name>[A-Z_0-9]+)\] \[(?P<key>.*)\] Stats (?P<window>In One Minute|In One Hour|In One Day|Every 5 Minutes), "
        rf"(?:SUM: (?P<sum>-?\d+) TPS: (?P<tps>{_DBL}) AVGPT: (?P<avgpt>{_DBL})|TIMES: (?P<times>-?\d+) AVGRT: (?P<avgrt>{_DBL})"
        r"|Value: (?P<value>-?\d+))",
        "4.4.0..HEAD",
    ),
    _p(
        "consumer_disabled",
        "B16",
        "[PROTECT_BROKER] the consumer[",
        r"the consumer\[(?P<group>[^\]]*)\] consume slowly, (?P<lag_bytes>\d+) bytes",
        "4.4.0..HEAD",
    ),
    # --- remoting channels (§2i) ----------------------------------------------------------------------------
    _p(
        "channel_open",
        "T2",
        "NETTY SERVER PIPELINE: channelActive, the channel[",
        r"the channel\[(?P<remote_addr>[^\]]*)\]",
        "4.4.0..HEAD",
        side="server",
    ),
    _p(
        "channel_close",
        "T3",
        "NETTY SERVER PIPELINE: channelInactive, the channel[",
        r"the channel\[(?P<remote_addr>[^\]]*)\]",
        "4.4.0..HEAD",
        side="server",
    ),
    _p(
        "channel_idle",
        "T5",
        "NETTY SERVER PIPELINE: IDLE exception [",
        r"IDLE exception \[(?P<remote_addr>[^\]]*)\]",
        "4.4.0..HEAD",
        side="server",
    ),
    _p(
        "channel_exception",
        "T6",
        "NETTY SERVER PIPELINE: exceptionCaught ",
        r"exceptionCaught (?P<remote_addr>\S*\d)$",
        "4.4.0..HEAD",
        side="server",
    ),
    _p(
        "channel_close",
        "T7",
        "closeChannel: close the connection to remote address[",
        r"address\[(?P<remote_addr>[^\]]*)\] result: (?P<result>\w+)",
        "4.4.0..HEAD",
        side="server",
    ),
    _p(
        "channel_open",
        "T8",
        "NETTY CLIENT PIPELINE: CONNECT ",
        r"CONNECT\s+(?P<local_addr>\S*) => (?P<remote_addr>\S+)",
        "4.4.0..HEAD",
        side="client",
    ),
    _p(
        "channel_close",
        "T8",
        "NETTY CLIENT PIPELINE: CLOSE ",
        r"CLOSE (?P<remote_addr>\S+)",
        "4.4.0..HEAD",
        side="client",
    ),
    _p(
        "channel_exception",
        "T8",
        "createChannel: connect remote host[",
        r"host\[(?P<remote_addr>[^\]]*)\] timeout (?P<timeout_ms>\d+)ms",
        "4.4.0..HEAD",
        side="client",
    ),
)

#: ``name=value`` config dump lines (catalogue §1.6), only from the ``main`` thread at boot.
CONFIG_LINE_RE = r"^(?P<key>[a-zA-Z][a-zA-Z0-9_]*)=(?P<value>.*)$"
CONFIG_THREAD = "main"
