package com.gluu.kpi.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code ts} field (SPEC §2): ISO-8601 with an offset, or integer epoch millis. */
class EventTimesTest {
    private static final long DAY = 86_400_000L;
    private static final long HOUR = 3_600_000L;
    private static final long MINUTE = 60_000L;
    /**
     * 2026-11-22 is day 20 779 after the epoch: 56 years of 365 days from 1970 plus 14 leap days
     * (1972…2024) give 20 454 days to 2026-01-01, then 304 days to November 1 and 21 more.
     */
    private static final long NOV_22_2026 = 20_779 * DAY;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "2026-11-22T05:38:08.123Z,       0, 5, 38, 8, 123",
        "2026-11-22T05:38:08Z,           0, 5, 38, 8, 0",
        "2026-11-22T05:38Z,              0, 5, 38, 0, 0",
        "2026-11-22T00:00:00.000Z,       0, 0, 0, 0, 0",
        "2026-11-22T05:38:08.123+05:30,  0, 0, 8, 8, 123",
        "2026-11-22T05:38:08.123+00:00,  0, 5, 38, 8, 123",
        "2026-11-21T23:00:00-08:00,      0, 7, 0, 0, 0",
        "2026-11-22T02:00:00+05:30,     -1, 20, 30, 0, 0",
    })
    void isoWithOffsetIsConvertedToUtc(String text, long dayOffset, long h, long m, long s, long ms) throws Exception {
        long expected = NOV_22_2026 + dayOffset * DAY + h * HOUR + m * MINUTE + s * 1000 + ms;

        assertThat(EventTimes.parseIso(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "2026-11-22T05:38:08.1Z,         100",
        "2026-11-22T05:38:08.12Z,        120",
        "2026-11-22T05:38:08.123Z,       123",
        "2026-11-22T05:38:08.1234Z,      123",
        "2026-11-22T05:38:08.12345Z,     123",
        "2026-11-22T05:38:08.123456Z,    123",
        "2026-11-22T05:38:08.1234567Z,   123",
        "2026-11-22T05:38:08.12345678Z,  123",
        "2026-11-22T05:38:08.123456789Z, 123",
        "2026-11-22T05:38:08.999999999Z, 999",
    })
    void fractionalSecondsOfOneToNineDigitsTruncateToTheMillisecond(String text, long ms) throws Exception {
        long expected = NOV_22_2026 + 5 * HOUR + 38 * MINUTE + 8_000 + ms;

        assertThat(EventTimes.parseIso(text)).isEqualTo(expected);
    }

    @Test
    void beforeTheEpochTruncatesTowardsTheEarlierMillisecond() throws Exception {
        // 0.9999 s before midnight lies inside millisecond -1 (floor), not 0.
        assertThat(EventTimes.parseIso("1969-12-31T23:59:59.9999Z")).isEqualTo(-1L);
        assertThat(EventTimes.parseIso("1970-01-01T00:00:00Z")).isZero();
    }

    @Test
    void leapDayIsAValidDate() throws Exception {
        // 2024-02-29: 54 years (1970…2023) × 365 + 13 leap days (1972…2020) + 31 + 28 days.
        long expected = (54 * 365 + 13 + 31 + 28) * DAY;
        assertThat(EventTimes.parseIso("2024-02-29T00:00:00Z")).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "2026-11-22T05:38:08.123", // no offset: ambiguous local time
        "2026-11-22T05:38:08",
        "2026-11-22",
        "05:38:08Z",
        "2026-11-22 05:38:08Z",
        "2026-11-22T05:38:08.1234567891Z", // ten fraction digits
        "2026-11-22T05:38:08+0530",
        "2026-11-22T25:00:00Z",
        "2026-02-29T00:00:00Z", // 2026 is no leap year
        "2026-13-01T00:00:00Z",
        "1795325888123",
        "garbage",
        "",
        " 2026-11-22T05:38:08Z",
    })
    void anythingElseIsBadValue(String text) {
        assertThatThrownBy(() -> EventTimes.parseIso(text))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> {
                    assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
                    assertThat(e.getMessage()).contains("ts").contains(text);
                });
    }

    // Through the parser: the JSON type decides between the two forms.

    @Test
    void integerEpochMillisIsTakenAsIs() throws Exception {
        long expected = NOV_22_2026 + 5 * HOUR + 38 * MINUTE + 8_123;

        assertThat(parseTs("1795325888123")).isEqualTo(expected);
        assertThat(parseTs("\"2026-11-22T05:38:08.123Z\"")).isEqualTo(expected);
    }

    @Test
    void floatEpochMillisIsWrongType() {
        // SPEC §2 says integer epoch millis; like every other integer field, a float is the wrong type.
        assertThatThrownBy(() -> parseTs("1795325888123.0"))
                .isInstanceOfSatisfying(InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.WRONG_TYPE));
        assertThatThrownBy(() -> parseTs("1.795325888123E12"))
                .isInstanceOfSatisfying(InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.WRONG_TYPE));
    }

    @Test
    void epochMillisAsAStringIsBadValue() {
        assertThatThrownBy(() -> parseTs("\"1795325888123\""))
                .isInstanceOfSatisfying(InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_VALUE));
    }

    @Test
    void isoBeyondYear9999IsBadValue() {
        assertThatThrownBy(() -> parseTs("\"+10000-01-01T00:00:00Z\""))
                .isInstanceOfSatisfying(InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_VALUE));
    }

    private static long parseTs(String tsJson) throws InvalidEventException {
        String json = "{\"event_id\":\"e\",\"type\":\"task\",\"ts\":" + tsJson
                + ",\"task_id\":\"t\",\"service\":\"s\",\"state\":\"RUNNING\"}";
        return new EventParser().parse(RawRecord.of("f", "1", json.getBytes(StandardCharsets.UTF_8))).ts;
    }

    /**
     * The hand-written parser of the common shapes against java.time itself, on 200,000
     * generated strings near those shapes (fields in and out of range, 0 to 10 fraction digits,
     * offsets up to ±19:59, leap days, a character swapped for another): every string gets
     * java.time's verdict — the same millis, or a rejection — whichever path took it.
     */
    @Test
    void everyGeneratedTimestampGetsJavaTimesVerdict() {
        java.util.Random random = new java.util.Random(16);
        String noise = "0123456789-:T.Zz+t ";
        int fast = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder b = new StringBuilder();
            b.append(String.format("%04d-%02d-%02dT%02d:%02d:%02d", random.nextInt(10_000), random.nextInt(14),
                    random.nextInt(33), random.nextInt(26), random.nextInt(62), random.nextInt(62)));
            int fraction = random.nextInt(12) - 1;
            if (fraction >= 0) {
                b.append('.');
                for (int d = 0; d < fraction; d++) {
                    b.append((char) ('0' + random.nextInt(10)));
                }
            }
            switch (random.nextInt(4)) {
                case 0 -> b.append('Z');
                case 1 -> b.append(String.format("%c%02d:%02d", random.nextBoolean() ? '+' : '-', random.nextInt(20),
                        random.nextInt(61)));
                case 2 -> b.append(String.format("+%02d:%02d:%02d", random.nextInt(19), random.nextInt(60), random.nextInt(60)));
                default -> b.append(random.nextBoolean() ? "z" : "");
            }
            if (random.nextInt(10) == 0) {
                b.setCharAt(random.nextInt(b.length()), noise.charAt(random.nextInt(noise.length())));
            }
            String text = b.toString();
            Long expected;
            try {
                expected = java.time.OffsetDateTime.parse(text, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                        .toInstant().toEpochMilli();
            } catch (java.time.DateTimeException | ArithmeticException e) {
                expected = null;
            }
            Long actual;
            try {
                actual = EventTimes.parseIso(text);
            } catch (InvalidEventException e) {
                actual = null;
            }
            assertThat(actual).as(text).isEqualTo(expected);
            if (EventTimes.parseCommonShape(text) != EventTimes.NOT_COMMON) {
                fast++;
            }
        }
        // Most in-range strings take the hand-written path (not a figure of the code's: a floor).
        assertThat(fast).isGreaterThan(20_000);
    }

    @Test
    void daysFromCivilCountsLikeLocalDate() {
        for (int year : new int[] {0, 1, 1600, 1900, 1969, 1970, 2000, 2024, 2026, 9999}) {
            for (int month = 1; month <= 12; month++) {
                int days = java.time.YearMonth.of(year, month).lengthOfMonth();
                for (int day : new int[] {1, days}) {
                    assertThat(EventTimes.daysFromCivil(year, month, day)).as("%d-%d-%d", year, month, day)
                            .isEqualTo(java.time.LocalDate.of(year, month, day).toEpochDay());
                }
            }
        }
    }
}
