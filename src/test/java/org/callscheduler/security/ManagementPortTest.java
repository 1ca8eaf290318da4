package org.callscheduler.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * /q on a management port of its own, with API keys configured: health, metrics and OpenAPI answer there
 * without a key (the API key check is not in their way), the main port no longer serves them, and the API
 * still needs its key.
 */
@QuarkusTest
@TestProfile(ManagementPortTest.ManagementInterface.class)
class ManagementPortTest {

    static final int MANAGEMENT_TEST_PORT = 9281;
    static final String MANAGEMENT = "http://localhost:" + MANAGEMENT_TEST_PORT;

    public static class ManagementInterface implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.management.enabled", "true",
                    "quarkus.management.test-port", String.valueOf(MANAGEMENT_TEST_PORT),
                    "call-scheduler.security.api-keys", "management-test-key");
        }
    }

    @Test
    void healthMetricsAndOpenApiAnswerOnTheManagementPortWithoutAKey() {
        given().get(MANAGEMENT + "/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'call-api' }.status", equalTo("UP"));
        given().get(MANAGEMENT + "/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get(MANAGEMENT + "/q/health/started").then().statusCode(200);
        given().get(MANAGEMENT + "/q/metrics").then().statusCode(200).body(containsString("jvm_"));
        given().get(MANAGEMENT + "/q/openapi").then().statusCode(200).body(containsString("/api/schedule"));
    }

    @Test
    void theMainPortNoLongerServesThem() {
        given().get("/q/health/ready").then().statusCode(not(equalTo(200)));
        given().get("/q/metrics").then().statusCode(not(equalTo(200)));
        given().header("X-API-Key", "management-test-key").get("/q/health/ready").then().statusCode(not(equalTo(200)));
    }

    @Test
    void theManagementPortServesNeitherTheApiNorThePage() {
        given().header("X-API-Key", "management-test-key").get(MANAGEMENT + "/api/calls").then().statusCode(404);
        given().get("/api/calls").then().statusCode(401);
        given().header("X-API-Key", "management-test-key").get("/api/calls").then().statusCode(200);
    }
}
