package org.callscheduler.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The simulator's memory stays within its bound, and its keys go with the calls they name. */
class SimulatedCallsTest {

    private final SimulatedCalls calls = new SimulatedCalls(config(3));

    @Test
    void theOldestCallIsForgottenTogetherWithItsIdempotencyKey() {
        List<SimulatedCalls.Call> placed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            placed.add(calls.place("+1415555012" + i, "key-" + i));
        }

        assertEquals(3, calls.callsRemembered());
        assertEquals(3, calls.idempotencyKeysRemembered());
        assertTrue(calls.find(placed.get(0).id()).isEmpty());
        assertTrue(calls.find(placed.get(4).id()).isPresent());
        assertEquals(placed.get(4).id(), calls.place("+14155550124", "key-4").id(), "a remembered key replays");
    }

    @Test
    void theRequestLogKeepsTheNewestEntries() {
        for (int i = 0; i < 5; i++) {
            calls.place("+1415555012" + i, null);
        }

        List<SimulatedCalls.ReceivedRequest> log = calls.received();
        assertEquals(List.of("+14155550122", "+14155550123", "+14155550124"),
                log.stream().map(SimulatedCalls.ReceivedRequest::phoneNumber).toList());
    }

    @Test
    void clearingTheLogKeepsTheCalls() {
        SimulatedCalls.Call call = calls.place("+14155550123", "key");

        calls.clearLog();

        assertEquals(List.of(), calls.received());
        assertTrue(calls.find(call.id()).isPresent());
        assertEquals(call.id(), calls.place("+14155550123", "key").id(), "the key still replays");
    }

    static SimulatorConfig config(int maxRemembered) {
        return new SimulatorConfig() {
            public boolean enabled() {
                return true;
            }

            public Duration step() {
                return Duration.ofSeconds(2);
            }

            public Duration latency() {
                return Duration.ZERO;
            }

            public double busyShare() {
                return 0;
            }

            public double noAnswerShare() {
                return 0;
            }

            public double failedShare() {
                return 0;
            }

            public int maxRemembered() {
                return maxRemembered;
            }
        };
    }
}
