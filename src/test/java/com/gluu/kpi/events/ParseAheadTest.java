package com.gluu.kpi.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * {@link EventParser#parseAhead} and {@link EventParser#parseOrTake}: what a file source parses in
 * its reading thread is exactly what the parse step would have parsed itself (the event, or the
 * dead letter's reason and message), it is used only under equal limits, taken once, and travels
 * with a serialized record ({@link RawRecordSerializer}) to a parse step in another task.
 */
class ParseAheadTest {
    private static final long TS = 1_795_305_600_000L;

    /** Records of every kind and verdict: valid events, a non-plain one (escapes), and invalid ones. */
    private static final List<String> LINES = List.of(
            "{\"event_id\":\"e1\",\"type\":\"inference\",\"ts\":" + TS + ",\"request_id\":\"r1\",\"service\":\"analyze-api\","
                    + "\"route\":\"/analyze\",\"model\":\"blip2\",\"endpoint\":\"blip2-endpoint\",\"status\":\"ok\","
                    + "\"latency_ms\":{\"total\":1234.5,\"model\":1000.25}}",
            "{\"event_id\":\"e2\",\"type\":\"feedback\",\"ts\":" + (TS + 1) + ",\"request_id\":\"r1\",\"verdict\":\"partial\"}",
            "{\"event_id\":\"e3\",\"type\":\"endpoint\",\"ts\":" + TS + ",\"endpoint\":\"blip2-endpoint\",\"model\":\"blip2\","
                    + "\"state\":\"InService\",\"instance_type\":\"ml.g5.xlarge\",\"instance_count\":1}",
            "{\"event_id\":\"e4\",\"type\":\"task\",\"ts\":" + TS + ",\"task_id\":\"t1\",\"service\":\"analyze-api\","
                    + "\"state\":\"RUNNING\",\"vcpu\":1,\"memory_gb\":2}",
            "{\"event_id\":\"e\\u0035\",\"type\":\"inference\",\"ts\":" + TS + ",\"request_id\":\"r\\n5\",\"service\":\"a\","
                    + "\"route\":\"/analyze\",\"model\":\"blip2\",\"status\":\"error\",\"latency_ms\":{\"total\":1e3}}",
            "{not json",
            "{\"event_id\":\"e6\",\"type\":\"inference\",\"ts\":" + TS + ",\"request_id\":\"r6\",\"service\":\"a\","
                    + "\"route\":\"/analyze\",\"model\":\"blip2\",\"status\":\"ok\",\"latency_ms\":{\"total\":-1}}",
            "{\"event_id\":\"e7\",\"type\":\"no_such_type\",\"ts\":" + TS + "}");

    private static RawRecord record(int line) {
        return RawRecord.of("events.jsonl", Integer.toString(line + 1), LINES.get(line).getBytes(StandardCharsets.UTF_8));
    }

    /** What the parse step gives without parsing ahead: the event's serialized bytes, or the exception's reason and message. */
    private static String verdict(EventParser parser, RawRecord record, boolean take) throws IOException {
        try {
            Event event = take ? parser.parseOrTake(record) : parser.parse(record);
            DataOutputSerializer out = new DataOutputSerializer(256);
            EventSerializer.INSTANCE.serialize(event, out);
            return "event " + Arrays.toString(out.getCopyOfBuffer());
        } catch (InvalidEventException e) {
            return e.reason() + ": " + e.getMessage();
        }
    }

    @Test
    void aRecordParsedAheadGivesTheVerdictTheParseStepWouldHaveGiven() throws IOException {
        EventParser reading = new EventParser(InputLimits.defaults());
        EventParser parseStep = new EventParser(InputLimits.defaults()); // an equal copy, as after deserialization
        int invalid = 0;
        for (int i = 0; i < LINES.size(); i++) {
            RawRecord ahead = record(i);
            reading.parseAhead(ahead);
            assertThat(ahead.isParsedAhead()).as(LINES.get(i)).isTrue();

            String expected = verdict(new EventParser(InputLimits.defaults()), record(i), false);
            assertThat(verdict(parseStep, ahead, true)).as(LINES.get(i)).isEqualTo(expected);
            assertThat(ahead.isParsedAhead()).as("taken").isFalse();
            if (!expected.startsWith("event ")) {
                invalid++;
            }
        }
        assertThat(invalid).as("the invalid lines of LINES").isEqualTo(3);
    }

    @Test
    void underOtherLimitsTheParseStepParsesItself() throws Exception {
        String longId = "r".repeat(80);
        byte[] json = ("{\"event_id\":\"e1\",\"type\":\"feedback\",\"ts\":" + TS + ",\"request_id\":\"" + longId
                + "\",\"verdict\":\"correct\"}").getBytes(StandardCharsets.UTF_8);
        InputLimits d = InputLimits.defaults();
        InputLimits generous = new InputLimits(128, d.maxDimensionChars, d.maxLatencyMs, d.maxTokens, d.maxImages,
                d.maxInstanceCount, d.minTsMillis, d.maxTsMillis);
        InputLimits strict = new InputLimits(64, d.maxDimensionChars, d.maxLatencyMs, d.maxTokens, d.maxImages,
                d.maxInstanceCount, d.minTsMillis, d.maxTsMillis);
        RawRecord record = RawRecord.of("events.jsonl", "1", json);
        new EventParser(generous).parseAhead(record);
        assertThat(record.isParsedAhead()).isTrue();

        // Valid under 128 characters, not under 64: the parse step's own limits decide.
        assertThatThrownBy(() -> new EventParser(strict).parseOrTake(record))
                .isInstanceOfSatisfying(InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_VALUE));
        assertThat(new EventParser(generous).parseOrTake(record).routingKey()).isEqualTo(longId);
    }

    @Test
    void aTakenResultIsGoneAndTheRecordIsParsedAgainWithTheSameResult() throws Exception {
        EventParser parser = new EventParser(InputLimits.defaults());
        RawRecord record = record(0);
        parser.parseAhead(record);
        Event first = parser.parseOrTake(record);
        assertThat(record.isParsedAhead()).isFalse();
        Event second = parser.parseOrTake(record);
        assertThat(second).isNotSameAs(first);
        assertThat(verdict(parser, record, false)).isEqualTo(verdict(parser, record(0), false));
        assertThat(second.eventId).isEqualTo(first.eventId).isEqualTo("e1");
        assertThat(second.inference.totalLatencyMs).isEqualTo(first.inference.totalLatencyMs).isEqualTo(1234.5);
    }

    @Test
    void aSerializedRecordArrivesWithItsResultAndTheParseStepGivesTheSameVerdict() throws IOException {
        @SuppressWarnings("deprecation")
        TypeSerializer<RawRecord> serializer = TypeInformation.of(RawRecord.class).createSerializer(new ExecutionConfig());
        assertThat(serializer).isSameAs(RawRecordSerializer.INSTANCE); // through @TypeInfo, not Flink's POJO serializer
        InputLimits d = InputLimits.defaults();
        InputLimits strict = new InputLimits(1, d.maxDimensionChars, d.maxLatencyMs, d.maxTokens, d.maxImages,
                d.maxInstanceCount, d.minTsMillis, d.maxTsMillis);
        for (int i = 0; i < LINES.size(); i++) {
            RawRecord record = record(i);
            record.rangeStart = 1000L * i; // the range fields travel too
            new EventParser(InputLimits.defaults()).parseAhead(record);
            DataOutputSerializer out = new DataOutputSerializer(512);
            serializer.serialize(record, out);
            RawRecord arrived = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            RawRecord again = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

            assertThat(arrived.payload).isEqualTo(record.payload);
            assertThat(arrived.id()).isEqualTo(record.id());
            assertThat(arrived.rangeStart).isEqualTo(1000L * i);
            assertThat(arrived.isParsedAhead()).as(LINES.get(i)).isTrue();
            String expected = verdict(new EventParser(InputLimits.defaults()), record(i), false);
            assertThat(verdict(new EventParser(InputLimits.defaults()), arrived, true)).as(LINES.get(i)).isEqualTo(expected);
            // Judged under other limits, the result that travelled is not used: the step parses itself.
            assertThat(verdict(new EventParser(strict), again, true)).as(LINES.get(i))
                    .isEqualTo(verdict(new EventParser(strict), record(i), false));
            // A copy within a task leaves the result with the original, which takes it once.
            assertThat(serializer.copy(record).isParsedAhead()).isFalse();
        }
    }

    @Test
    void aRangeEndMarkerRoundTrips() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        RawRecordSerializer.INSTANCE.serialize(RawRecord.rangeEnd("events.jsonl", 1_048_576, 2_097_153, 3_041), out);
        RawRecord arrived = RawRecordSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(arrived.isRangeEnd()).isTrue();
        assertThat(arrived.origin).isEqualTo("events.jsonl");
        assertThat(new long[] {arrived.rangeStart, arrived.rangeEnd, arrived.rangeLines})
                .containsExactly(1_048_576, 2_097_153, 3_041);
        assertThat(arrived.isParsedAhead()).isFalse();
        assertThat(RawRecord.of("f", "1", new byte[] {'{'}).isRangeEnd()).isFalse();
    }
}
