package com.gluu.kpi.bench;

import com.gluu.kpi.events.EventParser;
import com.gluu.kpi.events.InvalidEventException;
import com.gluu.kpi.events.RawRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The parser alone, outside Flink: parses every line of a file (or of a generated
 * production-shaped hour) round after round in one JVM and prints nanoseconds per line, so a
 * change to {@link EventParser} can be compared build against build without the job's noise.
 * Not part of the stable command line (README "Public surface").
 *
 * <pre>java -cp target/gluu-kpi.jar com.gluu.kpi.bench.ParseSpeed [FILE|-] [ROUNDS]</pre>
 *
 * The last half of the rounds (the JIT has compiled the parser by then) is averaged on the last
 * line.
 */
public final class ParseSpeed {
    private ParseSpeed() {}

    public static void main(String[] args) throws IOException {
        Path file;
        if (args.length == 0 || args[0].equals("-")) {
            file = Files.createTempFile("gluu-kpi-parse-", ".jsonl");
            file.toFile().deleteOnExit();
            SyntheticEvents.writeProductionShaped(file, 1, 40, Instant.parse("2026-11-22T00:00:00Z"), 1);
        } else {
            file = Path.of(args[0]);
        }
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        RawRecord[] records = new RawRecord[lines.size()];
        for (int i = 0; i < records.length; i++) {
            records[i] = RawRecord.of(file.getFileName().toString(), Integer.toString(i + 1),
                    lines.get(i).getBytes(StandardCharsets.UTF_8));
        }
        EventParser parser = new EventParser();
        double sum = 0;
        int counted = 0;
        for (int round = 1; round <= rounds; round++) {
            long start = System.nanoTime();
            long check = 0;
            int rejected = 0;
            for (RawRecord record : records) {
                try {
                    check += parser.parse(record).ts; // used, so the work cannot be optimised away
                } catch (InvalidEventException e) {
                    rejected++;
                }
            }
            double perLine = (System.nanoTime() - start) / (double) records.length;
            System.out.printf(Locale.ROOT, "round %d: %.0f ns/line (%d lines, %d rejected, check %d)%n",
                    round, perLine, records.length, rejected, check & 0xff);
            if (round > rounds / 2) {
                sum += perLine;
                counted++;
            }
        }
        System.out.printf(Locale.ROOT, "mean of the last %d rounds: %.0f ns/line%n", counted, sum / counted);
    }
}
