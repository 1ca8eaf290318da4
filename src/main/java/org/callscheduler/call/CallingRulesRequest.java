package org.callscheduler.call;

/** The optional fields of CONTRACT part 2 that decide when a call may be placed, common to every request that creates one. */
interface CallingRulesRequest {

    String timeZone();

    CallingWindowJson callingWindow();

    String expiresAt();

    RetryJson retry();
}
