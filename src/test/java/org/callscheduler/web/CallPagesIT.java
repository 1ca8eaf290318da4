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
}
