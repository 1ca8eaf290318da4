package org.callscheduler.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.callscheduler.support.WebhookReceiver;
import org.junit.jupiter.api.Test;

/** Signing with the official library agrees with the spec's published test vector and with the test receiver's HMAC. */
class WebhookSignatureTest {

    // The Standard Webhooks specification's test vector.
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330L;
    private static final String SPEC_PAYLOAD = "{\"test\": 2432232314}";
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @Test
    void theAppsSignatureIsTheSpecsTestVector() throws Exception {
        WebhookTarget target = WebhookTarget.of("https://receiver.example/hooks", SPEC_SECRET);
        assertEquals(SPEC_SIGNATURE, target.signer().sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD));
    }

    @Test
    void theTestReceiversOwnHmacAgreesWithTheSpec() {
        WebhookReceiver receiver = new WebhookReceiver(SPEC_SECRET);
        try {
            assertTrue(receiver.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_PAYLOAD, SPEC_SIGNATURE));
            assertFalse(receiver.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP + 1), SPEC_PAYLOAD, SPEC_SIGNATURE));
            assertFalse(receiver.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_PAYLOAD + " ", SPEC_SIGNATURE));
        } finally {
            receiver.down();
        }
    }

    @Test
    void theUrlAndSecretAreCheckedAtStartWithoutShowingCredentials() {
        IllegalStateException ftp = assertThrows(IllegalStateException.class,
                () -> WebhookTarget.of("ftp://user:pass@receiver.example/x", SPEC_SECRET));
        assertFalse(ftp.getMessage().contains("pass"), ftp.getMessage());
        assertThrows(IllegalStateException.class, () -> WebhookTarget.of("http:///nohost", SPEC_SECRET));
        assertThrows(IllegalStateException.class, () -> WebhookTarget.of("https://receiver.example/x", null));
        assertThrows(IllegalStateException.class, () -> WebhookTarget.of("https://receiver.example/x", "whsec_%%%"));
        assertThrows(IllegalStateException.class, () -> WebhookTarget.of("https://receiver.example/x", "whsec_c2hvcnQ="));
        WebhookTarget target = WebhookTarget.of("https://user:secret@receiver.example:8443/hooks?token=abc", SPEC_SECRET);
        assertEquals("https://receiver.example:8443/hooks", target.display());
    }
}
