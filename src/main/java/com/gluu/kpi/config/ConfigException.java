package com.gluu.kpi.config;

/** A configuration value that cannot be used; the message names the key (or file and field). */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
