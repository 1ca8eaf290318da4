package org.callscheduler.call;

/**
 * The optional fields of CONTRACT part 2 common to every request that creates a call: those that decide when it
 * may be placed, and the client's reference and metadata.
 */
interface CallingRulesRequest {

    String reference();

    com.fasterxml.jackson.databind.JsonNode metadata();


    String timeZone();

    CallingWindowJson callingWindow();

    String expiresAt();

    RetryJson retry();
}
