package com.gluu.kpi.alerts.delivery;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim an {@link AlertOutbox} takes on one (kpi.alerts row, channel) before it sends that
 * row's pending transitions to that channel, so that two outboxes on one database never both send
 * a transition (SPEC §5, "Exactly one sender").
 *
 * <p>The claim is a session-level PostgreSQL advisory lock ({@code pg_try_advisory_lock}) on a
 * 64-bit key derived from channel and alert id, taken on the connection of the channel's pass
 * (autocommit) and released ({@code pg_advisory_unlock}) right after the row's last write-back. A
 * row another session holds is skipped for this pass, not waited for.
 *
 * <p>Why an advisory lock and not a row lock: a {@code SELECT … FOR UPDATE} held across a network
 * send makes the job's upsert of that row wait ({@code ON CONFLICT DO UPDATE} takes the row lock),
 * and the KPI sink must never block on a channel; an advisory lock conflicts only with the same
 * advisory lock. It needs no schema change and no privilege (the functions are executable by
 * PUBLIC, so a login granted only {@code kpi_writer} may call them). Why session-level and not
 * transaction-level: each accepted send is written back at once, in its own autocommit statement;
 * a transaction kept open to hold the lock would also keep the row lock of that write-back through
 * the next send, the same stall.
 *
 * <p>Lifetime: PostgreSQL releases a session's advisory locks when the session ends, and the outbox
 * closes its connection at the end of every pass, so a lock never outlives the pass that took it:
 * not after a failed unlock, not after a lost connection, and not after a crash (the process's
 * socket closes, the server ends the session). A client that vanishes without closing its socket
 * (host down, network cut) would keep its session until TCP keepalive notices, over two hours with
 * the usual defaults; {@link #boundIdleSession} makes the server end such a session once it has
 * waited that long for the client ({@code idle_session_timeout}, settable by any role).
 *
 * <p>The lock needs a real session: a direct connection or a session-mode pooler. Through a
 * transaction-mode pooler (PgBouncer or Supavisor in transaction mode, Supabase's port 6543) lock
 * and unlock may reach different server sessions; the unlock then finds nothing to release, and
 * {@link #release} says so in the log.
 */
final class DeliveryClaim {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryClaim.class);
    private static final AtomicBoolean WARNED_NOT_HELD = new AtomicBoolean();
    /** idle_session_timeout exists from PostgreSQL 14 on. */
    private static final int IDLE_SESSION_TIMEOUT_SINCE = 14;

    private DeliveryClaim() {}

    /**
     * The advisory lock key of one row on one channel: the first 8 bytes of SHA-256 of {@code
     * gluu-kpi/kpi.alerts/<channel>/<alert_id>}. Every outbox on a database must derive the same key
     * (change it only with every instance at once). 64 bits make a collision between two rows
     * negligible, and one would only make a row wait for the next pass.
     */
    static long key(String channel, String alertId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("gluu-kpi/kpi.alerts/" + channel + "/" + alertId).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Takes the lock if no other session holds it; false (and nothing held) otherwise. Never waits. */
    static boolean tryClaim(Connection connection, long key) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            s.setLong(1, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Releases the lock. A failure is only logged: the caller is already done with the row, and the
     * lock goes with the session when the pass closes its connection.
     */
    static void release(Connection connection, long key) {
        try (PreparedStatement s = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            s.setLong(1, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1) && WARNED_NOT_HELD.compareAndSet(false, true)) {
                    LOG.warn("alert outbox: a delivery claim was not held by this session at its release; is the"
                            + " database reached through a transaction-mode pooler? The outbox needs a direct or"
                            + " session-mode connection (see README, Alerts)");
                }
            }
        } catch (SQLException e) {
            LOG.warn("alert outbox: could not release a delivery claim, it ends with the connection: {}", e.toString());
        }
    }

    /**
     * Makes the server end this session when it has waited {@code bound} for the client outside a
     * transaction, so the lock of a client that vanished mid-send is freed after that long. The
     * bound must exceed the longest send (the channels' calls time out after 10 s); the outbox is
     * never idle longer otherwise, as it closes its connection between passes.
     */
    static void boundIdleSession(Connection connection, Duration bound) throws SQLException {
        if (connection.getMetaData().getDatabaseMajorVersion() < IDLE_SESSION_TIMEOUT_SINCE) {
            return; // an older server: the lock of a vanished client lasts until TCP keepalive ends its session
        }
        try (PreparedStatement s = connection.prepareStatement("SELECT set_config('idle_session_timeout', ?, false)")) {
            s.setString(1, bound.toMillis() + "ms");
            s.executeQuery().close();
        }
    }
}
