package com.gluu.kpi.ingest.kinesis;

import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.DeadLetterReason;
import com.gluu.kpi.events.EventParser;
import com.gluu.kpi.events.RawRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Unwraps the data of one Kinesis record into the raw records the parser validates: KPL
 * aggregates are split into their user records, and gzip-compressed payloads are inflated.
 *
 * <p>Identity (the dead-letter id, SPEC §2): origin {@code <stream>/<shard id>}, position the
 * sequence number, plus {@code #<index>} for the records of an aggregate, so a restart that
 * reads the same records again rewrites the same dead-letter rows.
 *
 * <p>Nothing here throws for bad data: a corrupt gzip stream or aggregate becomes a record the
 * parser rejects as {@code bad_encoding}, a payload that inflates past the 1 MiB limit one it
 * rejects as {@code too_large} (inflating stops there, so a small "gzip bomb" costs 1 MiB).
 */
public final class KinesisPayloads {
    private static final int GZIP_MAGIC_0 = 0x1F;
    private static final int GZIP_MAGIC_1 = 0x8B;

    private KinesisPayloads() {}

    /** Emits the raw record(s) carried by one Kinesis record's data. */
    public static void unwrap(String origin, String sequenceNumber, byte[] data, Consumer<RawRecord> out) {
        if (!KplAggregate.isAggregated(data)) {
            out.accept(single(origin, sequenceNumber, data));
            return;
        }
        List<byte[]> records;
        try {
            records = KplAggregate.records(data);
        } catch (KplAggregate.CorruptAggregateException e) {
            out.accept(RawRecord.undecodable(origin, sequenceNumber, truncated(data), DeadLetterReason.BAD_ENCODING,
                    e.getMessage()));
            return;
        }
        for (int i = 0; i < records.size(); i++) {
            out.accept(single(origin, sequenceNumber + "#" + i, records.get(i)));
        }
    }

    /** One user record: inflated if it is gzip, cut to what a dead letter keeps if too large. */
    static RawRecord single(String origin, String position, byte[] data) {
        if (!isGzip(data)) {
            return limited(origin, position, data, data.length);
        }
        ByteArrayOutputStream inflated = new ByteArrayOutputStream(Math.max(64, data.length * 4));
        byte[] buffer = new byte[8192];
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data), buffer.length)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                inflated.write(buffer, 0, n);
                if (inflated.size() > EventParser.MAX_RECORD_BYTES) {
                    return RawRecord.undecodable(origin, position, truncated(inflated.toByteArray()),
                            DeadLetterReason.TOO_LARGE, "gzip record inflates to more than "
                                    + EventParser.MAX_RECORD_BYTES + " bytes (" + data.length + " bytes compressed)");
                }
            }
        } catch (IOException e) {
            return RawRecord.undecodable(origin, position, truncated(data), DeadLetterReason.BAD_ENCODING,
                    "gzip record does not inflate: " + e.getMessage());
        }
        byte[] json = inflated.toByteArray();
        return limited(origin, position, json, json.length);
    }

    static boolean isGzip(byte[] data) {
        return data.length >= 2 && (data[0] & 0xFF) == GZIP_MAGIC_0 && (data[1] & 0xFF) == GZIP_MAGIC_1;
    }

    /** Like the file reader: a record over the limit keeps only what its dead letter stores. */
    private static RawRecord limited(String origin, String position, byte[] data, int size) {
        byte[] payload = size > EventParser.MAX_RECORD_BYTES ? truncated(data) : data;
        return new RawRecord(origin, position, payload, size);
    }

    private static byte[] truncated(byte[] data) {
        return data.length <= DeadLetter.MAX_RAW_BYTES ? data : Arrays.copyOf(data, DeadLetter.MAX_RAW_BYTES);
    }
}
