"""Event extraction: every catalogue §3 type from its version-specific wordings, with typed fields.

Provenance of the example lines: ``lab`` = copied from samples/rmq-5.3.3 (real 5.3.3 output);
``issue#N`` = real line from a public GitHub issue (see tests/fixtures/public_lines/SOURCES.json);
``catalogue`` = the exact format string of log-catalogue.md §2 with made-up values (no real line found).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmqinspect.analysis.event_patterns import PATTERNS
from rmqinspect.analysis.events import EVENT_TYPES, events_schema, extract_events
from rmqinspect.parsers.logs import parse_text

# §3 table of log-catalogue.md: the names the frame must use.
CATALOGUE_TYPES = {
    "namesrv_boot", "broker_boot", "broker_config", "broker_shutdown", "namesrv_shutdown", "broker_registered",
    "broker_register_ok", "broker_register_failed", "broker_expired", "broker_channel_destroyed",
    "broker_unregistered", "broker_master_changed", "broker_role_change", "topic_registered", "topic_changed",
    "kv_config_change", "ha_slave_connected", "ha_connection_expired", "ha_lag_bytes", "ha_sync_timeout",
    "ha_flow_control", "put_cost_ms", "flush_cost_ms", "put_latency_histogram", "store_tps",
    "abnormal_shutdown_detected", "recovery_progress", "recovery_truncated", "crc_error", "magic_code_error",
    "store_bug", "mapped_file_error", "index_error", "disk_warning", "disk_ok", "file_deleted", "retention_round",
    "broker_busy", "watermark", "stats", "consumer_disabled", "channel_open", "channel_close", "channel_idle",
    "channel_exception",
}  # fmt: skip

T = "2024-03-05 14:07:31"
# (source, file, line, type, statement, expected fields)
CASES: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
    ("lab", "namesrv.log", "2026-11-28 08:11:17 INFO main - The Name Server boot success. serializeType=JSON, address 0.0.0.0:9876",
     "namesrv_boot", "N1", {"serialize_type": "JSON", "bind_addr": "0.0.0.0", "port": 9876}),
    ("catalogue", "namesrv.log", f"{T} INFO main - The Name Server boot success. serializeType=JSON",
     "namesrv_boot", "N1", {"serialize_type": "JSON", "port": None}),
    ("lab", "broker.log", "2026-11-28 08:11:24 INFO main - The broker[broker-a, 127.0.0.1:10911] boot success. serializeType=JSON and name server is 127.0.0.1:9876;127.0.0.1:9877",
     "broker_boot", "B1", {"broker_name": "broker-a", "broker_addr": "127.0.0.1:10911", "namesrv_list": "127.0.0.1:9876;127.0.0.1:9877"}),
    ("lab", "broker.log", "2026-11-28 08:11:21 INFO main - listenPort=10911", "broker_config", "§1.6", {"key": "listenPort", "value": "10911"}),
    ("lab", "broker.log", "2026-11-28 08:12:47 INFO Thread-18 - Shutdown hook was invoked, 1", "broker_shutdown", "B10", {"phase": "invoked", "count": 1}),
    ("lab", "broker.log", "2026-11-28 08:12:56 INFO Thread-18 - Shutdown hook over, consuming total time(ms): 9500", "broker_shutdown", "B10", {"shutdown_ms": 9500}),
    ("lab", "namesrv.log", "2026-11-28 08:13:17 INFO ShutdownHook - shutdown hook was invoked, 1 times.", "namesrv_shutdown", "N20", {"count": 1}),
    ("catalogue", "namesrv.log", f"{T} INFO ShutdownHook - shutdown hook done, consuming time total(ms): 11", "namesrv_shutdown", "N20", {"shutdown_ms": 11}),
    ("catalogue", "namesrv.log", f"{T} INFO RemotingExecutorThread_3 - new broker registered, 10.0.1.21:10911 HAServer: 10.0.1.21:10912",
     "broker_registered", "N3", {"broker_addr": "10.0.1.21:10911", "ha_addr": "10.0.1.21:10912", "cluster": None}),
    ("lab", "namesrv.log", "2026-11-28 08:11:24 INFO DefaultRequestProcessorExecutor_1 - new broker registered, BrokerIdentityInfo [clusterName=rocketmq-cluster, brokerAddr=127.0.0.1:10911] HAService: 127.0.0.1:10912",
     "broker_registered", "N3", {"broker_addr": "127.0.0.1:10911", "cluster": "rocketmq-cluster", "ha_addr": "127.0.0.1:10912"}),
    ("catalogue", "namesrv.log", f"{T} WARN NSScheduledThread1 - The broker channel expired, 10.0.1.22:10911 120000ms",
     "broker_expired", "N10", {"broker_addr": "10.0.1.22:10911", "timeout_ms": 120000}),
    ("catalogue", "namesrv.log", f"{T} WARN NSScanScheduledThread - The broker channel expired, BrokerAddrInfo [clusterName=c1, brokerAddr=10.0.1.22:10911] 120000ms",
     "broker_expired", "N10", {"broker_addr": "10.0.1.22:10911", "cluster": "c1"}),
    ("catalogue", "namesrv.log", f"{T} INFO NSScheduledThread1 - the broker's channel destroyed, 10.0.1.22:10911, clean it's data structure at once",
     "broker_channel_destroyed", "N12", {"broker_addr": "10.0.1.22:10911"}),
    ("lab", "namesrv.log", "2026-11-28 08:12:23 INFO NettyEventExecutor - the broker's channel destroyed, submit the unregister request at once, broker info: org.apache.rocketmq.remoting.protocol.header.namesrv.UnRegisterBrokerRequestHeader@1a2b3c, submit result: true",
     "broker_channel_destroyed", "N12'", {"result": "true"}),
    ("lab", "namesrv.log", "2026-11-28 08:12:23 INFO BrokerUnregisterService - unregisterBroker, remove from brokerLiveTable OK, BrokerIdentityInfo [clusterName=rocketmq-cluster, brokerAddr=127.0.0.1:10911]",
     "broker_unregistered", "N14", {"result": "OK", "broker_addr": "127.0.0.1:10911", "cluster": "rocketmq-cluster"}),
    ("issue#2764", "broker.log", "2021-03-30 10:48:06 INFO brokerOutApi_thread_3 - register broker to name server rmqnamesrv:9876 OK",
     "broker_register_ok", "B2", {"namesrv_addr": "rmqnamesrv:9876"}),
    ("issue#1767", "broker.log", "2021-08-24 20:21:07 INFO brokerOutApi_thread_2 - register broker[0]to name server rmqnamesrv:9876 OK",
     "broker_register_ok", "B2'", {"namesrv_addr": "rmqnamesrv:9876", "broker_id": 0}),
    ("lab", "broker.log", "2026-11-28 08:12:37 INFO brokerOutApi_thread_4 - Registering current broker to name server completed. TargetHost=127.0.0.1:9876",
     "broker_register_ok", "B2''", {"namesrv_addr": "127.0.0.1:9876"}),
    ("catalogue", "broker.log", f"{T} WARN brokerOutApi_thread_1 - registerBroker Exception, 10.0.1.11:9876\norg.apache.rocketmq.remoting.exception.RemotingConnectException: connect to 10.0.1.11:9876 failed\n\tat x.Y(Y.java:1)",
     "broker_register_failed", "B3", {"namesrv_addr": "10.0.1.11:9876", "exception": "org.apache.rocketmq.remoting.exception.RemotingConnectException"}),
    ("lab", "broker.log", "2026-11-28 08:13:17 ERROR brokerOutApi_thread_1 - Failed to register current broker to name server. TargetHost=127.0.0.1:9877",
     "broker_register_failed", "B3'", {"namesrv_addr": "127.0.0.1:9877"}),
    ("catalogue", "broker.log", f"{T} WARN BrokerControllerScheduledThread1 - Registration to one or more name servers does NOT complete within deadline. Timeout threshold: 6000ms",
     "broker_register_failed", "B4", {"timeout_ms": 6000}),
    ("catalogue", "namesrv.log", f"{T} INFO RemotingExecutorThread_1 - cluster [c1] brokerName [broker-a] master address change from 10.0.0.1:10911 to 10.0.0.2:10911",
     "broker_master_changed", "N4", {"cluster": "c1", "broker_name": "broker-a", "old_addr": "10.0.0.1:10911", "new_addr": "10.0.0.2:10911"}),
    ("lab", "store.log", "2026-11-28 08:11:40 INFO BrokerControllerScheduledThread1 - update master address, OLD: null NEW: 127.0.0.1:10911",
     "broker_master_changed", "H9", {"old_addr": "null", "new_addr": "127.0.0.1:10911"}),
    ("lab", "broker.log", "2026-11-28 08:12:30 INFO BrokerControllerScheduledThread1 - Update master address from 127.0.0.1:10911 to null",
     "broker_master_changed", "B-upd", {"old_addr": "127.0.0.1:10911", "new_addr": "null"}),
    ("catalogue", "broker.log", f"{T} INFO DLedgerRoleChangeHandler - Finish handling broker role change succ=true term=3 role=LEADER currStoreRole=SYNC_MASTER cost=12",
     "broker_role_change", "B11", {"success": True, "term": 3, "role": "LEADER", "cost": 12}),
    ("catalogue", "broker.log", f"{T} INFO main - Begin to change to slave brokerName=broker-a brokerId=1",
     "broker_role_change", "B12", {"phase": "Begin", "role": "slave", "broker_name": "broker-a", "broker_id": 1}),
    ("lab", "namesrv.log", "2026-11-28 08:11:55 INFO DefaultRequestProcessorExecutor_2 - new topic registered, LabTopic QueueData [brokerName=broker-a, readQueueNums=4, writeQueueNums=4, perm=6, topicSysFlag=0]",
     "topic_registered", "N7", {"topic": "LabTopic", "broker_name": "broker-a", "read_queue_nums": 4, "perm": 6}),
    ("catalogue", "namesrv.log", f"{T} INFO X - topic changed, T1 OLD: QueueData [brokerName=broker-a, readQueueNums=4, writeQueueNums=4, perm=6, topicSysFlag=0] NEW: QueueData [brokerName=broker-a, readQueueNums=8, writeQueueNums=8, perm=6, topicSysFlag=0]",
     "topic_changed", "N8", {"topic": "T1", "read_queue_nums": 8, "write_queue_nums": 8}),
    ("catalogue", "namesrv.log", f"{T} INFO X - putKVConfig create new config item, Namespace: ORDER_TOPIC_CONFIG Key: T1 Value: broker-a:4",
     "kv_config_change", "N17", {"namespace": "ORDER_TOPIC_CONFIG", "key": "T1", "value": "broker-a:4"}),
    ("issue#2427", "store.log", "2020-11-10 18:47:17 INFO AcceptSocketService - HAService receive new connection, /10.8.130.121:59356",
     "ha_slave_connected", "H1", {"slave_addr": "/10.8.130.121:59356"}),
    ("catalogue", "store.log", f"{T} INFO WriteSocketService - master transfer data from 2147483648 to slave[/10.0.1.22:53412], and slave request 2147483648",
     "ha_slave_connected", "H3", {"transfer_from": 2147483648, "request_offset": 2147483648, "slave_addr": "/10.0.1.22:53412"}),
    ("issue#2427", "store.log", "2020-11-10 18:47:17 WARN ReadSocketService - ha housekeeping, found this connection[/10.8.130.121:58620] expired, 20020",
     "ha_connection_expired", "H5", {"peer_addr": "/10.8.130.121:58620", "idle_ms": 20020, "service": "ha"}),
    ("lab", "store.log", "2026-11-28 08:12:53 ERROR ReadSocketService - read socket[/127.0.0.1:46722] < 0",
     "ha_connection_expired", "H6", {"peer_addr": "/127.0.0.1:46722"}),
    ("issue#1767", "broker.log", "2021-08-24 20:21:17 INFO BrokerControllerScheduledThread1 - Slave fall behind master: 668 bytes",
     "ha_lag_bytes", "H11", {"bytes": 668, "kind": "slave"}),
    ("lab", "broker.log", "2026-11-28 08:12:47 INFO BrokerControllerScheduledThread1 - CommitLog: slave fall behind master 619bytes",
     "ha_lag_bytes", "H11'", {"bytes": 619}),
    ("lab", "broker.log", "2026-11-28 08:12:47 INFO BrokerControllerScheduledThread1 - Dispatch task fall behind commit log 0bytes",
     "ha_lag_bytes", "B15'", {"bytes": 0, "kind": "dispatch"}),
    ("catalogue", "store.log", f"{T} WARN GroupTransferService - transfer message to slave timeout, offset : 3221225984, request acks: 2",
     "ha_sync_timeout", "H12'", {"next_offset": 3221225984, "acks": 2}),
    ("catalogue", "store.log", f"{T} WARN GroupTransferService - transfer messsage to slave timeout, 3221225984",
     "ha_sync_timeout", "H12", {"next_offset": 3221225984}),
    ("catalogue", "store.log", f"{T} WARN HAClient - Trigger HA flow control, max transfer speed 1024.00KB/s, current speed: 1100.50KB/s",
     "ha_flow_control", "H13", {"max_kbps": 1024.0, "cur_kbps": 1100.5}),
    ("catalogue", "store.log", f"{T} WARN SendMessageThread_7 - [NOTIFYME]putMessage in lock cost time(ms)=734, bodyLength=1024 AppendMessageResult=AppendMessageResult{{status=PUT_OK, wroteOffset=3221226496, wroteBytes=1210}}",
     "put_cost_ms", "F1", {"ms": 734, "body_len": 1024, "status": "PUT_OK", "wrote_offset": 3221226496}),
    ("issue#721", "store.log", "2019-01-22 11:03:02 WARN SendMessageThread_47 - putMessage not in lock eclipse time(ms)=4127, bodyLength=410",
     "put_cost_ms", "F2", {"ms": 4127, "body_len": 410}),
    ("lab", "store.log", "2026-11-28 08:13:34 WARN GroupCommitService - DefaultMessageStore#putMessage: CommitLog#putMessage cost 1065ms, topic=LabTopic, bodyLength=317",
     "put_cost_ms", "F2''", {"ms": 1065, "topic": "LabTopic", "body_len": 317}),
    ("catalogue", "store.log", f"{T} INFO FlushRealTimeService - Flush data to disk costs 1032 ms", "flush_cost_ms", "F3", {"ms": 1032, "service": "Flush"}),
    ("lab", "store.log", "2026-11-28 08:12:45 INFO FlushIndexFileThread - flush index file elapsed time(ms) 1", "flush_cost_ms", "F13", {"ms": 1, "service": "Index"}),
    ("lab", "store.log", "2026-11-28 08:12:22 INFO StoreStatsService - [PAGECACHERT] TotalPut 272, PutMessageDistributeTime [<=0ms]:84 [0~10ms]:186 [10~50ms]:2 [50~100ms]:0 [100~200ms]:0 [200~500ms]:0 [500ms~1s]:0 [1~2s]:0 [2~3s]:0 [3~4s]:0 [4~5s]:0 [5~10s]:0 [10s~]:0 ",
     "put_latency_histogram", "F9", {"total_put": 272, "bucket_counts": [84, 186, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}),
    ("lab", "store.log", "2026-11-28 08:13:34 INFO StoreStatsService - findPutMessageEntireTimePX 0.99=125.00ms cost 0ms",
     "put_latency_histogram", "F10", {"p99": 125.0, "p999": None}),
    ("lab", "store.log", "2026-11-28 08:13:27 INFO StoreStatsService - [STORETPS] put_tps 5.448957554614171 get_found_tps 0.0 get_miss_tps 0.0 get_transferred_tps 0.0",
     "store_tps", "F8", {"put_tps": 5.448957554614171, "get_transferred_tps": 0.0}),
    ("lab", "store.log", "2026-11-28 08:12:27 INFO StoreStatsService - [STORETPS] put_tps  get_found_tps  get_miss_tps  get_transferred_tps ",
     "store_tps", "F8", {"put_tps": None}),
    ("lab", "store.log", "2026-11-28 08:12:30 INFO main - last shutdown abnormally, store path root dir: /work/main/samples/rmq-5.3.3/broker-a/store",
     "abnormal_shutdown_detected", "R1", {"store_root": "/work/main/samples/rmq-5.3.3/broker-a/store"}),
    ("catalogue", "store.log", f"{T} INFO main - last shutdown abnormally", "abnormal_shutdown_detected", "R1", {"store_root": None}),
    ("issue#3726", "store.log", "2022-01-07 15:47:02 INFO main - recover physics file end, /data/rocketMq/rocketmq4.9.1/store/commitlog/00000000000000000000",
     "recovery_progress", "R10", {"stage": "recover physics file end", "store_file": "/data/rocketMq/rocketmq4.9.1/store/commitlog/00000000000000000000"}),
    ("catalogue", "store.log", f"{T} INFO main - recover from this mapped file 00000000003221225472",
     "recovery_progress", "R11", {"mode": "abnormal", "store_file": "00000000003221225472"}),
    ("issue#3726", "store.log", "2022-01-07 15:47:02 WARN main - maxPhyOffsetOfConsumeQueue(41375) >= processOffset(41375), truncate dirty logic files",
     "recovery_truncated", "R13", {"max_phy_offset_cq": 41375, "phy_offset": 41375}),
    ("catalogue", "store.log", f"{T} WARN main - found a half message at 3221737476, it will be truncated.", "recovery_truncated", "R12", {"phy_offset": 3221737476}),
    ("catalogue", "store.log", f"{T} WARN main - CRC check failed. bodyCRC=1911270234, currentCRC=-1523421777",
     "crc_error", "R17", {"computed_crc": 1911270234, "stored_crc": -1523421777}),
    ("issue#3726", "store.log", "2022-01-07 15:47:02 WARN main - found a illegal magic code 0x0", "magic_code_error", "R16", {"magic_hex": "0x0"}),
    ("catalogue", "storeerror.log", f"{T} ERROR X - [BUG]The mappedFile queue's data is damaged, the adjacent mappedFile's offset don't match. pre file a/00000000000000000000, cur file a/00000000002147483648",
     "store_bug", "R18", {"files": "a/00000000000000000000, cur file a/00000000002147483648"}),
    ("catalogue", "storeerror.log", f"{T} WARN X - [BUG]logic queue order maybe wrong, expectLogicOffset: 10 currentLogicOffset: 12 Topic: T1 QID: 3 Diff: 2",
     "store_bug", "R18", {"topic": "T1", "qid": 3, "offsets": [10, 12, 3, 2]}),
    ("issue#388", "store.log", "2016-10-31 15:49:54 ERROR main - load file C:\\Users\\Administrator\\store\\commitlog\\00000000001073741824 error\njava.io.IOException: Map failed",
     "mapped_file_error", "R6", {"store_file": "C:\\Users\\Administrator\\store\\commitlog\\00000000001073741824", "exception": "java.io.IOException"}),
    ("catalogue", "store.log", f"{T} WARN main - /data/store/commitlog/00000000000000000000\t1048576 length not matched message store config value, please check it manually",
     "mapped_file_error", "R4", {"length": 1048576}),
    ("lab", "store.log", "2026-11-28 08:12:03 WARN ReputMessageService - Index file [/work/main/samples/rmq-5.3.3/broker-a/store/index/20261128001201713] is full, trying to create another one",
     "index_error", "R25", {"store_file": "/work/main/samples/rmq-5.3.3/broker-a/store/index/20261128001201713"}),
    ("catalogue", "store.log", f"{T} ERROR StoreScheduledThread1 - physic disk maybe full soon 0.9134562301, so mark disk full, storePathPhysic=/data/rocketmq/store/commitlog",
     "disk_warning", "D1", {"ratio": 0.9134562301, "kind": "physic", "path": "/data/rocketmq/store/commitlog"}),
    ("catalogue", "store.log", f"{T} INFO StoreScheduledThread1 - commitLog disk maybe full soon, so reclaim space, 0.81",
     "disk_warning", "D3", {"ratio": 0.81, "kind": "physic"}),
    ("catalogue", "store.log", f"{T} INFO StoreScheduledThread1 - logics disk space OK 0.51, so mark disk ok", "disk_ok", "D2", {"ratio": 0.51, "kind": "logics"}),
    ("catalogue", "store.log", f"{T} INFO StoreScheduledThread1 - delete file[REF:0] /data/rocketmq/store/commitlog/00000000000000000000 OK, W:1073741824 M:1073741824, 13",
     "file_deleted", "D8", {"ok": True, "basename": "00000000000000000000", "wrote_pos": 1073741824, "elapsed": 13}),
    ("catalogue", "store.log", f"{T} INFO StoreScheduledThread1 - begin to delete before 72 hours file. timeup: true spacefull: false manualDeleteFileSeveralTimes: 0 cleanAtOnce: false",
     "retention_round", "D6", {"reserved_hours": 72, "timeup": True, "spacefull": False, "clean_at_once": False}),
    ("catalogue", "store.log", f"{T} INFO StoreScheduledThread1 - begin to delete before 48 hours file. isTimeUp: false isUsageExceedsThreshold: true manualDeleteFileSeveralTimes: 0 cleanAtOnce: true deleteFileBatchMax: 10",
     "retention_round", "D6", {"reserved_hours": 48, "timeup": False, "spacefull": True}),
    ("lab", "watermark.log", "2026-11-28 08:12:22 - [WATERMARK] Send Queue Size: 0 SlowTimeMills: 0", "watermark", "W1", {"queue": "Send", "size": 0, "slow_ms": 0}),
    ("catalogue", "watermark.log", f"{T} - [WATERMARK] Lite Pull Queue Size: 312 SlowTimeMills: 187", "watermark", "W1", {"queue": "Lite Pull", "size": 312}),
    ("catalogue", "watermark.log", f"{T} - [WATERMARK] Send Queue Size: 312 SlowTimeMills: 700", "broker_busy", "W1", {"queue": "Send", "slow_ms": 700}),
    ("catalogue", "broker.log", f"{T} WARN SendMessageThread_1 - the message store is not writable. It may be caused by one of the following reasons: the broker's disk is full",
     "broker_busy", "D14", {"queue": "store_not_writable"}),
    ("catalogue", "stats.log", f"{T} INFO - [TOPIC_PUT_NUMS] [TopicTest] Stats In One Minute, SUM: 1200 TPS: 20.00 AVGPT: 1.00",
     "stats", "S1", {"name": "TOPIC_PUT_NUMS", "key": "TopicTest", "window": "In One Minute", "sum": 1200, "tps": 20.0}),
    ("catalogue", "stats.log", f"{T} INFO - [GROUP_GET_FALL_SIZE] [TopicTest@g1] Stats Every 5 Minutes, Value: 4096",
     "stats", "S1", {"value": "4096", "key_parts": ["TopicTest", "g1"]}),
    ("catalogue", "stats.log", f"{T} INFO - [TOPIC_PUT_NUMS] [TopicTest] Stats In One Minute, SUM: 1200 TPS: 20,00 AVGPT: 1,00",
     "stats", "S1", {"tps": 20.0}),  # German JVM locale
    ("catalogue", "protection.log", f"{T} - [PROTECT_BROKER] the consumer[g1] consume slowly, 17179869184 bytes, disable it",
     "consumer_disabled", "B16", {"group": "g1", "lag_bytes": 17179869184}),
    ("lab", "remoting.log", "2026-11-28 08:11:55 INFO NettyServerCodecThread_1 - NETTY SERVER PIPELINE: channelActive, the channel[127.0.0.1:47810]",
     "channel_open", "T2", {"remote_addr": "127.0.0.1:47810", "remote_ip": "127.0.0.1", "remote_port": 47810}),
    ("lab", "remoting.log", "2026-11-28 08:11:55 INFO NettyClientWorkerThread_1 - NETTY CLIENT PIPELINE: CONNECT  127.0.0.1 => 127.0.0.1:10911",
     "channel_open", "T8", {"remote_addr": "127.0.0.1:10911", "local_addr": "127.0.0.1"}),
    ("issue#429", "remoting.log", "2018-08-28 10:33:24 INFO NettyClientWorkerThread_1 - NETTY CLIENT PIPELINE: CLOSE xx.xx.xx.xx:9876",
     "channel_close", "T8", {"remote_addr": "xx.xx.xx.xx:9876"}),
    ("catalogue", "remoting.log", f"{T} WARN NettyServerCodecThread_1 - NETTY SERVER PIPELINE: IDLE exception [10.0.2.31:51234]",
     "channel_idle", "T5", {"remote_addr": "10.0.2.31:51234"}),
    ("catalogue", "remoting.log", f"{T} WARN NettyServerCodecThread_1 - NETTY SERVER PIPELINE: exceptionCaught 10.0.2.31:51234",
     "channel_exception", "T6", {"remote_addr": "10.0.2.31:51234"}),
    ("lab", "store.log", "2026-11-28 08:12:41 INFO FlushRealTimeService - PERF_COUNTER_FLUSH_DATA_TIME_MS[2026-11-28 00:12:41.447] num:20 cost:10187 tps:1.9731 min:0 max:164 tp50:0 tp80:0 tp90:0 tp99:164 tp999:164 0_1:19 2_5:0 6_10:0 11_50:0 51_100:0 101_500:1 501_999:0 1000_:0",
     "perf_counter", "P1", {"name": "FLUSH_DATA", "count": 20, "p99": 164.0, "max_ms": 164, "bucket_counts": [19, 0, 0, 0, 0, 1, 0, 0]}),
    ("lab", "store.log", "2026-11-28 08:11:41 INFO FlushRealTimeService - PERF_COUNTER_FLUSH_DATA_TIME_MS[2026-11-28 00:11:41.152] num:21 cost:10006 tps:2.1087 min:0 max:99999999 tp50:0 tp80:0 tp90:0 tp99:0 tp999:0 0_1:21 2_5:0 6_10:0 11_50:0 51_100:0 101_500:0 501_999:0 1000_:0",
     "perf_counter", "P1", {"max_ms": None}),
]  # fmt: skip


@pytest.mark.parametrize(("source", "file", "line", "type_", "stmt", "fields"), CASES, ids=[f"{c[3]}-{c[4]}-{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_statement_to_event(source: str, file: str, line: str, type_: str, stmt: str, fields: dict[str, Any]) -> None:
    ev = extract_events(parse_text(line, file=file, host="h"))
    rows = ev.filter((pl.col("type") == type_) & (pl.col("statement") == stmt))
    assert rows.height == 1, ev.select("type", "statement")
    row = rows.row(0, named=True)
    assert (row["host"], row["file"], row["line_no"]) == ("h", file, 1)
    for k, v in fields.items():
        col = "store_file" if k == "store_file" else k
        assert row[col] == (pytest.approx(v) if isinstance(v, float) else v), k


def test_every_catalogue_type_is_extractable_and_covered_by_a_case() -> None:
    assert CATALOGUE_TYPES <= set(EVENT_TYPES)
    covered = {c[3] for c in CASES}
    missing = CATALOGUE_TYPES - covered
    assert not missing, f"no example line for {sorted(missing)}"


def test_every_pattern_regex_compiles_and_has_an_anchor() -> None:
    import re

    for p in PATTERNS:
        assert p.anchors and all(p.anchors)
        re.compile(p.regex.replace("(?<", "(?P<").replace("(?P<P<", "(?P<"))


def test_schema_is_stable_for_empty_and_nonempty_input() -> None:
    empty = extract_events(parse_text("", file="broker.log", host="h"))
    some = extract_events(parse_text(CASES[0][2], file="namesrv.log", host="h"))
    assert empty.schema == some.schema == pl.Schema(events_schema())


def test_non_events_are_not_extracted() -> None:
    text = "\n".join([
        "2026-11-28 08:12:31 WARN main - Maybe try to build consume queue repeatedly maxPhysicOffset=205651 phyOffset=131072",
        "2026-11-28 08:11:24 INFO main - load exist subscription group, SubscriptionGroupConfig{groupName=x, brokerId=0}",
        "2026-11-28 08:11:24 INFO PullMessageThread_1 - brokerName=not-a-config-dump-because-not-main",
        "2026-11-28 08:11:24 INFO main - the broker's channel destroyed without the rest of the sentence",
    ])  # fmt: skip
    assert extract_events(parse_text(text, file="broker.log", host="h")).height == 0


def test_types_filter_and_small_batches() -> None:
    lines = parse_text("\n".join(c[2] for c in CASES if "\n" not in c[2]), file="store.log", host="h")
    only = extract_events(lines, types=["watermark", "ha_lag_bytes"])
    assert set(only["type"]) == {"watermark", "ha_lag_bytes"}
    # the tail calls this per chunk: results per chunk must equal the result over the concatenation
    parts = [extract_events(lines.slice(i, 7)) for i in range(0, lines.height, 7)]
    assert pl.concat(parts).drop("ts").equals(extract_events(lines).drop("ts"))


def test_exception_class_from_continuation() -> None:
    text = (
        "2024-05-02 14:56:12 ERROR BrokerControllerScheduledThread1 - Failed to register current broker to name server. TargetHost=localhost:9876\n"
        "org.apache.rocketmq.remoting.exception.RemotingConnectException: connect to [localhost:9876] failed\n"
        "\tat org.apache.rocketmq.remoting.netty.NettyRemotingClient.getAndCreateNameserverChannel(NettyRemotingClient.java:663)\n"
    )
    ev = extract_events(parse_text(text, file="broker.log", host="h"))
    assert ev["exception"].to_list() == ["org.apache.rocketmq.remoting.exception.RemotingConnectException"]


_words = st.sampled_from(
    ["[WATERMARK]", "Queue Size:", "SlowTimeMills:", "register broker", "OK", "[BUG]", "bytes", "ms", "=", "x", "-1",
     "TargetHost=", "] Stats ", "PERF_COUNTER_", "delete file[REF:", "0x", "99999999", "\t", " ", "é", "\x1b[31m"]
)  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(_words, max_size=12).map(" ".join), min_size=1, max_size=20))
def test_arbitrary_messages_never_raise_and_keep_the_schema(messages: list[str]) -> None:
    text = "\n".join(f"2024-03-05 14:07:{i % 60:02d} INFO main - {m}" for i, m in enumerate(messages))
    ev = extract_events(parse_text(text, file="broker.log", host="h"))
    assert ev.schema == pl.Schema(events_schema())
    assert ev["line_no"].is_sorted()
