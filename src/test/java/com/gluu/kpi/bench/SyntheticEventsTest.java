package com.gluu.kpi.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventParser;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.RawRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticEventsTest {
    @TempDir
    Path tmp;

    /**
     * Two hours at 5 requests a second: 36,000 request lines (inferences, feedback, retries);
     * tasks 5 RUNNING per hour + 5 STOPPED at the second hour = 15; endpoints 3 every 10 minutes
     * (12 times) + 3 InService after each hour's half-hour Updating (2 times) = 42. Every line is
     * valid by the contract: the benchmark measures work, not rejection.
     */
    @Test
    void theProductionShapedTraceHasEveryEventTypeAndOnlyValidLines() throws Exception {
        Path file = tmp.resolve("trace.jsonl");
        long lines = SyntheticEvents.writeProductionShaped(file, 2, 5, Instant.parse("2026-11-22T00:00:00Z"), 1);
        List<String> written = Files.readAllLines(file);
        assertThat(written).hasSize((int) lines).hasSize(36_000 + 15 + 42);
        EventParser parser = new EventParser();
        Map<EventType, Integer> byType = new EnumMap<>(EventType.class);
        for (int i = 0; i < written.size(); i++) {
            Event e = parser.parse(RawRecord.of("trace.jsonl", Integer.toString(i + 1),
                    written.get(i).getBytes(StandardCharsets.UTF_8)));
            byType.merge(e.type, 1, Integer::sum);
        }
        assertThat(byType.get(EventType.TASK)).isEqualTo(15);
        assertThat(byType.get(EventType.ENDPOINT)).isEqualTo(42);
        // About 1 % of the request lines are feedback (seeded: a range, not the code's own count).
        assertThat(byType.get(EventType.FEEDBACK)).isBetween(250, 470);
        assertThat(byType.get(EventType.INFERENCE) + byType.get(EventType.FEEDBACK)).isEqualTo(36_000);
    }
}
