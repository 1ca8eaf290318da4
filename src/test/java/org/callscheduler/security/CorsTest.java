package org.callscheduler.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** CORS switched on for one origin: that origin may call the API, others still may not. */
@QuarkusTest
@TestProfile(CorsTest.OneOrigin.class)
class CorsTest {

    static final String ALLOWED = "http://localhost:7777";

    public static class OneOrigin implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.cors.enabled", "true", "quarkus.http.cors.origins", ALLOWED);
        }
    }

    @Test
    void theConfiguredOriginPassesThePreflight() {
        given().header("Origin", ALLOWED)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .options("/api/schedule").then()
                .statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo(ALLOWED))
                .header("Access-Control-Allow-Methods", containsString("POST"));
    }

    @Test
    void anotherOriginIsStillRefused() {
        given().header("Origin", "http://localhost:6666")
                .header("Access-Control-Request-Method", "POST")
                .options("/api/schedule").then()
                .header("Access-Control-Allow-Origin", nullValue());
    }
}
