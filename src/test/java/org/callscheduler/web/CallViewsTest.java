package org.callscheduler.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

import org.callscheduler.call.CallingWindowJson;
import org.junit.jupiter.api.Test;

/** The page's words for waits and windows, without Quarkus. */
class CallViewsTest {

    private static final Instant NOW = Instant.parse("2026-12-01T15:00:00Z");

    @Test
    void aCountdownIsGivenInItsLargestUnitRounded() {
        assertEquals("in 8 s", CallViews.countdown(NOW.plusSeconds(8), NOW));
        assertEquals("in 1 s", CallViews.countdown(NOW.plusMillis(200), NOW));
        assertEquals("in 59 s", CallViews.countdown(NOW.plusSeconds(59), NOW));
        assertEquals("in 10 min", CallViews.countdown(NOW.plus(Duration.ofMinutes(10)).minusMillis(300), NOW));
        assertEquals("in 1 h", CallViews.countdown(NOW.plus(Duration.ofMinutes(59)).plusSeconds(50), NOW));
        assertEquals("in 3 h", CallViews.countdown(NOW.plus(Duration.ofMinutes(190)), NOW));
        assertEquals("in 2 d", CallViews.countdown(NOW.plus(Duration.ofHours(50)), NOW));
    }

    @Test
    void aTimeThatHasComeIsDueNow() {
        assertEquals("due now", CallViews.countdown(NOW, NOW));
        assertEquals("due now", CallViews.countdown(NOW.minusSeconds(5), NOW));
    }

    @Test
    void aWindowsDaysAreWrittenInRuns() {
        assertEquals("09:00-17:00", CallViews.windowText(new CallingWindowJson("09:00", "17:00", null)));
        assertEquals("09:00-17:00", CallViews.windowText(new CallingWindowJson("09:00", "17:00",
                List.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"))));
        assertEquals("09:00-17:00 MON-FRI", CallViews.windowText(new CallingWindowJson("09:00", "17:00",
                List.of("MON", "TUE", "WED", "THU", "FRI"))));
        assertEquals("10:00-14:00 SAT,SUN", CallViews.windowText(new CallingWindowJson("10:00", "14:00",
                List.of("SAT", "SUN"))));
        assertEquals("22:00-02:00 MON,WED-FRI", CallViews.windowText(new CallingWindowJson("22:00", "02:00",
                List.of("FRI", "MON", "WED", "THU"))));
    }

    @Test
    void webhooksFailingSinceTodayShowTheTimeInThePersonsZoneAndSinceAnEarlierDayTheDateToo() {
        ZoneId paris = ZoneId.of("Europe/Paris");
        CallViews.Webhooks today = CallViews.Webhooks.of(Optional.of(NOW.minusSeconds(3600)), 4,
                Optional.of("the receiver answered HTTP 503"), 0, paris, NOW);
        assertEquals("15:00:00", today.failingSince());
        assertTrue(today.failing());
        CallViews.Webhooks days = CallViews.Webhooks.of(Optional.of(NOW.minus(Duration.ofDays(2))), 4, Optional.empty(),
                0, paris, NOW);
        assertEquals("Sun 29 Nov 2026, 16:00:00", days.failingSince());
        CallViews.Webhooks fine = CallViews.Webhooks.of(Optional.empty(), 0, Optional.empty(), 0, paris, NOW);
        assertFalse(fine.failing());
    }

    @Test
    void deadDeliveriesAreCountedInWords() {
        assertEquals("1 webhook delivery given up (dead)", new CallViews.Webhooks("", 0, "", 1).deadText());
        assertEquals("3 webhook deliveries given up (dead)", new CallViews.Webhooks("", 0, "", 3).deadText());
    }

    @Test
    void eventTypesAreWrittenForPeopleAndColouredByWhatTheyMean() {
        assertEquals("Send failed", CallViews.eventLabel("send_failed"));
        assertEquals("Created", CallViews.eventLabel("created"));
        assertEquals("In doubt", CallViews.eventLabel("in_doubt"));
        assertEquals("ok", CallViews.eventTone("completed"));
        assertEquals("bad", CallViews.eventTone("send_failed"));
        assertEquals("warn", CallViews.eventTone("retry_scheduled"));
        assertEquals("info", CallViews.eventTone("status_changed"));
    }
}
