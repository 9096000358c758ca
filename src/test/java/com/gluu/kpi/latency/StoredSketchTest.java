package com.gluu.kpi.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Format 1 of {@code kpi.latency.sketch} ({@link StoredSketch}): the bytes as
 * {@code sql/V5__sketch_functions_and_rollups.sql} describes them, and a round trip that keeps
 * every bin.
 */
class StoredSketchTest {
    private static final double[] QUANTILES = {0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1};

    private static DDSketch sketchOf(double... values) {
        DDSketch s = LatencySketches.create();
        for (double v : values) {
            s.accept(v);
        }
        return s;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Test
    void aSmallSketchIsTheHeaderThenOneOffsetAndCountPerBin() {
        // ln(100) · 49.998333 = 230.25 and ln(5000) · 49.998333 = 425.85 (multiplier = 1 / ln(1.01 / 0.99)):
        // bins 230 (twice) and 425, and one zero.
        byte[] bytes = StoredSketch.encode(sketchOf(0, 100, 100, 5000));
        assertThat(hex(bytes)).isEqualTo("01" // version
                + "0000000000000001" // zero count
                + "000000e6" // base: bin 230
                + "0002" // two bins
                + "01" // counts in one byte
                + "0000" + "02" // bin 230 + 0, count 2
                + "00c3" + "01"); // bin 230 + 195, count 1
    }

    @Test
    void anEmptySketchIsTheHeaderAlone() {
        assertThat(hex(StoredSketch.encode(LatencySketches.create()))).isEqualTo("01" + "0000000000000000" + "00000000" + "0000" + "01");
    }

    @Test
    void theCountWidthIsTheFewestBytesThatHoldTheLargestCount() {
        assertThat(widthFor(255)).isEqualTo(1);
        assertThat(widthFor(256)).isEqualTo(2);
        assertThat(widthFor(65_535)).isEqualTo(2);
        assertThat(widthFor(65_536)).isEqualTo(4);
        assertThat(widthFor(4_294_967_295L)).isEqualTo(4);
        assertThat(widthFor(4_294_967_296L)).isEqualTo(8);
    }

    private static int widthFor(long count) {
        DDSketch s = sketchOf(3, 7);
        s.accept(100, count);
        byte[] bytes = StoredSketch.encode(s);
        int width = bytes[15];
        assertThat(bytes).hasSize(16 + 3 * (2 + width));
        DDSketch back = StoredSketch.decode(bytes);
        assertThat(back.getCount()).isEqualTo(count + 2.0);
        assertThat(back.getValueAtQuantile(0.5)).isEqualTo(s.getValueAtQuantile(0.5));
        return width;
    }

    @Test
    void aRoundTripKeepsEveryBinAndTheZeroCount() {
        Random random = new Random(41);
        for (int round = 0; round < 200; round++) {
            DDSketch s = LatencySketches.create();
            int n = random.nextInt(500);
            for (int i = 0; i < n; i++) {
                s.accept(random.nextInt(50) == 0 ? 0 : Math.exp(3 + 4 * random.nextGaussian()));
            }
            byte[] bytes = StoredSketch.encode(s);
            DDSketch back = StoredSketch.decode(bytes);
            assertThat(back.getCount()).isEqualTo(s.getCount());
            assertThat(StoredSketch.encode(back)).isEqualTo(bytes);
            if (n > 0) {
                for (double q : QUANTILES) {
                    assertThat(back.getValueAtQuantile(q)).as("q %s", q).isEqualTo(s.getValueAtQuantile(q));
                }
            }
            DDSketch merged = LatencySketches.create();
            merged.mergeWith(back); // the same mapping as the job's sketches
            assertThat(merged.getCount()).isEqualTo(s.getCount());
        }
    }

    @Test
    void aCollapsedSketchStaysWithin2048BinsAndRoundTrips() {
        // 1e-300 ms and 1e6 ms are ~37,000 bins apart: the store folds the lowest into one.
        DDSketch s = sketchOf(1e-300, 1e-200, 5, 1e6);
        byte[] bytes = StoredSketch.encode(s);
        int base = java.nio.ByteBuffer.wrap(bytes, 9, 4).getInt();
        int lastOffset = java.nio.ByteBuffer.wrap(bytes, bytes.length - 3, 2).getShort();
        assertThat(lastOffset).isEqualTo(2047);
        assertThat(base + lastOffset).isEqualTo(s.getIndexMapping().index(1e6));
        assertThat(StoredSketch.encode(StoredSketch.decode(bytes))).isEqualTo(bytes);
    }

    @Test
    void fromBytesReadsTheStateEncodingAndTheStoredFormat() {
        DDSketch s = sketchOf(0, 12.5, 800, 800, 9000);
        byte[] state = LatencySketches.toBytes(s);
        byte[] stored = StoredSketch.encode(s);
        assertThat(state[0]).as("DDSketch's encoding starts with its mapping flag").isEqualTo((byte) 0x02);
        assertThat(StoredSketch.isStoredFormat(state)).isFalse();
        assertThat(StoredSketch.isStoredFormat(stored)).isTrue();
        for (byte[] bytes : new byte[][] {state, stored}) {
            DDSketch back = LatencySketches.fromBytes(bytes);
            assertThat(StoredSketch.encode(back)).isEqualTo(stored);
        }
    }

    @Test
    void negativeValuesFractionalCountsAndMalformedBytesAreRefused() {
        assertThatThrownBy(() -> StoredSketch.encode(sketchOf(-1))).hasMessageContaining("negative");
        DDSketch half = sketchOf(1);
        half.accept(2, 0.5);
        assertThatThrownBy(() -> StoredSketch.encode(half)).hasMessageContaining("whole count");
        byte[] ok = StoredSketch.encode(sketchOf(1, 2));
        byte[] truncated = java.util.Arrays.copyOf(ok, ok.length - 1);
        assertThatThrownBy(() -> StoredSketch.decode(truncated)).hasMessageContaining("bins of width");
        byte[] badWidth = ok.clone();
        badWidth[15] = 3;
        assertThatThrownBy(() -> StoredSketch.decode(badWidth)).hasMessageContaining("width 3");
        assertThatThrownBy(() -> StoredSketch.decode(new byte[] {2, 0})).hasMessageContaining("format 1");
    }
}
