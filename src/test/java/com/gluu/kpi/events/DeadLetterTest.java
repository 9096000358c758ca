package com.gluu.kpi.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A dead letter keeps the raw payload as safe text of at most 64 KiB (SPEC §2, §4 dead_letters). */
class DeadLetterTest {
    private static final int KIB_64 = 65_536;

    @Test
    void carriesTheRecordIdReasonAndDetail() {
        RawRecord record = RawRecord.of("events.jsonl", "42", "{oops".getBytes(StandardCharsets.UTF_8));

        DeadLetter d = DeadLetter.of(record, DeadLetterReason.MALFORMED_JSON, "not JSON");

        assertThat(d.id).isEqualTo("events.jsonl:42");
        assertThat(d.reason).isEqualTo("malformed_json");
        assertThat(d.detail).isEqualTo("not JSON");
        assertThat(d.raw).isEqualTo("{oops");
        assertThat(d.eventId).isEmpty();
        assertThat(d.eventTs).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void reasonWireNamesAreTheSpecCodes() {
        assertThat(DeadLetterReason.INVALID_UTF8.wireName()).isEqualTo("invalid_utf8");
        assertThat(DeadLetterReason.MISSING_FIELD.wireName()).isEqualTo("missing_field");
        assertThat(DeadLetterReason.TOO_LATE.wireName()).isEqualTo("too_late");
        assertThat(DeadLetterReason.UNKNOWN_TYPE.wireName()).isEqualTo("unknown_type");
    }

    @Test
    void nullDetailBecomesEmpty() {
        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", new byte[] {'x'}), DeadLetterReason.BAD_VALUE, null);

        assertThat(d.detail).isEmpty();
    }

    @Test
    void payloadUpTo64KibIsKeptWhole() {
        byte[] payload = "a".repeat(KIB_64).getBytes(StandardCharsets.US_ASCII);

        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", payload), DeadLetterReason.TOO_LARGE, "");

        assertSameText(d.raw, "a".repeat(KIB_64));
    }

    @Test
    void longerPayloadIsCutTo64Kib() {
        byte[] payload = ("b".repeat(KIB_64) + "TAIL").getBytes(StandardCharsets.US_ASCII);

        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", payload), DeadLetterReason.TOO_LARGE, "");

        assertSameText(d.raw, "b".repeat(KIB_64));
    }

    @Test
    void cutFallsOnACharacterBoundary() {
        // 65 535 ASCII bytes, then "é" (C3 A9) across the 64 KiB line, then a 4-byte emoji.
        String text = "a".repeat(KIB_64 - 1) + "é" + "\uD83D\uDE00";
        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", text.getBytes(StandardCharsets.UTF_8)),
                DeadLetterReason.TOO_LARGE, "");

        assertSameText(d.raw, "a".repeat(KIB_64 - 1));
        assertThat(d.raw.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(KIB_64);
    }

    @Test
    void cutInsideAFourByteCharacterDropsTheWholeCharacter() {
        // 65 534 ASCII bytes, then F0 9F 98 80 covers bytes 65 534…65 537: keep only the ASCII.
        String text = "a".repeat(KIB_64 - 2) + "\uD83D\uDE00" + "z";
        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", text.getBytes(StandardCharsets.UTF_8)),
                DeadLetterReason.TOO_LARGE, "");

        assertSameText(d.raw, "a".repeat(KIB_64 - 2));
    }

    @Test
    void characterEndingExactlyAt64KibIsKept() {
        String text = "a".repeat(KIB_64 - 2) + "é" + "z";
        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", text.getBytes(StandardCharsets.UTF_8)),
                DeadLetterReason.TOO_LARGE, "");

        assertSameText(d.raw, "a".repeat(KIB_64 - 2) + "é");
    }

    @Test
    void nulCharactersAreReplacedInRawAndDetail() {
        byte[] payload = {'{', 0, '"', 'a', 0, '}'};

        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", payload), DeadLetterReason.MALFORMED_JSON, "bad\0byte");

        assertThat(d.raw).isEqualTo("{\uFFFD\"a\uFFFD}").doesNotContain("\0");
        assertThat(d.detail).isEqualTo("bad\uFFFDbyte");
    }

    @Test
    void loneSurrogatesAreReplacedInDetailAndIdAndAPairIsKept() {
        RawRecord record = RawRecord.of("f\uD800", "1", new byte[] {'x'});

        DeadLetter d = DeadLetter.of(record, DeadLetterReason.BAD_VALUE, "a\uDC00b \uD83D\uDE00 c\uD800");

        assertThat(d.detail).isEqualTo("a\uFFFDb \uD83D\uDE00 c\uFFFD");
        assertThat(d.id).isEqualTo("f\uFFFD:1");
    }

    @Test
    void eventIdIsMadeSafeToo() {
        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", new byte[] {'x'}), DeadLetterReason.TOO_LATE, "late",
                "e\0-\uD800", 1_795_325_888_123L);

        assertThat(d.eventId).isEqualTo("e\uFFFD-\uFFFD");
        assertThat(d.eventTs).isEqualTo(1_795_325_888_123L);
        assertThat(d.reason).isEqualTo("too_late");
        assertThat(d.detail).isEqualTo("late");
    }

    @Test
    void detailIsCutTo1024Characters() {
        // 1,023 'd', then an emoji across the 1,024-character line: the pair is kept whole, then "…".
        String detail = "d".repeat(1_023) + "\uD83D\uDE00" + "e".repeat(100_000);

        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", new byte[] {'x'}), DeadLetterReason.MALFORMED_JSON, detail);

        assertThat(d.detail).isEqualTo("d".repeat(1_023) + "\uD83D\uDE00" + "…");
        assertThat(DeadLetter.of(RawRecord.of("f", "1", new byte[] {'x'}), DeadLetterReason.MALFORMED_JSON,
                "d".repeat(1_024)).detail).isEqualTo("d".repeat(1_024));
    }

    @Test
    void invalidUtf8IsKeptLeniently() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("{\"s\":\"".getBytes(StandardCharsets.US_ASCII));
        out.write(0xFF); // never valid in UTF-8
        out.write(0xC3); // a lead byte followed by ASCII, not a continuation
        out.writeBytes("x\"}".getBytes(StandardCharsets.US_ASCII));

        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", out.toByteArray()), DeadLetterReason.INVALID_UTF8, "");

        assertThat(d.raw).isEqualTo("{\"s\":\"\uFFFD\uFFFDx\"}");
    }

    @Test
    void truncatedRecordFromTheReaderKeepsItsPrefix() {
        // JsonLinesFormat hands over only 64 KiB of a huge line (size says the rest).
        byte[] head = "c".repeat(KIB_64).getBytes(StandardCharsets.US_ASCII);

        DeadLetter d = DeadLetter.of(new RawRecord("f", "9", head, 3_000_000), DeadLetterReason.TOO_LARGE, "big");

        assertThat(d.id).isEqualTo("f:9");
        assertSameText(d.raw, "c".repeat(KIB_64));
    }

    /** Equality of long texts, reported by length and tail rather than by 64 KiB of output. */
    private static void assertSameText(String actual, String expected) {
        String tail = actual.substring(Math.max(0, actual.length() - 4));
        String expectedTail = expected.substring(Math.max(0, expected.length() - 4));
        assertThat(actual.length() + " chars ending " + tail)
                .isEqualTo(expected.length() + " chars ending " + expectedTail);
        assertThat(actual.equals(expected)).as("same text").isTrue();
    }
}
