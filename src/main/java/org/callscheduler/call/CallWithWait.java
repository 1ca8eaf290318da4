package org.callscheduler.call;

import java.util.Arrays;
import java.util.List;

/**
 * A call as the API shows it, with what the API keeps to itself: why it waits past its scheduled time.
 *
 * @param waitReason why the call waits, for a pending call that no dispatcher is sending; otherwise null
 * @param retriedOutcomes the outcomes of the dials retried so far, oldest first ("busy", "no-answer"); the last one
 *        is the reason of a {@link WaitReason#RETRY}
 */
public record CallWithWait(CallResponse call, WaitReason waitReason, List<String> retriedOutcomes) {

    public CallWithWait {
        retriedOutcomes = List.copyOf(retriedOutcomes);
    }

    static CallWithWait from(ScheduledCall call) {
        CallResponse response = CallResponse.from(call);
        WaitReason reason = response.notBefore() == null ? null : WaitReason.ofColumn(call.waitReason).orElse(null);
        List<String> outcomes = call.retriedOutcomes == null || call.retriedOutcomes.isBlank() ? List.of()
                : Arrays.stream(call.retriedOutcomes.split(",")).map(String::trim).toList();
        return new CallWithWait(response, reason, outcomes);
    }
}
