package com.gluu.kpi.cli;

import com.gluu.kpi.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Properties;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Where a replay of one events file keeps its checkpoints, so that the same {@code run} with
 * {@code --resume} can continue a replay that was killed (SPEC §7).
 *
 * <p>Layout, under the job's checkpoint directory:
 *
 * <pre>
 * replays/&lt;first 16 hex digits of the SHA-256 of the file's real path&gt;/
 *     input.properties          the file's path, size and last-modified time when the replay started
 *     &lt;job id&gt;/chk-N/_metadata   Flink's checkpoints, retained when the job is cancelled or fails
 * </pre>
 *
 * <p>Keyed by the path, not by the file's contents, so that a resume can tell "this file changed"
 * (refused: its checkpoints describe other lines) from "never checkpointed". A run without {@code
 * --resume} starts over and first removes what an earlier replay of the file left; a replay that
 * completes removes its folder, since nothing is left to resume. So one replay of a file at a time
 * per checkpoint directory.
 *
 * <p>The latest checkpoint is the {@code chk-N} with a {@code _metadata} file (Flink writes it
 * last, once every task has acknowledged) whose metadata is newest; a {@code chk-N} without one was
 * in progress when the process died. Paths go through Flink's {@link FileSystem}, so {@code s3://}
 * checkpoint directories work as local ones do.
 */
final class ReplayCheckpoints {
    static final String INPUT_FILE = "input.properties";
    private static final String METADATA = "_metadata";
    /** How long {@link #finished()} keeps deleting a folder Flink is still cleaning up. */
    private static final java.time.Duration FINISH_CLEANUP_WAIT = java.time.Duration.ofSeconds(10);

    private final java.nio.file.Path events;
    private final Path dir;
    private final FileSystem fs;
    private final long size;
    private final long modified;
    /**
     * Whether this replay reads the file in byte ranges ({@code source.range_bytes} set, parallelism
     * above 1): a checkpoint of one
     * way holds source splits and operators the other cannot continue from (a whole-file reader
     * would read every restored range to the file's end), so a resume must read the same way.
     */
    private final boolean inRanges;

    private ReplayCheckpoints(java.nio.file.Path events, Path dir, long size, long modified, boolean inRanges)
            throws IOException {
        this.events = events;
        this.inRanges = inRanges;
        this.dir = dir;
        this.fs = dir.getFileSystem();
        this.size = size;
        this.modified = modified;
    }

    /** The checkpoints of replays of {@code events} under {@code checkpointDir} (a URI), read in ranges or whole. */
    static ReplayCheckpoints forFile(String checkpointDir, java.nio.file.Path events, boolean inRanges)
            throws IOException {
        java.nio.file.Path real = events.toRealPath();
        String key = sha256(real.toString()).substring(0, 16);
        Path dir = new Path(new Path(checkpointDir, "replays"), key);
        return new ReplayCheckpoints(real, dir, Files.size(real), Files.getLastModifiedTime(real).toMillis(), inRanges);
    }

    /** The folder Flink writes this replay's checkpoints into (a URI). */
    String directory() {
        return dir.toUri().toString();
    }

    /**
     * The latest completed checkpoint a killed replay of this file left, as a path Flink restores
     * from; fails with what to do instead when there is none or the file has changed since.
     */
    String resumePoint() throws IOException {
        Path input = new Path(dir, INPUT_FILE);
        if (!fs.exists(input)) {
            throw new ConfigException("--resume: no replay of " + events + " to resume (nothing under " + directory()
                    + "); run without --resume to start it");
        }
        Properties started = new Properties();
        try (InputStream in = fs.open(input)) {
            started.load(in);
        }
        long startedSize = Long.parseLong(started.getProperty("size", "-1"));
        long startedModified = Long.parseLong(started.getProperty("modified", "-1"));
        if (startedSize != size || startedModified != modified) {
            throw new ConfigException(String.format("--resume: %s changed since its replay was checkpointed "
                    + "(then %,d bytes, modified %s; now %,d bytes, modified %s): its checkpoints describe other "
                    + "lines; run without --resume to start over", events, startedSize,
                    Instant.ofEpochMilli(startedModified), size, Instant.ofEpochMilli(modified)));
        }
        // Absent in what earlier builds wrote: they never read in ranges.
        boolean startedInRanges = Boolean.parseBoolean(started.getProperty("in_ranges", "false"));
        if (startedInRanges != inRanges) {
            throw new ConfigException("--resume: the replay of " + events + " was checkpointed reading the file "
                    + (startedInRanges ? "in byte ranges" : "whole") + ", this run would read it "
                    + (inRanges ? "in byte ranges" : "whole") + ": resume with the job.parallelism and"
                    + " source.range_bytes it had (ranges: both above 0 and 1), or run without --resume to start over");
        }
        Path latest = latestCompleted();
        if (latest == null) {
            throw new ConfigException("--resume: the replay of " + events + " left no completed checkpoint in "
                    + directory() + " (stopped before its first one, or job.checkpoint_interval is 0s); "
                    + "run without --resume to start over");
        }
        return latest.toUri().toString();
    }

    /** The {@code chk-N} folder with the newest {@code _metadata} of any job of this replay, or null. */
    Path latestCompleted() throws IOException {
        if (!fs.exists(dir)) {
            return null;
        }
        Path latest = null;
        long latestTime = Long.MIN_VALUE;
        long latestId = Long.MIN_VALUE;
        for (FileStatus job : list(dir)) {
            if (!job.isDir()) {
                continue;
            }
            for (FileStatus chk : list(job.getPath())) {
                long id = checkpointId(chk);
                if (id < 0) {
                    continue;
                }
                Path metadata = new Path(chk.getPath(), METADATA);
                if (!fs.exists(metadata)) {
                    continue; // in progress when the process died
                }
                long time = fs.getFileStatus(metadata).getModificationTime();
                if (time > latestTime || (time == latestTime && id > latestId)) {
                    latest = chk.getPath();
                    latestTime = time;
                    latestId = id;
                }
            }
        }
        return latest;
    }

    /** Starting over: what an earlier replay of this file left is of no use now. */
    void startOver() throws IOException {
        fs.delete(dir, true);
        fs.mkdirs(dir);
        Properties input = new Properties();
        input.setProperty("path", events.toString());
        input.setProperty("size", Long.toString(size));
        input.setProperty("modified", Long.toString(modified));
        input.setProperty("in_ranges", Boolean.toString(inRanges));
        try (OutputStream out = fs.create(new Path(dir, INPUT_FILE), FileSystem.WriteMode.OVERWRITE)) {
            input.store(out, "the events file this replay reads; --resume refuses if it changes");
        }
    }

    /**
     * The replay completed: nothing is left to resume. Flink discards the job's last checkpoints
     * on its own I/O threads while the local cluster shuts down, after the job's result is back; a
     * delete racing with that can find a file gone or a folder refilled and leave the folder behind
     * (seen once in CI). So delete until the folder is gone, for a bounded time, and say so if it
     * stays: a leftover folder is harmless (the next run without {@code --resume} removes it).
     */
    void finished() throws IOException {
        long deadline = System.nanoTime() + FINISH_CLEANUP_WAIT.toNanos();
        IOException last = null;
        do {
            try {
                fs.delete(dir, true);
                last = null;
            } catch (IOException e) {
                last = e;
            }
            if (!fs.exists(dir)) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() < deadline);
        System.err.println("gluu-kpi: the replay completed but its checkpoints folder " + directory()
                + " could not be removed" + (last == null ? "" : " (" + last.getMessage() + ")")
                + "; the next run of this file removes it");
    }

    /**
     * Flink settings of this replay: checkpoints into {@link #directory()}, kept when the job fails
     * or is cancelled (a killed process deletes nothing anyway), and restored from {@code
     * restoreFrom} unless it is null. At parallelism 1, no final checkpoint once the input has
     * ended: Flink would otherwise hold every finished task until one more checkpoint completed
     * (0.2 s of a replay here), only for {@link #finished} to delete it; the sinks have no commit
     * step that would need it (each writer flushes at the end of its input). Not above 1: with
     * that setting Flink takes no checkpoint once any task has finished, and there a source
     * subtask finishes early (one without the file's split at once, a ranged reader when the
     * ranges run out while the rest of the job is seconds behind), which would leave a killed
     * replay no recent resume point ({@code ResumeRunITCase} caught it).
     */
    Configuration flinkSettings(String restoreFrom, int parallelism) {
        Configuration flink = new Configuration();
        flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, directory());
        flink.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (parallelism == 1) {
            flink.set(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH, false);
        }
        if (restoreFrom != null) {
            flink.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        }
        return flink;
    }

    private FileStatus[] list(Path path) throws IOException {
        FileStatus[] entries = fs.listStatus(path);
        return entries == null ? new FileStatus[0] : entries;
    }

    private static long checkpointId(FileStatus status) {
        String name = status.getPath().getName();
        if (!status.isDir() || !name.startsWith("chk-")) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(4));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
