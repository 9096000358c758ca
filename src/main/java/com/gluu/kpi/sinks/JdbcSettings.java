package com.gluu.kpi.sinks;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where the KPI database is and how to log in. The URL comes from {@code --jdbc-url} or
 * {@code KPI_JDBC_URL}; user and password from {@code KPI_JDBC_USER} / {@code KPI_JDBC_PASSWORD}
 * (or the URL itself). {@link #toString()} never shows the password or URL parameters.
 *
 * <p>Settings made by {@link #fromEnvironment} hold no password: {@link #connect()} reads
 * {@code KPI_JDBC_PASSWORD} from the environment of the process that connects. These settings
 * travel inside the job's sinks, i.e. inside the job graph a cluster keeps in its blob store and
 * HA storage, so the secret stays out of it; each TaskManager gets it from its own environment (a
 * Kubernetes Secret, the ECS/MSF runtime), as the JobManager does for the migrations.
 */
public final class JdbcSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String url;
    private final String user;
    private final String password;
    private final boolean passwordFromEnvironment;

    public JdbcSettings(String url, String user, String password) {
        this(url, user, password, false);
    }

    private JdbcSettings(String url, String user, String password, boolean passwordFromEnvironment) {
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "the JDBC URL must start with jdbc:postgresql: (set --jdbc-url or KPI_JDBC_URL), got " + redact(url));
        }
        this.url = url;
        this.user = user == null || user.isEmpty() ? null : user;
        this.password = password == null || password.isEmpty() ? null : password;
        this.passwordFromEnvironment = passwordFromEnvironment;
    }

    /** URL from the argument, else the environment; credentials from the environment. */
    public static JdbcSettings fromEnvironment(String urlOverride) {
        String url = urlOverride != null ? urlOverride : System.getenv("KPI_JDBC_URL");
        return new JdbcSettings(url, System.getenv("KPI_JDBC_USER"), null, true);
    }

    public Connection connect() throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        String secret = passwordFromEnvironment ? System.getenv("KPI_JDBC_PASSWORD") : password;
        if (secret != null && !secret.isEmpty()) {
            props.setProperty("password", secret);
        }
        // One multi-row INSERT per batch instead of one round trip per row.
        props.setProperty("reWriteBatchedInserts", "true");
        props.setProperty("ApplicationName", "gluu-kpi");
        props.setProperty("connectTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(url, props);
    }

    public String url() {
        return url;
    }

    /** The URL without its query string, which may carry a password. */
    public static String redact(String url) {
        if (url == null) {
            return "(none)";
        }
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q) + "?…";
        return base.replaceAll("//[^/@]*@", "//…@");
    }

    @Override
    public String toString() {
        return "JdbcSettings{" + redact(url) + (user == null ? "" : ", user=" + user) + "}";
    }
}
