package org.callscheduler.simulator;

import static io.restassured.RestAssured.given;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** With a real Call API configured, the simulator is not the Call API in use: it answers 404 everywhere. */
@QuarkusTest
@TestProfile(SimulatorOffWithCallApiUrlTest.RealCallApi.class)
class SimulatorOffWithCallApiUrlTest {

    public static class RealCallApi implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("call-scheduler.call-api.url", "http://127.0.0.1:9/provider",
                    "call-scheduler.dispatch.enabled", "false",
                    "call-scheduler.poll.enabled", "false");
        }
    }

    @Test
    void everySimulatorPathAnswers404() {
        given().contentType(ContentType.JSON).body("{\"phone_number\":\"+14155550123\"}")
                .post("/simulator/api/call").then().statusCode(404);
        given().get("/simulator/api/call/some-id").then().statusCode(404);
        given().get("/simulator/requests").then().statusCode(404);
        given().delete("/simulator/requests").then().statusCode(404);
    }
}
