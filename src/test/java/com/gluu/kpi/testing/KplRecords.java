package com.gluu.kpi.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes Kinesis records the way producers do, independently of the job's reader: KPL
 * aggregates (magic F3 89 9A C2, protobuf {@code AggregatedRecord} encoded here field by field
 * from the KPL's {@code messages.proto}, MD5 of the protobuf) and gzip payloads.
 */
public final class KplRecords {
    private static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};

    private KplRecords() {}

    /**
     * An aggregate of {@code records}, all with partition key {@code key}; each record also
     * carries an explicit-hash-key index and a tag, which the reader must skip.
     */
    public static byte[] aggregate(String key, List<byte[]> records) {
        ByteArrayOutputStream proto = new ByteArrayOutputStream();
        lengthDelimited(proto, 1, key.getBytes(StandardCharsets.UTF_8)); // partition_key_table
        lengthDelimited(proto, 2, "42".getBytes(StandardCharsets.UTF_8)); // explicit_hash_key_table
        for (byte[] data : records) {
            ByteArrayOutputStream record = new ByteArrayOutputStream();
            varintField(record, 1, 0); // partition_key_index
            varintField(record, 2, 0); // explicit_hash_key_index
            lengthDelimited(record, 3, data); // data
            ByteArrayOutputStream tag = new ByteArrayOutputStream();
            lengthDelimited(tag, 1, "origin".getBytes(StandardCharsets.UTF_8));
            lengthDelimited(tag, 2, "test".getBytes(StandardCharsets.UTF_8));
            lengthDelimited(record, 4, tag.toByteArray()); // tags
            lengthDelimited(proto, 3, record.toByteArray()); // records
        }
        byte[] body = proto.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        out.writeBytes(body);
        out.writeBytes(md5(body));
        return out.toByteArray();
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void lengthDelimited(ByteArrayOutputStream out, int field, byte[] bytes) {
        varint(out, (field << 3) | 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void varintField(ByteArrayOutputStream out, int field, long value) {
        varint(out, field << 3);
        varint(out, value);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static byte[] md5(byte[] bytes) {
        try {
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
