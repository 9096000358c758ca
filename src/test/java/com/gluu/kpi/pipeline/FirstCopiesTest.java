package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FirstCopies} against the obvious model, a {@code HashMap} of id → (ts, key group) from
 * which every id whose minute of expiry has ended is dropped: the same answers after every
 * step, through growth, removals in the middle of probe runs and a write/read round trip.
 */
class FirstCopiesTest {
    private static final long MIN = 60_000;

    private record Entry(long ts, int keyGroup, long bucketEnd) {}

    @Test
    void answersAsAMapOfIdsThroughGrowthExpiryAndACheckpoint() throws Exception {
        Random random = new Random(11);
        FirstCopies copies = new FirstCopies();
        Map<String, Entry> model = new HashMap<>();
        long watermark = 0;
        for (int step = 0; step < 40; step++) {
            // A few thousand events per step: new ids and repeats of remembered ones.
            for (int i = 0; i < 3_000; i++) {
                String id = random.nextInt(4) == 0 && !model.isEmpty()
                        ? "ev-" + random.nextInt(step * 3_000 + i + 1)
                        : "ev-" + (step * 3_000 + i);
                long ts = watermark + random.nextInt((int) (3 * MIN));
                Entry known = model.get(id);
                assertThat(copies.find(id)).as("find %s", id).isEqualTo(known != null);
                if (known != null) {
                    assertThat(copies.foundTs()).isEqualTo(known.ts());
                } else {
                    int keyGroup = random.nextInt(128);
                    long forgetAt = ts + 15 * MIN;
                    copies.add(ts, keyGroup, forgetAt);
                    // rounded up to the end of the minute of forgetAt
                    model.put(id, new Entry(ts, keyGroup, (forgetAt / MIN + 1) * MIN));
                }
            }
            watermark += 2 * MIN;
            long mark = watermark;
            copies.forgetUpTo(mark);
            model.values().removeIf(e -> e.bucketEnd() <= mark);
            assertThat(copies.size()).as("step %d", step).isEqualTo(model.size());
            for (int probe = 0; probe < 2_000; probe++) {
                String id = "ev-" + random.nextInt((step + 1) * 3_000);
                assertThat(copies.find(id)).as("after expiry, %s", id).isEqualTo(model.containsKey(id));
            }
        }
        assertThat(model.size()).isGreaterThan(10_000); // the table grew several times

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            copies.write(out);
        }
        assertThat(bytes.size()).isEqualTo(4 + 28 * model.size());
        FirstCopies even = new FirstCopies();
        even.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), kg -> kg % 2 == 0, 15 * MIN);
        long evenEntries = model.values().stream().filter(e -> e.keyGroup() % 2 == 0).count();
        assertThat(even.size()).isEqualTo(evenEntries);
        for (Map.Entry<String, Entry> e : model.entrySet()) {
            assertThat(even.find(e.getKey())).isEqualTo(e.getValue().keyGroup() % 2 == 0);
            if (e.getValue().keyGroup() % 2 == 0) {
                assertThat(even.foundTs()).isEqualTo(e.getValue().ts());
            }
        }
        // Restored entries expire as written: ts + 15 min, rounded up to the minute's end.
        long last = model.values().stream().mapToLong(Entry::bucketEnd).max().orElseThrow();
        even.forgetUpTo(last - 1);
        assertThat(even.size()).isEqualTo(model.values().stream()
                .filter(e -> e.keyGroup() % 2 == 0 && e.bucketEnd() > last - 1).count());
        even.forgetUpTo(last);
        assertThat(even.size()).isZero();
    }

    /**
     * An id whose expiry minute the watermark has already passed (a late copy, or a restore) goes
     * into a new list for that minute, not into the one just forgotten: the next sweep forgets it.
     */
    @Test
    void anIdForAMinuteAlreadyForgottenIsForgottenByTheNextSweep() {
        FirstCopies copies = new FirstCopies();
        assertThat(copies.find("a")).isFalse();
        copies.add(0, 1, 10 * MIN + 5); // forgotten once the watermark reaches the end of minute 10
        copies.forgetUpTo(11 * MIN);
        assertThat(copies.size()).isZero();
        assertThat(copies.find("b")).isFalse();
        copies.add(0, 1, 10 * MIN + 7); // the same minute, already swept
        assertThat(copies.size()).isEqualTo(1);
        copies.forgetUpTo(11 * MIN);
        assertThat(copies.size()).isZero();
        assertThat(copies.find("b")).isFalse();
        // And ids of the next minute still go into one list each time.
        for (String id : new String[] {"c", "d", "e"}) {
            assertThat(copies.find(id)).isFalse();
            copies.add(0, 1, 11 * MIN + 1);
        }
        copies.forgetUpTo(12 * MIN - 1);
        assertThat(copies.size()).isEqualTo(3);
        copies.forgetUpTo(12 * MIN);
        assertThat(copies.size()).isZero();
    }

    @Test
    void aCheckpointNamingAnIdTwiceKeepsTheFirstAndForgetsItOnce() {
        FirstCopies copies = new FirstCopies();
        copies.add("a", 1_000, 3, 1_000 + 15 * MIN);
        copies.add("a", 9_000, 3, 9_000 + 15 * MIN);
        assertThat(copies.size()).isEqualTo(1);
        assertThat(copies.find("a")).isTrue();
        assertThat(copies.foundTs()).isEqualTo(1_000);
        copies.forgetUpTo(17 * MIN);
        assertThat(copies.size()).isZero();
        assertThat(copies.find("a")).isFalse();
    }
}
