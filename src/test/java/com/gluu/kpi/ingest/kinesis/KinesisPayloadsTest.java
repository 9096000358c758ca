package com.gluu.kpi.ingest.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.events.DeadLetterReason;
import com.gluu.kpi.events.EventParser;
import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.testing.KplRecords;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Unwrapping Kinesis record data: plain, gzip and KPL-aggregated records (written by the test's
 * own encoder, {@link KplRecords}), and every kind of corruption as a record the parser rejects
 * with a reason instead of an exception.
 */
class KinesisPayloadsTest {
    private static final String SHARD = "events/shardId-000000000002";
    private static final String SEQ = "49590338271490256608559692538361571095921575989136588898";

    @Test
    void plainRecordIsPassedThroughAndNamedByShardAndSequenceNumber() {
        List<RawRecord> out = unwrap(bytes("{\"a\":1}"));
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(SHARD + ":" + SEQ);
            assertThat(new String(r.payload, StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
            assertThat(r.size).isEqualTo(7);
            assertThat(r.decodeFailure).isNull();
        });
    }

    @Test
    void gzipRecordIsInflated() {
        String json = "{\"event_id\":\"e1\",\"type\":\"feedback\"}";
        assertThat(unwrap(KplRecords.gzip(bytes(json)))).singleElement()
                .satisfies(r -> assertThat(new String(r.payload, StandardCharsets.UTF_8)).isEqualTo(json));
    }

    @Test
    void aggregateIsSplitIntoItsRecordsWithSubSequenceNumbers() {
        byte[] aggregate = KplRecords.aggregate("pk", List.of(bytes("{\"n\":0}"), KplRecords.gzip(bytes("{\"n\":1}")),
                bytes("{\"n\":2}")));
        List<RawRecord> out = unwrap(aggregate);
        assertThat(out).extracting(r -> new String(r.payload, StandardCharsets.UTF_8))
                .containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}");
        assertThat(out).extracting(RawRecord::id)
                .containsExactly(SHARD + ":" + SEQ + "#0", SHARD + ":" + SEQ + "#1", SHARD + ":" + SEQ + "#2");
        assertThat(out).allSatisfy(r -> assertThat(r.decodeFailure).isNull());
    }

    @Test
    void aggregateWithAWrongMd5IsABadEncoding() {
        byte[] aggregate = KplRecords.aggregate("pk", List.of(bytes("{\"n\":0}")));
        aggregate[aggregate.length - 3] ^= 0x40;
        assertThat(unwrap(aggregate)).singleElement().satisfies(r -> {
            assertThat(r.decodeFailure).isEqualTo(DeadLetterReason.BAD_ENCODING);
            assertThat(r.decodeDetail).contains("MD5");
            assertThat(r.id()).isEqualTo(SHARD + ":" + SEQ);
        });
    }

    @Test
    void truncatedAggregatesAreBadEncodingsAtEveryCut() {
        byte[] aggregate = KplRecords.aggregate("pk", List.of(bytes("{\"n\":0}"), bytes("{\"n\":1}")));
        for (int cut = 4; cut < aggregate.length; cut++) {
            List<RawRecord> out = unwrap(Arrays.copyOf(aggregate, cut));
            assertThat(out).as("cut at %d", cut).singleElement()
                    .satisfies(r -> assertThat(r.decodeFailure).isEqualTo(DeadLetterReason.BAD_ENCODING));
        }
    }

    @Test
    void aggregateWhoseProtobufLiesAboutALengthIsABadEncodingEvenWithAMatchingMd5() {
        // magic, then field 3 (records) claiming 100 bytes where 2 follow, then their MD5.
        byte[] body = {0x1A, 100, 0x1A, 0x00};
        byte[] md5;
        try {
            md5 = java.security.MessageDigest.getInstance("MD5").digest(body);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] data = new byte[4 + body.length + 16];
        System.arraycopy(KplAggregate.MAGIC, 0, data, 0, 4);
        System.arraycopy(body, 0, data, 4, body.length);
        System.arraycopy(md5, 0, data, 4 + body.length, 16);
        assertThat(unwrap(data)).singleElement().satisfies(r -> {
            assertThat(r.decodeFailure).isEqualTo(DeadLetterReason.BAD_ENCODING);
            assertThat(r.decodeDetail).contains("runs past its end");
        });
    }

    @Test
    void corruptGzipIsABadEncoding() {
        byte[] gzip = KplRecords.gzip(bytes("{\"event_id\":\"e1\",\"type\":\"feedback\",\"padding\":\"" + "y".repeat(500) + "\"}"));
        byte[] corrupt = Arrays.copyOf(gzip, gzip.length / 2);
        assertThat(unwrap(corrupt)).singleElement().satisfies(r -> {
            assertThat(r.decodeFailure).isEqualTo(DeadLetterReason.BAD_ENCODING);
            assertThat(r.decodeDetail).startsWith("gzip record does not inflate");
        });
    }

    @Test
    void gzipThatInflatesPastOneMebibyteIsTooLargeAndKeepsOnlyWhatADeadLetterStores() {
        byte[] bomb = KplRecords.gzip(bytes("z".repeat(EventParser.MAX_RECORD_BYTES + 1)));
        assertThat(bomb.length).isLessThan(10_000);
        assertThat(unwrap(bomb)).singleElement().satisfies(r -> {
            assertThat(r.decodeFailure).isEqualTo(DeadLetterReason.TOO_LARGE);
            assertThat(r.payload.length).isEqualTo(64 * 1024);
        });
        // Exactly at the limit is fine.
        assertThat(unwrap(KplRecords.gzip(bytes("z".repeat(EventParser.MAX_RECORD_BYTES))))).singleElement()
                .satisfies(r -> assertThat(r.decodeFailure).isNull());
    }

    private static List<RawRecord> unwrap(byte[] data) {
        List<RawRecord> out = new ArrayList<>();
        KinesisPayloads.unwrap(SHARD, SEQ, data, out::add);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
