package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.events.RawRecordSerializer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FileOrder} against a model of several readers: a file of numbered lines is cut into
 * ranges, each reader takes the lowest range not yet taken (as the split assigner hands them out)
 * and its records arrive interleaved at random with the other readers'. Whatever the interleaving,
 * and across a snapshot and restore taken while ranges wait, what comes out is the file's lines in
 * order, each numbered by its line in the file, exactly as one reader of the whole file gives them.
 */
class FileOrderTest {
    private static final String FILE = "trace.jsonl";

    /** One range as its reader emits it: its lines numbered from 1 within the range, then its end marker. */
    private static Deque<RawRecord> rangeAsRead(List<String> lines, int firstLine, int count, long start, long end) {
        Deque<RawRecord> out = new ArrayDeque<>();
        for (int i = 0; i < count; i++) {
            RawRecord r = RawRecord.of(FILE, Integer.toString(i + 1), lines.get(firstLine + i).getBytes(StandardCharsets.UTF_8));
            r.rangeStart = start;
            out.add(r);
        }
        out.add(RawRecord.rangeEnd(FILE, start, end, count));
        return out;
    }

    /** The file's lines cut into ranges of 0 to 6 lines, as (first line, count, start byte, end byte). */
    private static List<long[]> ranges(List<String> lines, Random random) {
        List<long[]> ranges = new ArrayList<>();
        int line = 0;
        long offset = 0;
        while (line < lines.size()) {
            int count = Math.min(random.nextInt(7), lines.size() - line);
            long end = offset;
            for (int i = 0; i < count; i++) {
                end += lines.get(line + i).length() + 1; // the '\n'
            }
            if (count == 0) {
                end = offset + 1; // a range of only part of a long line has no line of its own
            }
            ranges.add(new long[] {line, count, offset, end});
            line += count;
            offset = end;
        }
        return ranges;
    }

    /** Every record the readers emit, in one random interleaving of {@code readers} readers taking ranges lowest first. */
    private static List<RawRecord> interleaved(List<String> lines, int readers, Random random) {
        Deque<long[]> unassigned = new ArrayDeque<>(ranges(lines, random));
        List<Deque<RawRecord>> current = new ArrayList<>();
        for (int i = 0; i < readers; i++) {
            current.add(new ArrayDeque<>());
        }
        List<RawRecord> arriving = new ArrayList<>();
        while (true) {
            List<Integer> busy = new ArrayList<>();
            for (int i = 0; i < readers; i++) {
                if (current.get(i).isEmpty() && !unassigned.isEmpty()) {
                    long[] r = unassigned.poll();
                    current.set(i, rangeAsRead(lines, (int) r[0], (int) r[1], r[2], r[3]));
                }
                if (!current.get(i).isEmpty()) {
                    busy.add(i);
                }
            }
            if (busy.isEmpty()) {
                return arriving;
            }
            arriving.add(current.get(busy.get(random.nextInt(busy.size()))).poll());
        }
    }

    private static List<String> file(int lines) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= lines; i++) {
            out.add("{\"event_id\":\"e" + i + "\"," + "x".repeat(i % 13) + "}");
        }
        return out;
    }

    private static OneInputStreamOperatorTestHarness<RawRecord, RawRecord> harness(OperatorSubtaskState restored)
            throws Exception {
        OneInputStreamOperatorTestHarness<RawRecord, RawRecord> h =
                new OneInputStreamOperatorTestHarness<>(new FileOrder(), RawRecordSerializer.INSTANCE);
        h.setup(RawRecordSerializer.INSTANCE);
        if (restored != null) {
            h.initializeState(restored);
        }
        h.open();
        return h;
    }

    private static List<String> emitted(OneInputStreamOperatorTestHarness<RawRecord, RawRecord> h) {
        List<String> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            @SuppressWarnings("unchecked")
            RawRecord r = ((StreamRecord<RawRecord>) o).getValue();
            assertThat(r.rangeStart).as("numbered in the file").isEqualTo(-1);
            out.add(r.id() + " " + new String(r.payload, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** What one reader of the whole file gives: every line, numbered from 1. */
    private static List<String> inFileOrder(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            out.add(FILE + ":" + (i + 1) + " " + lines.get(i));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} readers")
    @ValueSource(ints = {1, 2, 3, 5})
    void anyInterleavingComesOutInFileOrder(int readers) throws Exception {
        List<String> lines = file(400);
        for (long seed = 0; seed < 20; seed++) {
            try (OneInputStreamOperatorTestHarness<RawRecord, RawRecord> h = harness(null)) {
                for (RawRecord r : interleaved(lines, readers, new Random(seed))) {
                    h.processElement(new StreamRecord<>(r));
                }
                h.endInput();
                assertThat(emitted(h)).as("seed " + seed).isEqualTo(inFileOrder(lines));
            }
        }
    }

    @Test
    void aSnapshotTakenWhileRangesWaitRestoresToTheSameOutput() throws Exception {
        List<String> lines = file(300);
        int snapshotsWithRecordsWaiting = 0;
        for (long seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            List<RawRecord> arriving = interleaved(lines, 3, random);
            int cut = arriving.size() / 4 + random.nextInt(arriving.size() / 2);
            List<String> out = new ArrayList<>();
            OperatorSubtaskState snapshot;
            try (OneInputStreamOperatorTestHarness<RawRecord, RawRecord> before = harness(null)) {
                for (RawRecord r : arriving.subList(0, cut)) {
                    before.processElement(new StreamRecord<>(r));
                }
                out.addAll(emitted(before));
                snapshot = before.snapshot(1, 1);
            }
            if (out.size() < arriving.subList(0, cut).stream().filter(r -> !r.isRangeEnd()).count()) {
                snapshotsWithRecordsWaiting++;
            }
            try (OneInputStreamOperatorTestHarness<RawRecord, RawRecord> after = harness(snapshot)) {
                for (RawRecord r : arriving.subList(cut, arriving.size())) {
                    after.processElement(new StreamRecord<>(r));
                }
                after.endInput();
                out.addAll(emitted(after));
            }
            assertThat(out).as("seed " + seed).isEqualTo(inFileOrder(lines));
        }
        assertThat(snapshotsWithRecordsWaiting).as("snapshots that held records of later ranges").isGreaterThan(10);
    }

    @Test
    void aRangeThatNeverCameFailsAtTheEndInsteadOfMisnumberingLines() throws Exception {
        List<String> lines = file(10);
        try (OneInputStreamOperatorTestHarness<RawRecord, RawRecord> h = harness(null)) {
            // Lines 1-3 are bytes [0, 3 lines); the range after them never arrives, the one after that does.
            long firstEnd = lines.get(0).length() + lines.get(1).length() + lines.get(2).length() + 3;
            long secondEnd = firstEnd + lines.get(3).length() + 1;
            for (RawRecord r : rangeAsRead(lines, 0, 3, 0, firstEnd)) {
                h.processElement(new StreamRecord<>(r));
            }
            for (RawRecord r : rangeAsRead(lines, 4, 2, secondEnd, secondEnd + 100)) {
                h.processElement(new StreamRecord<>(r));
            }
            assertThat(emitted(h)).isEqualTo(inFileOrder(lines).subList(0, 3));
            assertThatThrownBy(h::endInput).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("waiting for the one at " + firstEnd);
        }
    }

    @Test
    void aRecordFromNoRangeIsRefused() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, RawRecord> h = harness(null)) {
            assertThatThrownBy(() -> h.processElement(new StreamRecord<>(RawRecord.of(FILE, "1", new byte[] {'{'}))))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
