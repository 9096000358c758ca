package com.gluu.kpi.ingest.kinesis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.gluu.kpi.events.EventTimes;
import com.gluu.kpi.events.InvalidEventException;
import java.io.IOException;

/**
 * Reads only the top-level {@code ts} of a JSON record, for the per-shard watermarks at the
 * source; the full validation happens later in the parser, which applies the same rules (ISO-8601
 * with an offset or integer epoch millis, years 0000–9999).
 *
 * <p>It streams the object and stops at {@code ts} (which producers write near the start),
 * skipping nested values without materialising them. Anything unreadable gives
 * {@code Long.MIN_VALUE}: such a record cannot move a watermark, and the parser will reject it.
 */
final class EventTimeProbe {
    static final long UNKNOWN = Long.MIN_VALUE;

    private final JsonFactory json = new JsonFactory();

    long ts(byte[] payload) {
        try (JsonParser parser = json.createParser(payload)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return UNKNOWN;
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                boolean isTs = "ts".equals(parser.currentName());
                JsonToken value = parser.nextToken();
                if (isTs) {
                    return value(parser, value);
                }
                parser.skipChildren();
            }
            return UNKNOWN;
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    private static long value(JsonParser parser, JsonToken value) throws IOException {
        long millis;
        if (value == JsonToken.VALUE_STRING) {
            try {
                millis = EventTimes.parseIso(parser.getText());
            } catch (InvalidEventException e) {
                return UNKNOWN;
            }
        } else if (value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.LONG
                || value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT) {
            millis = parser.getLongValue();
        } else {
            return UNKNOWN;
        }
        return millis < EventTimes.MIN_MILLIS || millis > EventTimes.MAX_MILLIS ? UNKNOWN : millis;
    }
}
