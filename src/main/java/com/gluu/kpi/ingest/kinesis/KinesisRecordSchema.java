package com.gluu.kpi.ingest.kinesis;

import com.gluu.kpi.events.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kinesis.source.serialization.KinesisDeserializationSchema;
import org.apache.flink.util.Collector;
// The connector's API hands over the record type of the AWS SDK copy shaded inside it.
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Turns each Kinesis record into raw records (de-aggregated, inflated: {@link KinesisPayloads})
 * named by stream, shard and sequence number, and reads each one's {@code ts} for the per-shard
 * watermarks ({@link KinesisWatermarks}). It never throws for bad data: what it cannot unwrap
 * goes on as a record that the parser turns into a dead letter.
 */
public final class KinesisRecordSchema implements KinesisDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    private transient EventTimeProbe probe;
    private transient String lastStreamArn;
    private transient String lastStreamName;

    @Override
    public void deserialize(Record record, String streamArn, String shardId, Collector<RawRecord> out) {
        if (probe == null) {
            probe = new EventTimeProbe();
        }
        String origin = streamName(streamArn) + "/" + shardId;
        KinesisPayloads.unwrap(origin, record.sequenceNumber(), record.data().asByteArrayUnsafe(), raw -> {
            if (raw.decodeFailure == null) {
                raw.eventTs = probe.ts(raw.payload);
            }
            out.collect(raw);
        });
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
