package rmqlab;

import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * The lab's traffic and admin driver. It uses only the public RocketMQ Java client and admin APIs
 * that exist with the same names in 4.9.x and 5.3.x, so one source compiles against both lines
 * (types whose package moved between the lines are only reached through {@code var}).
 *
 * Every send is reported as one JSON object per line on the output file, written the moment the
 * SendResult (or the exception) arrives, so a crash of the driver still leaves a usable record.
 */
public final class LabClient {
    private static PrintWriter out;
    private static final Random RNG = new Random(20261128L);

    private LabClient() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args[0];
        String namesrv = args[1];
        String outFile = args[2];
        out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(outFile, true), StandardCharsets.UTF_8), true);
        try {
            switch (cmd) {
                case "create-topics": createTopics(namesrv, args[3], Arrays.copyOfRange(args, 4, args.length)); break;
                case "traffic": traffic(namesrv, args[3], args[4]); break;
                case "steady": steady(namesrv, args[3], Long.parseLong(args[4]), Long.parseLong(args[5]), args[6]); break;
                case "send": simpleSend(namesrv, args[3], Integer.parseInt(args[4]), args[5]); break;
                case "consume": consume(namesrv, args[3], args[4], Integer.parseInt(args[5])); break;
                case "retry": retry(namesrv, args[3], args[4], Integer.parseInt(args[5]), Long.parseLong(args[6])); break;
                case "runtime": runtime(namesrv, args[3], Arrays.copyOfRange(args, 4, args.length)); break;
                default: throw new IllegalArgumentException("unknown command " + cmd);
            }
        } finally {
            out.flush();
            out.close();
        }
        // Client libraries leave non-daemon threads behind in some versions; exit explicitly.
        System.exit(0);
    }

    // ---------------------------------------------------------------- JSON helpers

    static String q(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }

    static String sha256(byte[] body) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        StringBuilder sb = new StringBuilder();
        for (byte b : md.digest(body)) {
            sb.append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }

    static String keysJson(List<String> keys) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(q(keys.get(i)));
        }
        return sb.append(']').toString();
    }

    /** Writes one send record; {@code res} null means the send threw {@code err}. */
    static void record(String kind, Message msg, List<String> keys, byte[] body, long ts, SendResult res,
                       Throwable err, int batchIndex, String txId) throws Exception {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"kind\":").append(q(kind));
        sb.append(",\"topic\":").append(q(msg.getTopic()));
        sb.append(",\"tags\":").append(q(msg.getTags()));
        sb.append(",\"keys\":").append(keysJson(keys));
        sb.append(",\"body_len\":").append(body.length);
        sb.append(",\"body_sha256\":").append(q(sha256(body)));
        sb.append(",\"send_ts_ms\":").append(ts);
        sb.append(",\"delay_level\":").append(msg.getDelayTimeLevel());
        if (res != null) {
            String msgId = res.getMsgId();
            String offId = res.getOffsetMsgId();
            long qoff = res.getQueueOffset();
            if (batchIndex >= 0) {
                // A batch SendResult joins the ids of all messages with ',' and reports the first
                // queue offset; message i of the batch sits at first + i.
                msgId = msgId == null ? null : msgId.split(",")[batchIndex];
                offId = offId == null ? null : offId.split(",")[batchIndex];
                qoff = qoff + batchIndex;
            }
            sb.append(",\"status\":").append(q(res.getSendStatus().name()));
            sb.append(",\"msg_id\":").append(q(msgId));
            sb.append(",\"offset_msg_id\":").append(q(offId));
            MessageQueue mq = res.getMessageQueue();
            sb.append(",\"queue_id\":").append(mq == null ? "null" : String.valueOf(mq.getQueueId()));
            sb.append(",\"broker\":").append(mq == null ? "null" : q(mq.getBrokerName()));
            sb.append(",\"queue_offset\":").append(qoff);
            String tid = txId != null ? txId : res.getTransactionId();
            sb.append(",\"transaction_id\":").append(q(tid));
            if (res instanceof TransactionSendResult) {
                LocalTransactionState st = ((TransactionSendResult) res).getLocalTransactionState();
                sb.append(",\"local_tx_state\":").append(q(st == null ? null : st.name()));
            }
        } else {
            sb.append(",\"status\":\"SEND_FAILED_EXCEPTION\"");
            sb.append(",\"msg_id\":null,\"offset_msg_id\":null,\"queue_id\":null,\"broker\":null,\"queue_offset\":null");
            sb.append(",\"transaction_id\":null");
            String e = err.getClass().getSimpleName() + ": " + String.valueOf(err.getMessage());
            sb.append(",\"error\":").append(q(e.length() > 400 ? e.substring(0, 400) : e));
        }
        sb.append('}');
        out.println(sb);
    }

    // ---------------------------------------------------------------- bodies

    static byte[] randomBody(int n) {
        byte[] b = new byte[n];
        RNG.nextBytes(b);
        return b;
    }

    static byte[] textBody(int n, String seed) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) {
            sb.append(seed).append(' ').append(sb.length()).append('\n');
        }
        return sb.substring(0, n).getBytes(StandardCharsets.UTF_8);
    }

    static Message msg(String topic, String tags, List<String> keys, byte[] body) {
        Message m = new Message(topic, tags, body);
        if (!keys.isEmpty()) {
            m.setKeys(keys);
        }
        return m;
    }

    static DefaultMQProducer producer(String namesrv, String group) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(group);
        p.setNamesrvAddr(namesrv);
        p.setSendMsgTimeout(Integer.getInteger("lab.sendTimeoutMs", 5000));
        p.setRetryTimesWhenSendFailed(2);
        p.setInstanceName(group + "-" + System.nanoTime());
        p.start();
        return p;
    }

    static void sendOne(DefaultMQProducer p, String kind, Message m, List<String> keys, byte[] body) throws Exception {
        long ts = System.currentTimeMillis();
        try {
            SendResult r = p.send(m);
            record(kind, m, keys, body, ts, r, null, -1, null);
        } catch (Exception e) {
            record(kind, m, keys, body, ts, null, e, -1, null);
        }
    }

    // ---------------------------------------------------------------- commands

    /** spec = name:queues; topics are created on every master address given. */
    static void createTopics(String namesrv, String masters, String[] specs) throws Exception {
        DefaultMQAdminExt admin = new DefaultMQAdminExt();
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName("lab-admin-" + System.nanoTime());
        admin.start();
        try {
            for (String spec : specs) {
                int c = spec.lastIndexOf(':');
                String name = spec.substring(0, c);
                int queues = Integer.parseInt(spec.substring(c + 1));
                for (String addr : masters.split(",")) {
                    TopicConfig tc = new TopicConfig(name, queues, queues, 6);
                    String result = "ok";
                    try {
                        admin.createAndUpdateTopicConfig(addr, tc);
                    } catch (Exception e) {
                        result = e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                    out.println("{\"topic\":" + q(name) + ",\"broker_addr\":" + q(addr) + ",\"queues\":" + queues
                            + ",\"result\":" + q(result) + "}");
                }
            }
        } finally {
            admin.shutdown();
        }
    }

    static final ConcurrentHashMap<String, String> TX_PLAN = new ConcurrentHashMap<>();

    /** The varied traffic: sizes, tags, keys, delay levels, batches, ordered and transactional sends. */
    static void traffic(String namesrv, String mainTopic, String longTopic) throws Exception {
        String orderTopic = mainTopic + "Order";
        String txTopic = mainTopic + "Tx";
        DefaultMQProducer p = producer(namesrv, "lab_producer");
        try {
            String[] tags = {"TagA", "TagB", "TagC"};
            // bodies from 0 B up to >64 KiB; random bytes so zlib cannot shrink them
            int[] sizes = {0, 1, 17, 100, 1000, 4095, 4096, 4097, 8192, 20000, 65535, 65537, 70000};
            int i = 0;
            for (int size : sizes) {
                List<String> keys = Arrays.asList("size-" + size, "order-" + (1000 + i), "cust-" + (i % 3));
                byte[] body = randomBody(size);
                sendOne(p, size > 65536 ? "large" : "normal", msg(mainTopic, tags[i % 3], keys, body), keys, body);
                i++;
            }
            // compressible text bodies above the client's 4 KiB compression threshold
            for (int size : new int[]{5000, 30000, 100000}) {
                List<String> keys = Arrays.asList("text-" + size, "compressible");
                byte[] body = textBody(size, "compressible-body");
                sendOne(p, size > 65536 ? "large" : "normal", msg(mainTopic, "TagZ", keys, body), keys, body);
            }
            // many small normal messages so several consume-queue and commitlog files roll over
            for (int n = 0; n < 600; n++) {
                List<String> keys = n % 4 == 0 ? Arrays.asList("k" + n, "group-" + (n % 7), "dup")
                        : n % 4 == 1 ? Arrays.asList("k" + n) : new ArrayList<>();
                byte[] body = n % 10 == 0 ? randomBody(300 + n) : textBody(60 + n % 200, "hello-" + n);
                sendOne(p, "normal", msg(mainTopic, tags[n % 3], keys, body), keys, body);
            }
            // delay levels 1s, 5s, 10s, 30s
            for (int level = 1; level <= 4; level++) {
                for (int n = 0; n < 3; n++) {
                    List<String> keys = Arrays.asList("delay-" + level + "-" + n);
                    byte[] body = textBody(200, "delayed level " + level);
                    Message m = msg(mainTopic, "TagDelay", keys, body);
                    m.setDelayTimeLevel(level);
                    sendOne(p, "delay", m, keys, body);
                }
            }
            // batches of 10
            for (int b = 0; b < 4; b++) {
                List<Message> batch = new ArrayList<>();
                List<List<String>> bkeys = new ArrayList<>();
                List<byte[]> bodies = new ArrayList<>();
                for (int n = 0; n < 10; n++) {
                    List<String> keys = Arrays.asList("batch-" + b + "-" + n, "batch-" + b);
                    byte[] body = textBody(120 + n, "batch " + b + " item " + n);
                    batch.add(msg(mainTopic, "TagBatch", keys, body));
                    bkeys.add(keys);
                    bodies.add(body);
                }
                long ts = System.currentTimeMillis();
                SendResult r = null;
                Exception err = null;
                try {
                    r = p.send(batch);
                } catch (Exception e) {
                    err = e;
                }
                for (int n = 0; n < 10; n++) {
                    record("batch", batch.get(n), bkeys.get(n), bodies.get(n), ts, r, err, r == null ? -1 : n, null);
                }
            }
            // ordered: 4 order ids, each 6 steps, each order id pinned to one queue
            for (int step = 0; step < 6; step++) {
                for (int orderId = 0; orderId < 4; orderId++) {
                    List<String> keys = Arrays.asList("orderid-" + orderId, "orderid-" + orderId + "-step-" + step);
                    byte[] body = textBody(80, "order " + orderId + " step " + step);
                    Message m = msg(orderTopic, "Step" + step, keys, body);
                    long ts = System.currentTimeMillis();
                    try {
                        SendResult r = p.send(m, (mqs, mm, arg) -> mqs.get((Integer) arg % mqs.size()), orderId);
                        record("ordered", m, keys, body, ts, r, null, -1, null);
                    } catch (Exception e) {
                        record("ordered", m, keys, body, ts, null, e, -1, null);
                    }
                }
            }
            // topic name longer than 127 characters (5.x stores it with message magic v2)
            for (int n = 0; n < 5; n++) {
                List<String> keys = Arrays.asList("long-topic-" + n);
                byte[] body = textBody(150, "long topic " + n);
                sendOne(p, "normal", msg(longTopic, "TagLong", keys, body), keys, body);
            }
        } finally {
            p.shutdown();
        }
        transactions(namesrv, txTopic);
    }

    static void transactions(String namesrv, String txTopic) throws Exception {
        TransactionMQProducer tp = new TransactionMQProducer("lab_tx_producer");
        tp.setNamesrvAddr(namesrv);
        tp.setInstanceName("lab-tx-" + System.nanoTime());
        tp.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message m, Object arg) {
                return LocalTransactionState.valueOf((String) arg);
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt m) {
                // Left unresolved on purpose: the broker keeps checking until it gives up.
                return LocalTransactionState.UNKNOW;
            }
        });
        tp.start();
        try {
            String[][] plan = {{"COMMIT_MESSAGE", "tx_commit"}, {"ROLLBACK_MESSAGE", "tx_rollback"}, {"UNKNOW", "tx_unknown"}};
            for (int n = 0; n < 4; n++) {
                for (String[] pl : plan) {
                    List<String> keys = Arrays.asList("tx-" + pl[1] + "-" + n, "tx");
                    byte[] body = textBody(180, "transaction " + pl[1] + " " + n);
                    Message m = msg(txTopic, "TagTx", keys, body);
                    long ts = System.currentTimeMillis();
                    try {
                        TransactionSendResult r = tp.sendMessageInTransaction(m, pl[0]);
                        record(pl[1], m, keys, body, ts, r, null, -1, r.getTransactionId());
                    } catch (Exception e) {
                        record(pl[1], m, keys, body, ts, null, e, -1, null);
                    }
                }
            }
            // Give the broker a few check rounds while this producer can still answer UNKNOW.
            Thread.sleep(Long.getLong("lab.txLingerMs", 8000L));
        } finally {
            tp.shutdown();
        }
    }

    /** Steady small sends for {@code durationMs}, used while incidents are staged. */
    static void steady(String namesrv, String topic, long durationMs, long intervalMs, String prefix) throws Exception {
        DefaultMQProducer p = producer(namesrv, "lab_steady_producer");
        try {
            long end = System.currentTimeMillis() + durationMs;
            int n = 0;
            while (System.currentTimeMillis() < end) {
                List<String> keys = Arrays.asList(prefix + "-" + n, prefix);
                byte[] body = textBody(100 + (n % 50) * 7, prefix + " message " + n);
                sendOne(p, "normal", msg(topic, "TagSteady", keys, body), keys, body);
                n++;
                Thread.sleep(intervalMs);
            }
        } finally {
            p.shutdown();
        }
    }

    static void simpleSend(String namesrv, String topic, int count, String prefix) throws Exception {
        DefaultMQProducer p = producer(namesrv, "lab_simple_producer");
        try {
            for (int n = 0; n < count; n++) {
                List<String> keys = Arrays.asList(prefix + "-" + n);
                byte[] body = textBody(64 + n, prefix + " " + n);
                sendOne(p, "normal", msg(topic, "TagSimple", keys, body), keys, body);
            }
        } finally {
            p.shutdown();
        }
    }

    /** Consumes up to {@code perQueue} messages of every queue and commits the offsets to the broker. */
    @SuppressWarnings("deprecation")
    static void consume(String namesrv, String group, String topic, int perQueue) throws Exception {
        DefaultMQPullConsumer c = new DefaultMQPullConsumer(group);
        c.setNamesrvAddr(namesrv);
        c.setInstanceName("lab-consumer-" + System.nanoTime());
        c.start();
        List<String> lines = new ArrayList<>();
        try {
            for (MessageQueue mq : c.fetchSubscribeMessageQueues(topic)) {
                long offset = c.fetchConsumeOffset(mq, true);
                if (offset < 0) {
                    offset = 0;
                }
                int got = 0;
                while (got < perQueue) {
                    var pr = c.pull(mq, "*", offset, Math.min(32, perQueue - got));
                    if (pr.getMsgFoundList() == null || pr.getMsgFoundList().isEmpty()) {
                        break;
                    }
                    got += pr.getMsgFoundList().size();
                    offset = pr.getNextBeginOffset();
                }
                c.updateConsumeOffset(mq, offset);
                // A pull consumer's shutdown persists nothing (it has no rebalanced queues), so commit
                // synchronously and read the broker's value back.
                c.getOffsetStore().updateConsumeOffsetToBroker(mq, offset, false);
                long stored = c.fetchConsumeOffset(mq, true);
                lines.add("{\"broker\":" + q(mq.getBrokerName()) + ",\"queue_id\":" + mq.getQueueId()
                        + ",\"consumed\":" + got + ",\"committed_offset\":" + offset
                        + ",\"broker_offset\":" + stored + "}");
            }
        } finally {
            c.shutdown();
        }
        for (String l : lines) {
            out.println(l);
        }
    }

    /**
     * A push consumer whose group name is long (the caller passes one of >120 characters) and which
     * answers RECONSUME_LATER on first delivery. The broker then writes the message back to
     * {@code %RETRY%<group>}: a topic name longer than 127 characters, which the remoting client never
     * lets a producer use directly. Deliveries are reported as JSON lines with "delivery": true.
     */
    static void retry(String namesrv, String group, String topic, int count, long waitMs) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(namesrv);
        c.setInstanceName("lab-retry-" + System.nanoTime());
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setMaxReconsumeTimes(2);
        c.subscribe(topic, "*");
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                synchronized (LabClient.class) {
                    out.println("{\"delivery\":true,\"msg_id\":" + q(m.getMsgId()) + ",\"topic\":" + q(m.getTopic())
                            + ",\"queue_id\":" + m.getQueueId() + ",\"queue_offset\":" + m.getQueueOffset()
                            + ",\"reconsume_times\":" + m.getReconsumeTimes()
                            + ",\"retry_topic\":" + q(m.getProperty("RETRY_TOPIC"))
                            + ",\"ts_ms\":" + System.currentTimeMillis() + "}");
                }
                if (m.getReconsumeTimes() == 0) {
                    return ConsumeConcurrentlyStatus.RECONSUME_LATER;
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        Thread.sleep(3000);
        DefaultMQProducer p = producer(namesrv, "lab_retry_producer");
        try {
            for (int n = 0; n < count; n++) {
                List<String> keys = Arrays.asList("retry-" + n, "retry");
                byte[] body = textBody(90 + n, "to be retried " + n);
                Message m = msg(topic, "TagRetry", keys, body);
                long ts = System.currentTimeMillis();
                try {
                    SendResult r = p.send(m);
                    synchronized (LabClient.class) {
                        record("normal", m, keys, body, ts, r, null, -1, null);
                    }
                } catch (Exception e) {
                    synchronized (LabClient.class) {
                        record("normal", m, keys, body, ts, null, e, -1, null);
                    }
                }
            }
        } finally {
            p.shutdown();
        }
        Thread.sleep(waitMs);
        c.shutdown();
    }

    /** Prints a broker's runtime stats table and per-queue min/max offsets of the given topics. */
    static void runtime(String namesrv, String brokerAddr, String[] topics) throws Exception {
        DefaultMQAdminExt admin = new DefaultMQAdminExt();
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName("lab-admin-rt-" + System.nanoTime());
        admin.start();
        try {
            var kv = admin.fetchBrokerRuntimeStats(brokerAddr);
            StringBuilder sb = new StringBuilder("{\"runtime\":{");
            boolean first = true;
            for (var e : kv.getTable().entrySet()) {
                sb.append(first ? "" : ",").append(q(e.getKey())).append(':').append(q(e.getValue()));
                first = false;
            }
            sb.append("},\"queues\":[");
            first = true;
            for (String topic : topics) {
                try {
                    var stats = admin.examineTopicStats(topic);
                    for (var e : stats.getOffsetTable().entrySet()) {
                        MessageQueue mq = e.getKey();
                        sb.append(first ? "" : ",").append("{\"topic\":").append(q(mq.getTopic()))
                                .append(",\"broker\":").append(q(mq.getBrokerName()))
                                .append(",\"queue_id\":").append(mq.getQueueId())
                                .append(",\"min_offset\":").append(e.getValue().getMinOffset())
                                .append(",\"max_offset\":").append(e.getValue().getMaxOffset()).append('}');
                        first = false;
                    }
                } catch (Exception ex) {
                    System.err.println("topic stats " + topic + ": " + ex);
                }
            }
            sb.append("]}");
            out.println(sb);
        } finally {
            admin.shutdown();
        }
    }

}
