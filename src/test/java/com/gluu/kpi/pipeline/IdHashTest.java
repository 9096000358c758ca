package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.HashCode;
import com.google.common.hash.Hashing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link IdHash} against Guava's MurmurHash3 x64 128 (an independent implementation). */
class IdHashTest {
    @Test
    void equalsGuavasMurmur3Of128BitsOverUtf16LittleEndianForEveryLengthAndTail() {
        Random random = new Random(7);
        IdHash hash = new IdHash();
        for (int length = 0; length <= 70; length++) {
            for (int trial = 0; trial < 20; trial++) {
                StringBuilder id = new StringBuilder();
                for (int i = 0; i < length; i++) {
                    // ASCII mostly, plus code units whose high byte is set. (Not lone surrogates: the
                    // UTF-16LE encoder Guava hashes through replaces them with U+FFFD.)
                    char c = (char) random.nextInt(0x10000);
                    id.append(trial % 3 != 0 ? (char) ('!' + random.nextInt(94)) : Character.isSurrogate(c) ? 'x' : c);
                }
                assertSameAsGuava(hash, id.toString());
            }
        }
        assertSameAsGuava(hash, "6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b");
        assertSameAsGuava(hash, "req-\uD83D\uDE00-emoji"); // a valid surrogate pair
    }

    @Test
    void idsDifferingInOneCharacterOrOnlyInLengthHashDifferently() {
        IdHash hash = new IdHash();
        hash.hash("r-1");
        long high = hash.high;
        long low = hash.low;
        hash.hash("r-2");
        assertThat(hash.high).isNotEqualTo(high);
        assertThat(hash.low).isNotEqualTo(low);
        hash.hash("r-1\u0000");
        assertThat(hash.high).isNotEqualTo(high);
    }

    private static void assertSameAsGuava(IdHash hash, String id) {
        HashCode guava = Hashing.murmur3_128().hashString(id, StandardCharsets.UTF_16LE);
        ByteBuffer bytes = ByteBuffer.wrap(guava.asBytes()).order(ByteOrder.LITTLE_ENDIAN);
        hash.hash(id);
        assertThat(hash.high).as("high of %s", id).isEqualTo(bytes.getLong(0));
        assertThat(hash.low).as("low of %s", id).isEqualTo(bytes.getLong(8));
    }
}
