package org.callscheduler.simulator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The simulator as the Call API in use: bounded input, and a request log that can be cleared safely. */
@QuarkusTest
class SimulatorResourceTest {

    @BeforeEach
    void clearLog() {
        given().delete("/simulator/requests").then().statusCode(204);
    }

    @Test
    void aPhoneNumberLongerThanAnyIsRefusedAndNotRemembered() {
        given().contentType(ContentType.JSON).body("{\"phone_number\":\"+1" + "4".repeat(40) + "\"}")
                .post("/simulator/api/call").then()
                .statusCode(400)
                .body("error", containsString("longer than 32"));
        given().get("/simulator/requests").then().statusCode(200).body("$", hasSize(0));
    }

    @Test
    void anIdempotencyKeyLongerThan255IsRefusedAndNotRemembered() {
        given().contentType(ContentType.JSON).header("Idempotency-Key", "k".repeat(256))
                .body("{\"phone_number\":\"+14155550123\"}")
                .post("/simulator/api/call").then()
                .statusCode(400)
                .body("error", containsString("Idempotency-Key"));
        given().get("/simulator/requests").then().statusCode(200).body("$", hasSize(0));
    }

    @Test
    void clearingTheRequestLogDoesNotForgetTheCalls() {
        String callId = given().contentType(ContentType.JSON).header("Idempotency-Key", "clear-keeps-calls")
                .body("{\"phone_number\":\"+14155550123\"}")
                .post("/simulator/api/call").then()
                .statusCode(200)
                .extract().path("call_id");

        given().delete("/simulator/requests").then().statusCode(204);

        given().get("/simulator/requests").then().statusCode(200).body("$", hasSize(0));
        given().get("/simulator/api/call/" + callId).then().statusCode(200).body("call_id", equalTo(callId));
        given().contentType(ContentType.JSON).header("Idempotency-Key", "clear-keeps-calls")
                .body("{\"phone_number\":\"+14155550123\"}")
                .post("/simulator/api/call").then()
                .statusCode(200)
                .body("call_id", equalTo(callId));
    }
}
