package com.gluu.kpi.ingest.kinesis;

import com.gluu.kpi.events.EventParser;
import com.gluu.kpi.events.InputLimits;
import com.gluu.kpi.events.InvalidEventException;
import com.gluu.kpi.events.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kinesis.source.serialization.KinesisDeserializationSchema;
import org.apache.flink.util.Collector;
// The connector's API hands over the record type of the AWS SDK copy shaded inside it.
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Turns each Kinesis record into raw records (de-aggregated, inflated: {@link KinesisPayloads})
 * named by stream, shard and sequence number, and gives each one the {@code ts} the per-shard
 * watermarks ({@link KinesisWatermarks}) see. It never throws for bad data: what it cannot unwrap
 * goes on as a record that the parser turns into a dead letter.
 *
 * <p>Only a record the parser accepts gives its {@code ts} to the watermark: it is parsed here
 * with the job's limits, and a rejected one (missing field, bad value, …) gets none, as in the
 * file replay, whose watermarks come after the parser. Reading only {@code ts} (as an earlier
 * version did) let a rejected record stamped minutes ahead move its shard's event time, and good
 * events behind it became {@code too_late} depending on read speed (found by the reshard tests).
 * The record is parsed again in the parse step: twice the parsing on this path, which a shard's
 * 2 MB/s read limit leaves room for.
 */
public final class KinesisRecordSchema implements KinesisDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final InputLimits limits;
    private transient EventParser parser;
    private transient String lastStreamArn;
    private transient String lastStreamName;

    public KinesisRecordSchema(InputLimits limits) {
        this.limits = limits;
    }

    @Override
    public void deserialize(Record record, String streamArn, String shardId, Collector<RawRecord> out) {
        if (parser == null) {
            parser = new EventParser(limits);
        }
        String origin = streamName(streamArn) + "/" + shardId;
        KinesisPayloads.unwrap(origin, record.sequenceNumber(), record.data().asByteArrayUnsafe(), raw -> {
            if (raw.decodeFailure == null) {
                raw.eventTs = acceptedTs(raw);
            }
            out.collect(raw);
        });
    }

    /** The record's ts if the parser accepts it, else {@link RawRecord}'s "no ts" (Long.MIN_VALUE). */
    private long acceptedTs(RawRecord raw) {
        try {
            return parser.parse(raw).ts;
        } catch (InvalidEventException | RuntimeException e) {
            return Long.MIN_VALUE;
        }
    }

    /** "arn:aws:kinesis:us-east-1:123456789012:stream/events" → "events" (cached: one stream). */
    private String streamName(String streamArn) {
        if (!streamArn.equals(lastStreamArn)) {
            int slash = streamArn.lastIndexOf(":stream/");
            lastStreamName = slash < 0 ? streamArn : streamArn.substring(slash + ":stream/".length());
            lastStreamArn = streamArn;
        }
        return lastStreamName;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
