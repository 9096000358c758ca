package com.gluu.kpi.ingest.kinesis;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Unpacks a record written by the Kinesis Producer Library with aggregation on: magic bytes
 * {@code F3 89 9A C2}, a protobuf {@code AggregatedRecord}, then the 16-byte MD5 of the protobuf.
 *
 * <p>Why by hand: the connector's FLIP-27 source (4.3.0) hands over Kinesis records as they are
 * stored and does not de-aggregate, and the only protobuf classes on the classpath are the
 * connector's shaded copies. Only {@code records[].data} (field 3, then its field 3) is needed;
 * the partition-key and hash-key tables and tags are skipped. Every length is checked against
 * the buffer, so a truncated or garbled aggregate is reported, never read past its end.
 */
final class KplAggregate {
    static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};
    static final int MD5_LENGTH = 16;
    /** {@code AggregatedRecord.records} (repeated Record) and {@code Record.data} (bytes). */
    private static final int RECORDS_FIELD = 3;
    private static final int DATA_FIELD = 3;

    private KplAggregate() {}

    /** Thrown for an aggregate that cannot be unpacked; the message says why. */
    static final class CorruptAggregateException extends Exception {
        private static final long serialVersionUID = 1L;

        CorruptAggregateException(String message) {
            super(message, null, false, false);
        }
    }

    static boolean isAggregated(byte[] data) {
        if (data.length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (data[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** The user records inside an aggregate, in order. */
    static List<byte[]> records(byte[] data) throws CorruptAggregateException {
        int end = data.length - MD5_LENGTH;
        if (end < MAGIC.length) {
            throw new CorruptAggregateException("KPL aggregate of " + data.length + " bytes is too short for its MD5");
        }
        byte[] expected = Arrays.copyOfRange(data, end, data.length);
        byte[] actual = md5(data, MAGIC.length, end - MAGIC.length);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new CorruptAggregateException("KPL aggregate fails its MD5 check (truncated or altered)");
        }
        List<byte[]> records = new ArrayList<>();
        Reader in = new Reader(data, MAGIC.length, end);
        Reader record;
        while ((record = in.nextLengthDelimited(RECORDS_FIELD)) != null) {
            records.add(recordData(record));
        }
        return records;
    }

    /** The {@code data} field of one {@code Record} message (empty if absent). */
    private static byte[] recordData(Reader in) throws CorruptAggregateException {
        byte[] result = new byte[0];
        Reader data;
        while ((data = in.nextLengthDelimited(DATA_FIELD)) != null) {
            result = Arrays.copyOfRange(data.bytes, data.position, data.limit); // protobuf: the last one wins
        }
        return result;
    }

    private static byte[] md5(byte[] data, int offset, int length) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(data, offset, length);
            return md5.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no MD5", e);
        }
    }

    /** Protobuf wire-format reader over {@code bytes[position, limit)}. */
    private static final class Reader {
        final byte[] bytes;
        int position;
        final int limit;

        Reader(byte[] bytes, int position, int limit) {
            this.bytes = bytes;
            this.position = position;
            this.limit = limit;
        }

        boolean hasMore() {
            return position < limit;
        }

        /**
         * The next length-delimited field number {@code field}, as a reader over its bytes,
         * skipping every other field on the way; null at the end.
         */
        Reader nextLengthDelimited(int field) throws CorruptAggregateException {
            while (hasMore()) {
                long tag = varint();
                int wireType = (int) (tag & 7);
                if ((tag >>> 3) == field && wireType == 2) {
                    int length = length();
                    Reader inner = new Reader(bytes, position, position + length);
                    position += length;
                    return inner;
                }
                skip(wireType);
            }
            return null;
        }

        long varint() throws CorruptAggregateException {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= limit) {
                    throw new CorruptAggregateException("KPL aggregate ends inside a varint at byte " + position);
                }
                byte b = bytes[position++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new CorruptAggregateException("KPL aggregate has a varint longer than 10 bytes at byte " + position);
        }

        /** A length prefix that must fit in what is left. */
        int length() throws CorruptAggregateException {
            long length = varint();
            if (length < 0 || length > limit - position) {
                throw new CorruptAggregateException("KPL aggregate field of " + length + " bytes at byte " + position
                        + " runs past its end (" + (limit - position) + " bytes left)");
            }
            return (int) length;
        }

        void skip(int wireType) throws CorruptAggregateException {
            switch (wireType) {
                case 0:
                    varint();
                    return;
                case 1:
                    advance(8);
                    return;
                case 2:
                    int length = length(); // not `position += length()`: that adds to the position before the prefix
                    position += length;
                    return;
                case 5:
                    advance(4);
                    return;
                default:
                    throw new CorruptAggregateException("KPL aggregate has protobuf wire type " + wireType
                            + " at byte " + position);
            }
        }

        private void advance(int n) throws CorruptAggregateException {
            if (n > limit - position) {
                throw new CorruptAggregateException("KPL aggregate ends inside a fixed-size field at byte " + position);
            }
            position += n;
        }
    }
}
