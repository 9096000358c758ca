package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.traffic.TrafficCounts;
import com.gluu.kpi.traffic.TrafficPartial;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The key cap: at most cap keys per window of every size, the partials of further keys under
 * {@code ~other} with nothing lost, the same verdict in a slot's minute and hour (so an hour row
 * is the sum of its minute rows), key sets per window that expire with the window, and admitted
 * keys that survive a snapshot and restore.
 */
class KeyCapTest {
    private static final long MINUTE = 60_000;
    private static final long HOUR = 60 * MINUTE;
    private static final Duration LATENESS = Duration.ofMinutes(5);
    /** 2026-11-22T05:00:00Z, an hour boundary. */
    private static final long H0 = 1_795_323_600_000L;

    private OneInputStreamOperatorTestHarness<TrafficPartial, TrafficPartial> harness;

    private static KeyCap<TrafficPartial> cap(int maxKeys) {
        return new KeyCap<>("kpi.traffic", List.of(Duration.ofMinutes(1), Duration.ofHours(1)), LATENESS, maxKeys,
                new TrafficPartial.CapPolicy());
    }

    private void open(int maxKeys) throws Exception {
        harness = new OneInputStreamOperatorTestHarness<>(cap(maxKeys));
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private static TrafficPartial partial(String service, long requests) {
        TrafficPartial p = new TrafficPartial();
        p.service = service;
        p.route = "/analyze";
        p.model = "blip2";
        p.endpoint = "ep";
        p.counts = new TrafficCounts();
        p.counts.requests = requests;
        p.counts.errors = requests / 2;
        return p;
    }

    /** A partial of minute {@code minute} (from H0), stamped like the pre-aggregator's: the slot's last ms. */
    private void send(String service, long requests, int minute) throws Exception {
        harness.processElement(partial(service, requests), H0 + (minute + 1) * MINUTE - 1);
    }

    /** The output so far as rows: (window size, window start, key) → requests, as the window operators would sum. */
    private Map<List<Object>, Long> rows() {
        Map<List<Object>, Long> rows = new HashMap<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord) {
                @SuppressWarnings("unchecked")
                StreamRecord<TrafficPartial> r = (StreamRecord<TrafficPartial>) o;
                TrafficPartial p = r.getValue();
                for (long size : new long[] {MINUTE, HOUR}) {
                    long start = Math.floorDiv(r.getTimestamp(), size) * size;
                    rows.merge(List.of(size, start, p.service, p.route, p.model, p.endpoint), p.counts.requests, Long::sum);
                }
            }
        }
        return rows;
    }

    private static List<Object> row(long size, long start, String service) {
        return service.equals(KeyCap.OTHER)
                ? List.of(size, start, KeyCap.OTHER, KeyCap.OTHER, KeyCap.OTHER, KeyCap.OTHER)
                : List.of(size, start, service, "/analyze", "blip2", "ep");
    }

    @Test
    void capPlusNKeysInAWindowGiveCapKeysAndOneOtherRowHoldingTheRest() throws Exception {
        open(3);
        long overflowed = 0;
        for (int i = 0; i < 10; i++) {
            send("s" + i, i + 1, 0);
            if (i >= 3) {
                overflowed += i + 1; // s3..s9 come after the cap is reached
            }
        }
        send("s1", 100, 0); // an admitted key stays admitted
        send("s5", 1000, 0); // an overflowed key stays overflowed
        overflowed += 1000;

        Map<List<Object>, Long> rows = rows();
        for (long size : new long[] {MINUTE, HOUR}) {
            assertThat(rows).containsEntry(row(size, H0, "s0"), 1L).containsEntry(row(size, H0, "s1"), 102L)
                    .containsEntry(row(size, H0, "s2"), 3L).containsEntry(row(size, H0, KeyCap.OTHER), overflowed);
        }
        assertThat(rows).hasSize(2 * 4);
        assertThat(rows.values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(2 * (55 + 100 + 1000)); // every request, in both sizes
        // The overflow partial keeps its measures (errors too), only its dimensions change.
        List<TrafficPartial> other = harness.extractOutputValues().stream()
                .filter(p -> p.service.equals(KeyCap.OTHER)).toList();
        assertThat(other).hasSize(8);
        assertThat(other.get(0).counts.errors).isEqualTo(2); // s3: 4 requests
    }

    @Test
    void aKeyAdmittedInAnHourNeedsAPlaceAgainInTheNextHour() throws Exception {
        open(2);
        send("a", 1, 1); // minute 1 of hour 0
        send("b", 1, 1);
        send("c", 1, 2); // hour 0 is full: c goes to ~other in minute 2 and in hour 0
        send("c", 1, 61); // minute 61 lies in hour 1, which has room
        send("a", 1, 61);
        send("b", 1, 62); // hour 1 is full (c, a)

        Map<List<Object>, Long> rows = rows();
        assertThat(rows).containsEntry(row(HOUR, H0, "a"), 1L).containsEntry(row(HOUR, H0, "b"), 1L)
                .containsEntry(row(HOUR, H0, KeyCap.OTHER), 1L)
                .containsEntry(row(HOUR, H0 + HOUR, "c"), 1L).containsEntry(row(HOUR, H0 + HOUR, "a"), 1L)
                .containsEntry(row(HOUR, H0 + HOUR, KeyCap.OTHER), 1L)
                .containsEntry(row(MINUTE, H0 + 2 * MINUTE, KeyCap.OTHER), 1L)
                .containsEntry(row(MINUTE, H0 + 62 * MINUTE, KeyCap.OTHER), 1L)
                .doesNotContainKey(row(HOUR, H0, "c")).doesNotContainKey(row(HOUR, H0 + HOUR, "b"));
    }

    @Test
    void aMinuteWithRoomStillSendsToOtherAKeyItsHourHasNoRoomFor() throws Exception {
        open(2);
        send("a", 1, 0);
        send("b", 1, 1);
        send("c", 5, 2); // minute 2 is empty, but hour 0 holds a and b
        Map<List<Object>, Long> rows = rows();
        assertThat(rows).containsEntry(row(MINUTE, H0 + 2 * MINUTE, KeyCap.OTHER), 5L)
                .containsEntry(row(HOUR, H0, KeyCap.OTHER), 5L);
    }

    @Test
    void theOverflowKeyItselfTakesNoPlace() throws Exception {
        open(1);
        TrafficPartial other = partial(KeyCap.OTHER, 1); // e.g. from an upstream cap
        other.route = other.model = other.endpoint = KeyCap.OTHER;
        harness.processElement(other, H0 + MINUTE - 1);
        send("a", 1, 0); // still room for one key
        send("b", 1, 0);
        assertThat(harness.extractOutputValues().stream().map(p -> p.service + p.route).toList())
                .containsExactly(KeyCap.OTHER + KeyCap.OTHER, "a/analyze", KeyCap.OTHER + KeyCap.OTHER);
    }

    @Test
    void keySetsExpireWhenTheWatermarkPassesTheWindowEndPlusLateness() throws Exception {
        open(1);
        send("a", 1, 0);
        send("b", 1, 0);
        assertThat(cap().openWindows()).isEqualTo(2); // minute 0, hour 0
        harness.processWatermark(H0 + MINUTE - 1 + LATENESS.toMillis() - 1);
        assertThat(cap().openWindows()).isEqualTo(2);
        harness.processWatermark(H0 + MINUTE - 1 + LATENESS.toMillis());
        assertThat(cap().openWindows()).isEqualTo(1); // minute 0 is gone, hour 0 stays
        harness.processWatermark(H0 + HOUR - 1 + LATENESS.toMillis());
        assertThat(cap().openWindows()).isZero();
        // A partial for windows past their lateness passes unchanged (the windows drop it as late)
        // and opens nothing.
        send("b", 1, 0);
        assertThat(harness.extractOutputValues().get(2).service).isEqualTo("b");
        assertThat(cap().openWindows()).isZero();
        assertThat(harness.getOutput().stream().filter(o -> o instanceof Watermark).count()).isEqualTo(3);
    }

    @SuppressWarnings("unchecked")
    private KeyCap<TrafficPartial> cap() {
        return (KeyCap<TrafficPartial>) harness.getOneInputOperator();
    }

    @Test
    void aRestoredCapKeepsItsAdmittedKeys() throws Exception {
        open(2);
        send("a", 1, 0);
        send("b", 1, 0);
        send("c", 1, 0);
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = new OneInputStreamOperatorTestHarness<>(cap(2));
        harness.initializeState(snapshot);
        harness.open();
        send("d", 1, 0); // full after the restore too
        send("b", 1, 1); // b is admitted in hour 0, and minute 1 has room
        send("a", 1, 0);
        assertThat(harness.extractOutputValues().stream().map(p -> p.service).toList())
                .containsExactly(KeyCap.OTHER, "b", "a");
        assertThat(cap().openWindows()).isEqualTo(3);
    }

    @Test
    void everyHourRowIsTheSumOfItsMinuteRowsAndNothingIsLost() throws Exception {
        int maxKeys = 20;
        open(maxKeys);
        Random random = new Random(7);
        Map<List<Object>, Long> input = new HashMap<>(); // (size, start) → requests
        for (int i = 0; i < 5_000; i++) {
            int minute = random.nextInt(130); // three hours
            String service = "s" + (int) Math.abs(random.nextGaussian() * 30);
            long requests = 1 + random.nextInt(9);
            send(service, requests, minute);
            for (long size : new long[] {MINUTE, HOUR}) {
                long ts = H0 + (minute + 1) * MINUTE - 1;
                input.merge(List.of(size, Math.floorDiv(ts, size) * size), requests, Long::sum);
            }
        }
        Map<List<Object>, Long> rows = rows();

        Map<List<Object>, Long> perWindow = new HashMap<>();
        Map<List<Object>, Integer> keysPerWindow = new HashMap<>();
        Map<List<Object>, Long> minutesSummed = new HashMap<>();
        for (Map.Entry<List<Object>, Long> r : rows.entrySet()) {
            List<Object> k = r.getKey();
            List<Object> window = k.subList(0, 2);
            perWindow.merge(window, r.getValue(), Long::sum);
            keysPerWindow.merge(window, 1, Integer::sum);
            if (k.get(0).equals(MINUTE)) {
                long hour = Math.floorDiv((Long) k.get(1), HOUR) * HOUR;
                List<Object> hourKey = new ArrayList<>(k);
                hourKey.set(0, HOUR);
                hourKey.set(1, hour);
                minutesSummed.merge(hourKey, r.getValue(), Long::sum);
            }
        }
        assertThat(perWindow).as("Σ rows = Σ input, per window").isEqualTo(input);
        assertThat(keysPerWindow.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(maxKeys + 1));
        assertThat(keysPerWindow.values()).contains(maxKeys + 1); // the cap was reached
        Map<List<Object>, Long> hours = new HashMap<>(rows);
        hours.keySet().removeIf(k -> k.get(0).equals(MINUTE));
        assertThat(minutesSummed).as("hour rows = Σ minute rows, per key").isEqualTo(hours);
    }
}
