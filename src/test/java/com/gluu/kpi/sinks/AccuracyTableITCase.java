package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link KpiTables#ACCURACY} against the real {@code kpi.accuracy} of the V2 migration. */
class AccuracyTableITCase {
    /** 2026-11-22T05:38:00Z. */
    private static final long W = 1_795_325_880_000L;

    private static TestDatabase db;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @Test
    void upsertsOnWindowModelAndVersionAndReplacesEveryColumn() throws Exception {
        var table = KpiTables.ACCURACY;
        upsert(table, row("blip2", "v1", 4, 1, 1, 2, 0.4375));
        upsert(table, row("unmatched", "", 1, 1, 0, 0, 1.0));
        upsert(table, row("blip2", "v1", 5, 2, 1, 2, 0.55)); // the window fired again

        assertThat(db.rows("SELECT extract(epoch FROM window_start)::bigint AS s,"
                + " extract(epoch FROM window_end - window_start)::int AS len, model, model_version,"
                + " feedback, correct, partial, incorrect, accuracy FROM kpi.accuracy ORDER BY model"))
                .containsExactly(
                        Map.of("s", W / 1000, "len", 60, "model", "blip2", "model_version", "v1",
                                "feedback", 5L, "correct", 2L, "partial", 1L, "incorrect", 2L, "accuracy", 0.55),
                        Map.of("s", W / 1000, "len", 60, "model", "unmatched", "model_version", "",
                                "feedback", 1L, "correct", 1L, "partial", 0L, "incorrect", 0L, "accuracy", 1.0));
        assertThat(table.key(row("blip2", "v1", 9, 9, 0, 0, 1.0))).isEqualTo(List.of(W, W + 60_000, "blip2", "v1"));
    }

    private static void upsert(UpsertStatement<AccuracyRow> table, AccuracyRow row) throws Exception {
        try (Connection c = db.jdbc().connect(); PreparedStatement s = c.prepareStatement(table.sql())) {
            table.bind(s, row);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    private static AccuracyRow row(String model, String version, long feedback, long correct, long partial,
            long incorrect, double accuracy) {
        AccuracyRow r = new AccuracyRow();
        r.windowStart = W;
        r.windowEnd = W + 60_000;
        r.model = model;
        r.modelVersion = version;
        r.feedback = feedback;
        r.correct = correct;
        r.partial = partial;
        r.incorrect = incorrect;
        r.accuracy = accuracy;
        return r;
    }
}
