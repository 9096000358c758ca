package com.gluu.kpi.sinks;

import com.gluu.kpi.accuracy.AccuracyRow;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** The upsert of {@code kpi.accuracy}, keyed by window, model and model version. */
public final class AccuracyTable implements UpsertStatement<AccuracyRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public String sql() {
        return "INSERT INTO kpi.accuracy (window_start, window_end, model, model_version, feedback, correct, partial,"
                + " incorrect, accuracy, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                + " ON CONFLICT (window_start, window_end, model, model_version) DO UPDATE SET"
                + " feedback = EXCLUDED.feedback, correct = EXCLUDED.correct, partial = EXCLUDED.partial,"
                + " incorrect = EXCLUDED.incorrect, accuracy = EXCLUDED.accuracy, updated_at = now()";
    }

    @Override
    public Object key(AccuracyRow r) {
        return List.of(r.windowStart, r.windowEnd, r.model, r.modelVersion);
    }

    @Override
    public void bind(PreparedStatement s, AccuracyRow r) throws SQLException {
        s.setObject(1, KpiTables.time(r.windowStart));
        s.setObject(2, KpiTables.time(r.windowEnd));
        s.setString(3, r.model);
        s.setString(4, r.modelVersion);
        s.setLong(5, r.feedback);
        s.setLong(6, r.correct);
        s.setLong(7, r.partial);
        s.setLong(8, r.incorrect);
        s.setDouble(9, r.accuracy);
    }
}
