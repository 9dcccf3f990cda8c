package rmqbench;

import java.io.File;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Baseline for bench/bench_store.py: decode every record of a commitlog directory with RocketMQ's own
 * MessageDecoder (rocketmq-common), the way a Java tool would. Walks the TOTALSIZE chain per file, stops a
 * file at its end-of-file filler (0xCBD43194) or at zeros, and decodes each record fully (body read, not
 * decompressed; properties parsed; offset msgId computed). Prints one JSON line.
 *
 * Usage: java -cp CLASSPATH rmqbench.DecodeCommitLog COMMITLOG_DIR CHECK_CRC(true|false) [REPEAT]
 */
public final class DecodeCommitLog {
    private static final int MAGIC_V1 = 0xDAA320A7;
    private static final int MAGIC_V2 = 0xDAA320AB;
    private static final int BLANK = 0xCBD43194;

    public static void main(String[] args) throws Exception {
        File dir = new File(args[0]);
        boolean crc = Boolean.parseBoolean(args[1]);
        int repeat = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        File[] files = dir.listFiles((d, n) -> n.matches("\\d{20}"));
        Arrays.sort(files);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int r = 0; r < repeat; r++) {
            long t0 = System.nanoTime();
            long c0 = mx.getCurrentThreadCpuTime();
            long records = 0, bytes = 0, check = 0, failed = 0;
            for (File f : files) {
                try (RandomAccessFile raf = new RandomAccessFile(f, "r"); FileChannel ch = raf.getChannel()) {
                    MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
                    int pos = 0;
                    int limit = (int) ch.size();
                    while (pos + 8 <= limit) {
                        int size = mb.getInt(pos);
                        int magic = mb.getInt(pos + 4);
                        if (magic != MAGIC_V1 && magic != MAGIC_V2) {
                            break; // filler (BLANK) or zeros: this file is done
                        }
                        mb.limit(pos + size).position(pos);
                        MessageExt m = MessageDecoder.decode(mb.slice(), true, false, false, false, crc);
                        mb.limit(limit);
                        if (m == null) {
                            failed++;
                        } else {
                            check += m.getQueueOffset() + m.getTopic().length() + m.getMsgId().length()
                                + m.getProperties().size();
                        }
                        records++;
                        bytes += size;
                        pos += size;
                    }
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            double cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9; // the decoding thread only (not JIT/GC)
            System.out.printf("{\"run\": %d, \"records\": %d, \"bytes\": %d, \"seconds\": %.4f, \"cpu_seconds\": %.4f, "
                + "\"failed\": %d, \"check\": %d, \"crc\": %s}%n", r, records, bytes, s, cpu, failed, check, crc);
        }
    }
}
