package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.callscheduler.support.PackagedAppProfile;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

/**
 * The REST contract against the packaged application (the jar here, the native executable with
 * -Dnative), over HTTP only. The database may hold calls of earlier runs and other tests, so each
 * test follows the calls it created by id.
 */
@QuarkusIntegrationTest
@TestProfile(PackagedAppProfile.class)
class CallApiIT {

    @Test
    void aScheduledCallIsStoredListedAndFound() {
        Instant due = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        int id = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+1 (415) 555-0123\", \"scheduled_time\": \"" + due + "\"}")
                .post("/api/schedule").then()
                .statusCode(201)
                .contentType(ContentType.JSON)
                .body("phone_number", equalTo("+14155550123"))
                .body("scheduled_time", equalTo(due.toString()))
                .body("status", equalTo("pending"))
                .body("call_api_id", nullValue())
                .body("created_at", notNullValue())
                .extract().path("id");

        given().queryParam("status", "pending").queryParam("size", 500).get("/api/calls").then()
                .statusCode(200)
                .contentType(ContentType.JSON)
                .header("X-Total-Count", notNullValue())
                .body("id", hasItem(id));
        given().get("/api/calls/" + id).then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("phone_number", equalTo("+14155550123"))
                .body("status", equalTo("pending"));
    }

    @Test
    void aCallNowIsDialledThroughTheSimulatorAndCompletes() {
        ExtractableResponse<Response> created = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550199\"}")
                .post("/api/call-now").then()
                .statusCode(201)
                .body("phone_number", equalTo("+14155550199"))
                .extract();
        int id = created.path("id");
        assertEquals("/api/calls/" + id, created.header("Location"));

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                .until(() -> given().get("/api/calls/" + id).path("status"), equalTo("completed"));
        given().get("/api/calls/" + id).then()
                .statusCode(200)
                .body("call_status", equalTo("completed"))
                .body("call_api_id", notNullValue())
                .body("error_message", nullValue());
    }

    @Test
    void anInvalidRequestGets400NamingTheField() {
        given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"abc\", \"scheduled_time\": \"" + Instant.now().plusSeconds(3600) + "\"}")
                .post("/api/schedule").then()
                .statusCode(400)
                .contentType(ContentType.JSON)
                .body("error", notNullValue())
                .body("violations.field", contains("phone_number"))
                .body("violations[0].message", containsString("valid phone number"));
        given().contentType(ContentType.JSON).body("{}").post("/api/schedule").then()
                .statusCode(400)
                .body("violations.field", contains("phone_number", "scheduled_time"));
    }

    @Test
    void anUnknownCallGets404WithAJsonError() {
        given().get("/api/calls/987654321").then()
                .statusCode(404)
                .contentType(ContentType.JSON)
                .body("error", containsString("987654321"));
    }

    @Test
    void theApplicationIsLiveAndReady() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("calls"));
    }

    @Test
    void theOpenApiDocumentListsTheApi() {
        given().queryParam("format", "json").get("/q/openapi").then()
                .statusCode(200)
                .body("paths", hasKey("/api/calls"))
                .body("paths", hasKey("/api/schedule"));
    }
}
