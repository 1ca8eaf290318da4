package org.callscheduler.provider;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import org.callscheduler.support.RealCallApiUrlProfile;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Health data names the Call API without the credentials, query or fragment of its URL. */
@QuarkusTest
@TestProfile(RealCallApiUrlProfile.class)
class CallApiHealthUrlTest {

    @Test
    void theReadinessDataShowsTheUrlWithoutSecrets() {
        given().get("/q/health/ready").then()
                .body("checks.find { it.name == 'call-api' }.data.url", equalTo("http://127.0.0.1:9/provider"))
                .body(not(containsString("s3cret")))
                .body(not(containsString("acme")))
                .body(not(containsString("#part")));
    }
}
