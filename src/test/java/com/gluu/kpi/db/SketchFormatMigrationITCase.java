package com.gluu.kpi.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.latency.LatencySketches;
import com.gluu.kpi.latency.StoredSketch;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.KpiTables;
import com.gluu.kpi.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * V5 changes what {@code kpi.latency.sketch} holds, from DDSketch's own encoding to format 1
 * ({@link StoredSketch}): rows written before are converted by the migration (in SQL, so psql and
 * the Supabase CLI convert them too), and rows an older job still writes are converted as they
 * arrive. Expected bytes come from sketches-java's own decoder ({@link LatencySketches#fromBytes}
 * of the old bytes), never from the SQL converter.
 */
class SketchFormatMigrationITCase {
    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final String UPSERT = KpiTables.LATENCY.sql();

    /** Sketches of many shapes, in DDSketch's encoding as the job wrote them before V5. */
    private static List<byte[]> legacySketches(int n, long seed) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            DDSketch s = LatencySketches.create();
            int values = 1 + random.nextInt(i % 3 == 0 ? 5 : 400); // few values: sparse bins; many: contiguous
            double median = Math.exp(2 + 8 * random.nextDouble());
            for (int v = 0; v < values; v++) {
                int kind = random.nextInt(100);
                s.accept(kind == 0 ? 0 : kind == 1 ? 1e-300 * (1 + random.nextDouble()) // folds the lowest bins
                        : median * Math.exp(0.6 * random.nextGaussian()));
            }
            if (i % 50 == 7) {
                s.accept(250, 70_000); // counts of more than two bytes
            }
            out.add(LatencySketches.toBytes(s));
        }
        return out;
    }

    /** The first byte after the mapping and the optional zero count: the positive store's flag (-1: none). */
    private static int storeFlag(byte[] legacy) {
        int pos = 17;
        if (legacy[pos] == 0x04) {
            pos++;
            while ((legacy[pos] & 0x80) != 0) {
                pos++;
            }
            pos++;
        }
        return pos < legacy.length ? legacy[pos] & 0xFF : -1;
    }

    private static void upsertLegacy(Connection c, Instant start, String service, byte[] sketch) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(UPSERT)) {
            s.setObject(1, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
            s.setObject(2, OffsetDateTime.ofInstant(start.plusSeconds(60), ZoneOffset.UTC));
            s.setString(3, service);
            s.setString(4, "blip2");
            s.setString(5, "blip2-endpoint");
            s.setString(6, "total");
            s.setLong(7, 1);
            for (int i = 8; i <= 13; i++) {
                s.setDouble(i, 1.0);
            }
            s.setBytes(14, sketch); // what the sink bound before V5: DDSketch's own encoding
            s.executeUpdate();
        }
    }

    private static byte[] storedSketch(JdbcSettings db, Instant start, String service) throws SQLException {
        try (Connection c = db.connect();
                PreparedStatement s = c.prepareStatement("SELECT sketch FROM kpi.latency WHERE window_start = ? AND service = ?")) {
            s.setObject(1, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
            s.setString(2, service);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getBytes(1);
            }
        }
    }

    @Test
    void rowsWrittenBeforeV5AreConvertedByTheMigration() throws Exception {
        POSTGRES.db().execute("CREATE DATABASE before_v5");
        JdbcSettings old = new JdbcSettings(POSTGRES.db().jdbc().url().replace("/postgres?", "/before_v5?"), null, null);
        Flyway.configure().dataSource(old.url(), null, null).locations("classpath:db/migration").schemas("kpi").target("4")
                .load().migrate();
        List<byte[]> legacy = legacySketches(600, 5);
        Set<Integer> flags = new HashSet<>();
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        try (Connection c = old.connect()) {
            c.setAutoCommit(false);
            for (int i = 0; i < legacy.size(); i++) {
                upsertLegacy(c, start.plusSeconds(60L * i), "analyze-api", legacy.get(i));
                flags.add(storeFlag(legacy.get(i)));
            }
            c.commit();
        }
        assertThat(flags).as("both bin encodings DDSketch.encode writes: index deltas and counts, contiguous counts")
                .contains(0x05, 0x0D);

        long t0 = System.nanoTime();
        Migrations.apply(old);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("V5 and after: %d legacy sketches converted (and every other migration step) in %.2f s%n", legacy.size(),
                seconds);

        List<byte[]> stored = new ArrayList<>();
        try (Connection c = old.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT sketch FROM kpi.latency ORDER BY window_start")) {
            while (rs.next()) {
                stored.add(rs.getBytes(1));
            }
        }
        assertThat(stored).hasSameSizeAs(legacy);
        for (int i = 0; i < legacy.size(); i++) {
            byte[] expected = StoredSketch.encode(LatencySketches.fromBytes(legacy.get(i)));
            assertThat(stored.get(i)).as("row %d", i).isEqualTo(expected);
        }
    }

    @Test
    void anOlderJobStillWritingTheOldEncodingIsConvertedOnArrival() throws Exception {
        POSTGRES.db().execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'old_job') THEN"
                + " CREATE ROLE old_job LOGIN IN ROLE kpi_writer; END IF; END $$");
        JdbcSettings writer = new JdbcSettings(POSTGRES.db().jdbc().url().replaceAll("[?&]user=postgres", ""), "old_job", null);
        List<byte[]> legacy = legacySketches(2, 9);
        Instant start = Instant.parse("2026-11-02T10:00:00Z");
        try (Connection c = writer.connect()) {
            upsertLegacy(c, start, "old-job", legacy.get(0));
            assertThat(storedSketch(writer, start, "old-job")).isEqualTo(StoredSketch.encode(LatencySketches.fromBytes(legacy.get(0))));
            upsertLegacy(c, start, "old-job", legacy.get(1)); // a late firing: ON CONFLICT … DO UPDATE
            assertThat(storedSketch(writer, start, "old-job")).isEqualTo(StoredSketch.encode(LatencySketches.fromBytes(legacy.get(1))));
        }
    }

    @Test
    void theIndexDeltasEncodingWithImplicitCountsOfOneIsReadToo() throws Exception {
        // DDSketch.encode never writes it for these stores, but DDSketch.decode reads it:
        // mapping, flag 0x09 (positive store, index deltas), 2 bins, zig-zag deltas 230 and 195.
        String bytes = "02fd4a815abf52f03f0000000000000000" + "09" + "02" + "cc03" + "8603";
        DDSketch java = LatencySketches.fromBytes(HexFormat.of().parseHex(bytes));
        assertThat(java.getCount()).isEqualTo(2.0);
        String expected = "01" + "0000000000000000" + "000000e6" + "0002" + "01" + "0000" + "01" + "00c3" + "01";
        assertThat(HexFormat.of().formatHex(StoredSketch.encode(java))).isEqualTo(expected);
        try (Connection c = POSTGRES.db().jdbc().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT encode(kpi.sketch_from_ddsketch('\\x" + bytes + "'), 'hex')")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(expected);
        }
    }

    @Test
    void negativeValuesAnotherMappingOrTruncatedBytesAreRefused() {
        DDSketch negative = LatencySketches.create();
        negative.accept(-5);
        DDSketch other = new DDSketch(0.02);
        other.accept(5);
        byte[] fine = LatencySketches.toBytes(legacyOf(1, 2, 3));
        byte[] truncated = java.util.Arrays.copyOf(fine, fine.length - 1);
        for (byte[] bad : List.of(LatencySketches.toBytes(negative), LatencySketches.toBytes(other), truncated)) {
            try (Connection c = POSTGRES.db().jdbc().connect(); Statement s = c.createStatement()) {
                s.executeQuery("SELECT kpi.sketch_from_ddsketch('\\x" + HexFormat.of().formatHex(bad) + "')");
                throw new AssertionError("accepted " + HexFormat.of().formatHex(bad));
            } catch (SQLException e) {
                assertThat(e.getSQLState()).as(e.getMessage()).isIn("22P03", "2202E");
            }
        }
    }

    private static DDSketch legacyOf(double... values) {
        DDSketch s = LatencySketches.create();
        for (double v : values) {
            s.accept(v);
        }
        return s;
    }
}
