package com.gluu.kpi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code run --resume} finds a killed replay's checkpoint: the newest completed {@code chk-N}
 * of any job of that file, never one still in progress, and never when the file changed. The
 * folders here are laid out as Flink leaves them ({@code <job id>/chk-N/_metadata}).
 */
class ReplayCheckpointsTest {
    @TempDir
    Path tmp;

    @Test
    void aFileNeverReplayedHasNothingToResume() throws Exception {
        ReplayCheckpoints checkpoints = ReplayCheckpoints.forFile(tmp.resolve("cp").toUri().toString(), events("a"), false);
        assertThatThrownBy(checkpoints::resumePoint).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--resume: no replay of").hasMessageContaining("run without --resume");
    }

    @Test
    void theNewestCompletedCheckpointOfAnyJobIsTheResumePointAndOneInProgressIsNot() throws Exception {
        Path file = events("a");
        ReplayCheckpoints checkpoints = ReplayCheckpoints.forFile(tmp.resolve("cp").toUri().toString(), file, false);
        checkpoints.startOver();
        Path dir = directoryOf(checkpoints);
        // The first, killed job; then a resumed one that was killed too, after its chk-2.
        completed(dir.resolve("job-1/chk-7"), "2026-12-01T10:00:00Z");
        completed(dir.resolve("job-2/chk-2"), "2026-12-01T10:05:00Z");
        Files.createDirectories(dir.resolve("job-2/chk-3")); // no _metadata: in progress at the kill
        Files.createDirectories(dir.resolve("job-2/shared"));

        assertThat(Path.of(java.net.URI.create(checkpoints.resumePoint()))).isEqualTo(dir.resolve("job-2/chk-2"));
    }

    @Test
    void aReplayKilledBeforeItsFirstCheckpointHasNothingToResume() throws Exception {
        ReplayCheckpoints checkpoints = ReplayCheckpoints.forFile(tmp.resolve("cp").toUri().toString(), events("a"), false);
        checkpoints.startOver();
        Files.createDirectories(directoryOf(checkpoints).resolve("job-1/chk-1"));
        assertThatThrownBy(checkpoints::resumePoint).isInstanceOf(ConfigException.class)
                .hasMessageContaining("left no completed checkpoint");
    }

    @Test
    void aFileChangedSinceItsReplayStartedIsRefused() throws Exception {
        Path file = events("a");
        String cp = tmp.resolve("cp").toUri().toString();
        ReplayCheckpoints before = startedWithOneCheckpoint(cp, file, false, "job-1/chk-4");
        Files.writeString(file, "{\"more\": 1}\n{\"more\": 2}\n"); // a new version of the file, other lines

        ReplayCheckpoints after = ReplayCheckpoints.forFile(cp, file, false);
        assertThat(after.directory()).isEqualTo(before.directory());
        assertThatThrownBy(after::resumePoint).isInstanceOf(ConfigException.class)
                .hasMessageContaining("changed since its replay was checkpointed");
    }

    @Test
    void aResumeMustReadTheFileAsTheCheckpointedReplayDid() throws Exception {
        Path file = events("a");
        String cp = tmp.resolve("cp").toUri().toString();
        ReplayCheckpoints ranged = startedWithOneCheckpoint(cp, file, true, "job-1/chk-3");

        assertThatThrownBy(ReplayCheckpoints.forFile(cp, file, false)::resumePoint).isInstanceOf(ConfigException.class)
                .hasMessageContaining("checkpointed reading the file in byte ranges")
                .hasMessageContaining("resume with the job.parallelism and source.range_bytes it had");
        assertThat(ReplayCheckpoints.forFile(cp, file, true).resumePoint()).endsWith("chk-3");

        // What an earlier build wrote has no in_ranges: it read the file whole.
        Path input = directoryOf(ranged).resolve(ReplayCheckpoints.INPUT_FILE);
        Files.writeString(input, Files.readString(input).replaceAll("(?m)^in_ranges=.*$", ""));
        assertThat(ReplayCheckpoints.forFile(cp, file, false).resumePoint()).endsWith("chk-3");
        assertThatThrownBy(ReplayCheckpoints.forFile(cp, file, true)::resumePoint).isInstanceOf(ConfigException.class)
                .hasMessageContaining("checkpointed reading the file whole");
    }

    @Test
    void startingOverRemovesAnEarlierReplaysCheckpointsAndACompletedReplayRemovesItsFolder() throws Exception {
        ReplayCheckpoints checkpoints = ReplayCheckpoints.forFile(tmp.resolve("cp").toUri().toString(), events("a"), false);
        checkpoints.startOver();
        Path dir = directoryOf(checkpoints);
        completed(dir.resolve("job-1/chk-4"), "2026-12-01T10:00:00Z");

        checkpoints.startOver();
        assertThat(checkpoints.latestCompleted()).isNull();
        assertThat(dir.resolve(ReplayCheckpoints.INPUT_FILE)).exists();
        checkpoints.finished();
        assertThat(dir).doesNotExist();
    }

    @Test
    void twoFilesKeepTheirCheckpointsApart() throws Exception {
        String cp = tmp.resolve("cp").toUri().toString();
        assertThat(ReplayCheckpoints.forFile(cp, events("a"), false).directory())
                .isNotEqualTo(ReplayCheckpoints.forFile(cp, events("b"), false).directory());
    }

    @Test
    void theFlinkSettingsRetainCheckpointsRestoreOnlyWhenAskedAndAtParallelism1TakeNoneAfterTheInputEnds() throws Exception {
        ReplayCheckpoints checkpoints = ReplayCheckpoints.forFile(tmp.resolve("cp").toUri().toString(), events("a"), false);
        Configuration fresh = checkpoints.flinkSettings(null, 1);
        assertThat(fresh.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEqualTo(checkpoints.directory());
        assertThat(fresh.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(fresh.getOptional(StateRecoveryOptions.SAVEPOINT_PATH)).isEmpty();
        // At parallelism 1 no final checkpoint after the end of input, which the completed replay
        // would delete; above 1 Flink's default, or a source subtask that finished early would stop
        // every later checkpoint.
        assertThat(fresh.get(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH)).isFalse();
        assertThat(checkpoints.flinkSettings(null, 2).get(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH)).isTrue();
        assertThat(checkpoints.flinkSettings("file:/x/chk-3", 1).get(StateRecoveryOptions.SAVEPOINT_PATH))
                .isEqualTo("file:/x/chk-3");
    }

    private Path events(String name) throws Exception {
        Path file = tmp.resolve(name + ".jsonl");
        if (!Files.exists(file)) {
            Files.writeString(file, "{\"line\": 1}\n");
        }
        return file;
    }

    /** A replay of {@code file} started (read in ranges or whole) that completed {@code checkpoint} and was killed. */
    private static ReplayCheckpoints startedWithOneCheckpoint(String cp, Path file, boolean inRanges, String checkpoint)
            throws Exception {
        ReplayCheckpoints checkpoints = ReplayCheckpoints.forFile(cp, file, inRanges);
        checkpoints.startOver();
        completed(directoryOf(checkpoints).resolve(checkpoint), "2026-12-01T10:00:00Z");
        return checkpoints;
    }

    private static Path directoryOf(ReplayCheckpoints checkpoints) {
        return Path.of(java.net.URI.create(checkpoints.directory()));
    }

    private static void completed(Path chk, String at) throws Exception {
        Files.createDirectories(chk);
        Path metadata = Files.writeString(chk.resolve("_metadata"), "metadata");
        Files.setLastModifiedTime(metadata, FileTime.from(Instant.parse(at)));
    }
}
