package com.gluu.kpi.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One migrated embedded PostgreSQL per test class, in place of a {@code @BeforeAll}/{@code
 * @AfterAll} pair: {@code @RegisterExtension static final PostgresExtension POSTGRES = new
 * PostgresExtension();} then {@code POSTGRES.db()}.
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {
    private TestDatabase db;

    @Override
    public void beforeAll(ExtensionContext context) {
        db = TestDatabase.startMigrated();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    public TestDatabase db() {
        return db;
    }
}
