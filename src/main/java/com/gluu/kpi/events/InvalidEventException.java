package com.gluu.kpi.events;

/** Thrown by the parser for a record that breaks the input contract; carries the reason code. */
public final class InvalidEventException extends Exception {
    private final DeadLetterReason reason;

    public InvalidEventException(DeadLetterReason reason, String detail) {
        super(detail, null, false, false); // no stack trace: bad input is expected, not a bug
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
