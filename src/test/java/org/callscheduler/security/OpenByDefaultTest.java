package org.callscheduler.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The embedded demo's defaults: no key needed, and no other origin may call the API from a browser. */
@QuarkusTest
class OpenByDefaultTest {

    @Test
    void withoutConfiguredKeysTheApiAndThePageAreOpen() {
        given().get("/api/calls").then().statusCode(200);
        given().get("/").then().statusCode(200);
    }

    @Test
    void corsIsOffSoAnotherOriginGetsNoPermission() {
        given().header("Origin", "http://localhost:7777")
                .header("Access-Control-Request-Method", "POST")
                .options("/api/schedule").then()
                .header("Access-Control-Allow-Origin", nullValue());
        given().header("Origin", "http://localhost:7777").get("/api/calls").then()
                .statusCode(200)
                .header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void apiAnswersCarryNoSniff() {
        given().get("/api/calls").then().header("X-Content-Type-Options", equalTo("nosniff"));
        given().get("/q/health/ready").then().header("X-Content-Type-Options", equalTo("nosniff"));
    }
}
