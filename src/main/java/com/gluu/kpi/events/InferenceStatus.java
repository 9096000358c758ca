package com.gluu.kpi.events;

/** Outcome of an inference: {@code error} is a server-side failure or a timeout. */
public enum InferenceStatus {
    OK("ok"),
    CLIENT_ERROR("client_error"),
    ERROR("error");

    /** values() copies its array on every call; this runs once per inference event. */
    private static final InferenceStatus[] ALL = values();

    private final String wireName;

    InferenceStatus(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Returns the status with this wire name, or null if there is none. */
    public static InferenceStatus fromWire(String text) {
        for (InferenceStatus s : ALL) {
            if (s.wireName.equals(text)) {
                return s;
            }
        }
        return null;
    }
}
