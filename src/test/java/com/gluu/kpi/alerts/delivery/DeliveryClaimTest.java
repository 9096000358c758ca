package com.gluu.kpi.alerts.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeliveryClaimTest {

    /**
     * Every outbox on a database must derive the same key, whatever its version: pinned to values
     * computed independently (Python: the first 8 bytes of hashlib.sha256 of
     * "gluu-kpi/kpi.alerts/posthog/ALERT_ID", resp. ".../sns/...", read as a signed big-endian long).
     */
    @Test
    void theKeyOfARowOnAChannelIsTheFirstEightBytesOfItsSha256() {
        assertThat(DeliveryClaim.key("posthog", Fixtures.ALERT_ID)).isEqualTo(5450117924465590336L);
        assertThat(DeliveryClaim.key("sns", Fixtures.ALERT_ID)).isEqualTo(-8616496198030891349L);
    }
}
