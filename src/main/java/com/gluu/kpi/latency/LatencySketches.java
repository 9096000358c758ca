package com.gluu.kpi.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one kind of quantile sketch gluu-kpi writes: a DDSketch with 1 % relative accuracy
 * (SPEC §4), logarithmic mapping, and a dense store of at most 2048 bins. 2048 bins at 1 %
 * cover a ratio of about 10^17 between the smallest and largest value, so for latencies the
 * store never collapses, and its size stays bounded whatever arrives.
 *
 * <p>The serialized form in Flink state is DDSketch's own compact binary encoding
 * ({@code DDSketch.encode}/{@code decode}), which sketches-java and sketches-go read. The column
 * {@code kpi.latency.sketch} holds {@link StoredSketch} format 1 instead, which SQL can merge;
 * {@link #fromBytes} reads both, so code that reads the column with it keeps working.
 */
public final class LatencySketches {
    public static final double RELATIVE_ACCURACY = 0.01;
    static final int MAX_BINS = 2048;

    private LatencySketches() {}

    public static DDSketch create() {
        return DDSketches.logarithmicCollapsingLowestDense(RELATIVE_ACCURACY, MAX_BINS);
    }

    public static byte[] toBytes(DDSketch sketch) {
        GrowingByteArrayOutput output = GrowingByteArrayOutput.withDefaultInitialCapacity();
        try {
            sketch.encode(output, false);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a DDSketch in memory cannot fail", e);
        }
        return output.trimmedCopy();
    }

    /** A sketch from {@link #toBytes} (Flink state) or {@link StoredSketch#encode} (the column), told apart by the first byte. */
    public static DDSketch fromBytes(byte[] bytes) {
        if (StoredSketch.isStoredFormat(bytes)) {
            return StoredSketch.decode(bytes);
        }
        try {
            return DDSketch.decode(ByteArrayInput.wrap(bytes), () -> new CollapsingLowestDenseStore(MAX_BINS));
        } catch (IOException e) {
            throw new UncheckedIOException("not a serialized DDSketch", e);
        }
    }
}
