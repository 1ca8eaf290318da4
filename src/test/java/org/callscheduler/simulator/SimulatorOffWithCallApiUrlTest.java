package org.callscheduler.simulator;

import static io.restassured.RestAssured.given;

import org.callscheduler.support.RealCallApiUrlProfile;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** With a real Call API configured, the simulator is not the Call API in use: it answers 404 everywhere. */
@QuarkusTest
@TestProfile(RealCallApiUrlProfile.class)
class SimulatorOffWithCallApiUrlTest {

    @Test
    void everySimulatorPathAnswers404() {
        given().contentType(ContentType.JSON).body("{\"phone_number\":\"+14155550123\"}")
                .post("/simulator/api/call").then().statusCode(404);
        given().get("/simulator/api/call/some-id").then().statusCode(404);
        given().get("/simulator/requests").then().statusCode(404);
        given().delete("/simulator/requests").then().statusCode(404);
    }
}
