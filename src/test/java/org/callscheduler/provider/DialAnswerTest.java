package org.callscheduler.provider;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Which answers to a dial can be kept, and which cannot (and so fail the call rather than redial it). */
class DialAnswerTest {

    @Test
    void aCallIdOf128PrintableCharactersIsKept() {
        String id = "a".repeat(127) + "~";
        assertEquals(new DialOutcome.Accepted(id, CallProgress.INITIATED),
                CallApiClient.accepted(new CallApiCall(id, "initiated")));
    }

    @Test
    void aLongerCallIdCannotBeKept() {
        DialOutcome outcome = CallApiClient.accepted(new CallApiCall("a".repeat(129), "initiated"));
        assertThat(outcome, instanceOf(DialOutcome.Unusable.class));
        assertThat(((DialOutcome.Unusable) outcome).reason(), containsString("129 characters"));
    }

    @Test
    void aCallIdWithControlSpacesOrNonAsciiCharactersCannotBeKept() {
        for (String id : new String[] { "ab\u0007cd", "ab cd", "caf\u00e9", "ab\ncd" }) {
            assertThat(id, CallApiClient.accepted(new CallApiCall(id, "initiated")),
                    instanceOf(DialOutcome.Unusable.class));
        }
    }

    @Test
    void anUnknownStatusCannotBeKeptAndAMissingOneMeansInitiated() {
        DialOutcome unknown = CallApiClient.accepted(new CallApiCall("sid-1", "queued\u0000"));
        assertThat(unknown, instanceOf(DialOutcome.Unusable.class));
        assertThat(((DialOutcome.Unusable) unknown).reason(), containsString("\"queued?\""));
        assertEquals(new DialOutcome.Accepted("sid-1", CallProgress.INITIATED),
                CallApiClient.accepted(new CallApiCall("sid-1", null)));
        assertEquals(new DialOutcome.Accepted("sid-1", CallProgress.RINGING),
                CallApiClient.accepted(new CallApiCall("sid-1", "ringing")));
    }

    @Test
    void anAnswerWithoutCallIdIsMalformedAndMayBeRetried() {
        assertThat(CallApiClient.accepted(new CallApiCall(null, "initiated")), instanceOf(DialOutcome.Unavailable.class));
        assertThat(CallApiClient.accepted(new CallApiCall(" ", "initiated")), instanceOf(DialOutcome.Unavailable.class));
    }

    @Test
    void onlyCompletedBusyNoAnswerAndFailedAreFinal() {
        for (CallProgress progress : CallProgress.values()) {
            boolean fin = progress == CallProgress.COMPLETED || progress == CallProgress.BUSY
                    || progress == CallProgress.NO_ANSWER || progress == CallProgress.FAILED;
            assertEquals(fin, progress.isFinal(), progress.word());
        }
        assertEquals(CallProgress.NO_ANSWER, CallProgress.of("no-answer").orElseThrow());
    }
}
