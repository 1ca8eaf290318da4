package org.callscheduler.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import org.callscheduler.support.PackagedAppProfile;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** The page and its table fragment from the packaged application (templates checked at build time, served as built). */
@QuarkusIntegrationTest
@TestProfile(PackagedAppProfile.class)
class CallPagesIT {

    @Test
    void thePageIsHtmlWithTheFormAndHtmx() {
        given().get("/").then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(containsString("<html"))
                .body(containsString("<label for=\"phone\">Phone number</label>"))
                .body(containsString("/webjars/htmx.org/2.0.10/dist/htmx.min.js"));
        given().get("/webjars/htmx.org/2.0.10/dist/htmx.min.js").then().statusCode(200);
    }

    @Test
    void theTableFragmentIsServedAlone() {
        given().get("/calls-table").then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(not(containsString("<html")))
                .body(containsString("hx-trigger=\"every 3s"));
    }

    @Test
    void aCallsTimelineIsServedAsItsFragmentAndAnUnknownOneIsA404() {
        long id = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550123\", \"scheduled_time\": \"2031-01-01T10:00:00Z\"}")
                .post("/api/schedule").then().statusCode(201).extract().jsonPath().getLong("id");
        given().get("/calls/" + id + "/timeline").then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(not(containsString("<html")))
                .body(containsString("data-type=\"created\""))
                .body(containsString("hx-trigger=\"every 3s\""));
        given().get("/calls/999999999/timeline").then()
                .statusCode(404)
                .contentType(ContentType.HTML)
                .body(containsString("There is no call #999999999."));
    }

    @Test
    void theSampleCsvIsCheckedAndTheExportCarriesTheSearch() throws java.io.IOException {
        String token = given().get("/").then().statusCode(200).extract().cookie("csrf-token");
        given().cookie("csrf-token", token).header("X-CSRF-TOKEN", token)
                .multiPart("file", "clinic-day.csv", java.nio.file.Files.readAllBytes(
                        java.nio.file.Path.of("src/examples/clinic-day.csv")), "text/csv")
                .post("/csv/import/preview").then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(containsString("<strong class=\"good-rows\">20</strong> of 20 rows are good"));
        long id = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550177\", \"scheduled_time\": \"2031-01-01T10:00:00Z\","
                        + " \"reference\": \"it-export-1\"}")
                .post("/api/schedule").then().statusCode(201).extract().jsonPath().getLong("id");
        given().queryParam("reference", "it-export-1").get("/csv/calls.csv").then()
                .statusCode(200)
                .contentType(containsString("text/csv"))
                .body(containsString(id + ",'+14155550177,2031-01-01T10:00:00Z,pending,,it-export-1,"));
    }
}
