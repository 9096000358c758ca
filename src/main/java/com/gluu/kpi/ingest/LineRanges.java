package com.gluu.kpi.ingest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.assigners.FileSplitAssigner;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Cuts a replay file into line-aligned byte ranges, one split each, so that every source subtask
 * reads and parses a share of it (issue 16). A range starts at the file's first byte or just
 * after a newline, and ends where the next begins: every line lies whole in one range. A range is
 * {@code rangeBytes} long, plus the rest of the line that crosses its nominal end (a line longer
 * than a range makes its range longer, never splits).
 *
 * <p>The cut does not decide any result: {@code FileOrder} puts the ranges' records back in file
 * order before the parse step judges them, so any range size, and any parallelism, gives the
 * same rows, dead-letter ids and lateness verdicts. The size only sets how much {@code FileOrder}
 * buffers (the ranges read ahead of the one it is emitting) and how evenly the readers share out.
 *
 * <p>Splits are named by their first byte and handed out lowest first ({@link #inFileOrder}), so
 * the readers work near each other in the file and little waits in {@code FileOrder}.
 */
public final class LineRanges implements FileEnumerator {
    private final long rangeBytes;

    public LineRanges(long rangeBytes) {
        if (rangeBytes < 1) {
            throw new IllegalArgumentException("a range has at least 1 byte, got " + rangeBytes);
        }
        this.rangeBytes = rangeBytes;
    }

    @Override
    public Collection<FileSourceSplit> enumerateSplits(Path[] paths, int minDesiredSplits) throws IOException {
        List<FileSourceSplit> splits = new ArrayList<>();
        for (Path path : paths) {
            FileSystem fs = path.getFileSystem();
            FileStatus status = fs.getFileStatus(path);
            if (status.isDir()) {
                throw new IOException(path + " is a directory; a replay reads one file");
            }
            long size = status.getLen();
            long modified = status.getModificationTime();
            try (FSDataInputStream in = fs.open(path)) {
                for (long[] range : cut(in, size, rangeBytes)) {
                    splits.add(new FileSourceSplit(Long.toString(range[0]), path, range[0], range[1] - range[0],
                            modified, size));
                }
            }
        }
        return splits;
    }

    /**
     * The ranges [start, end) of a file of {@code size} bytes: each nominal end moved to just after
     * the first newline at or beyond it (the end of the file if none).
     */
    static List<long[]> cut(FSDataInputStream in, long size, long rangeBytes) throws IOException {
        List<long[]> ranges = new ArrayList<>();
        byte[] probe = new byte[8192];
        long start = 0;
        while (start < size) {
            long end = start + rangeBytes;
            if (end >= size) {
                end = size;
            } else {
                end = afterNewlineFrom(in, end - 1, size, probe);
            }
            ranges.add(new long[] {start, end});
            start = end;
        }
        return ranges;
    }

    /** Just after the first newline at {@code from} or later, or {@code size} if there is none. */
    private static long afterNewlineFrom(FSDataInputStream in, long from, long size, byte[] probe) throws IOException {
        in.seek(from);
        long at = from;
        while (at < size) {
            int n = in.read(probe, 0, (int) Math.min(probe.length, size - at));
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (probe[i] == '\n') {
                    return at + i + 1;
                }
            }
            at += n;
        }
        return size;
    }

    /** Hands out the remaining splits lowest offset first (a restored or returned split too). */
    public static FileSplitAssigner inFileOrder(Collection<FileSourceSplit> splits) {
        return new InFileOrder(splits);
    }

    private static final class InFileOrder implements FileSplitAssigner {
        private final TreeSet<FileSourceSplit> remaining = new TreeSet<>(
                Comparator.comparing((FileSourceSplit s) -> s.path().toString()).thenComparingLong(FileSourceSplit::offset));

        InFileOrder(Collection<FileSourceSplit> splits) {
            remaining.addAll(splits);
        }

        @Override
        public Optional<FileSourceSplit> getNext(String hostname) {
            return Optional.ofNullable(remaining.pollFirst());
        }

        @Override
        public void addSplits(Collection<FileSourceSplit> splits) {
            remaining.addAll(splits);
        }

        @Override
        public Collection<FileSourceSplit> remainingSplits() {
            return new ArrayList<>(remaining);
        }
    }
}
