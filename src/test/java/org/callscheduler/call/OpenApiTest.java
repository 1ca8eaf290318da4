package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** /q/openapi describes every endpoint of the contract, its status codes and its snake_case fields. */
@QuarkusTest
class OpenApiTest {

    @Test
    void theDocumentListsEveryEndpointAndStatusCode() {
        JsonPath doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();

        assertEquals(Set.of("201", "400", "415"), codes(doc, "'/api/schedule'.post"));
        assertEquals(Set.of("201", "400", "415"), codes(doc, "'/api/call-now'.post"));
        assertEquals(Set.of("200", "400"), codes(doc, "'/api/calls'.get"));
        assertEquals(Set.of("200", "404"), codes(doc, "'/api/calls/{id}'.get"));
        assertEquals(Set.of("204", "404", "409"), codes(doc, "'/api/calls/{id}'.delete"));
        assertEquals(Set.of("200", "404"), codes(doc, "'/api/calls/{id}/events'.get"));
        assertNotNull(doc.get("paths.'/api/calls/{id}/events'.get.responses.'200'.content.'application/json'.examples"));
        assertNotNull(doc.get("paths.'/api/calls'.get.responses.'200'.headers.'X-Total-Count'"));
        assertNotNull(doc.get("paths.'/api/schedule'.post.responses.'400'.content.'application/json'.examples"));
    }

    private static Set<String> codes(JsonPath doc, String operation) {
        Map<String, Object> responses = doc.getMap("paths." + operation + ".responses");
        return responses.keySet();
    }

    @Test
    void theSchemasUseTheWireNames() {
        given().queryParam("format", "json").get("/q/openapi").then()
                .body("components.schemas.CallResponse.properties", hasKey("phone_number"))
                .body("components.schemas.CallResponse.properties", hasKey("scheduled_time"))
                .body("components.schemas.CallResponse.properties", hasKey("error_message"))
                .body("components.schemas.CallResponse.properties", hasKey("calling_window"))
                .body("components.schemas.CallResponse.properties", hasKey("not_before"))
                .body("components.schemas.ScheduleRequest.properties", hasKey("expires_at"))
                .body("components.schemas.RetryJson.properties", hasKey("max_retries"))
                .body("components.schemas.ApiError.properties", hasKey("violations"))
                .body("components.schemas.ScheduleRequest.properties", hasKey("scheduled_time"));
    }

    @Test
    void thePageAndTheSimulatorAreNotPartOfTheApi() {
        given().queryParam("format", "json").get("/q/openapi").then()
                .body("paths", not(hasKey("/simulator/api/call")))
                .body("paths", not(hasKey("/calls-table")));
    }
}
