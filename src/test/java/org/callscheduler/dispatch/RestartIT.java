package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.callscheduler.support.AppProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;

import io.restassured.http.ContentType;

/**
 * Kills the packaged application with kill -9 and starts it again on the same H2 file: nothing is
 * lost, the overdue call is dialled after the start, the in-progress call is followed again, and
 * nothing is dialled twice.
 */
class RestartIT {

    private WireMockServer callApi;
    private Path dataDir;
    private final Map<Long, String> phones = new java.util.HashMap<>();

    @BeforeEach
    void startCallApi() throws Exception {
        callApi = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        callApi.start();
        callApi.stubFor(post("/api/call").willReturn(okJson("{\"call_id\": \"restart-1\", \"status\": \"initiated\"}")));
        callApi.stubFor(get("/api/call/restart-1").willReturn(okJson("{\"call_id\": \"restart-1\", \"status\": \"ringing\"}")));
        dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "restart-it-");
    }

    @AfterEach
    void stopCallApi() {
        callApi.stop();
    }

    @Test
    void callsSurviveKillMinus9AndRestart() throws Exception {
        Map<String, String> settings = Map.of(
                "call-scheduler.data-dir", dataDir.toString(),
                "call-scheduler.call-api.url", callApi.baseUrl(),
                "call-scheduler.poll.interval", "1s");

        long inProgress;
        long overdue;
        long later;
        Instant overdueAt;
        try (AppProcess first = AppProcess.start("restart-it-first", settings)) {
            inProgress = create(first, "/api/call-now", "{\"phone_number\": \"+14155550101\"}");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get(first.baseUrl() + "/api/calls/" + inProgress)
                    .then().body("status", equalTo("in-progress")).body("call_status", equalTo("ringing")));

            overdueAt = Instant.now().plusSeconds(3);
            overdue = create(first, "/api/schedule",
                    "{\"phone_number\": \"+14155550102\", \"scheduled_time\": \"" + overdueAt + "\"}");
            later = create(first, "/api/schedule",
                    "{\"phone_number\": \"+14155550103\", \"scheduled_time\": \"" + Instant.now().plusSeconds(3600) + "\"}");

            first.kill();
        }
        assertEquals(0, postsFor(overdue), "dialled before the crash");
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(overdueAt.plusMillis(500)));
        callApi.stubFor(get("/api/call/restart-1").willReturn(okJson("{\"call_id\": \"restart-1\", \"status\": \"completed\"}")));

        try (AppProcess second = AppProcess.start("restart-it-second", settings)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> postsFor(overdue) == 1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get(second.baseUrl() + "/api/calls/" + inProgress)
                    .then().body("status", equalTo("completed")));

            given().get(second.baseUrl() + "/api/calls").then().statusCode(200).header("X-Total-Count", "3");
            given().get(second.baseUrl() + "/api/calls/" + later).then().body("status", equalTo("pending"));
            // Dialled after the start: its Call API id is set (the provider may already report it completed).
            given().get(second.baseUrl() + "/api/calls/" + overdue).then().body("call_api_id", equalTo("restart-1"));
            assertEquals(1, postsFor(inProgress), "the in-progress call was dialled again");
            assertEquals(1, postsFor(overdue));
            assertEquals(0, postsFor(later));
        }
    }

    private long create(AppProcess app, String path, String body) {
        var created = given().contentType(ContentType.JSON).body(body).post(app.baseUrl() + path)
                .then().statusCode(201).extract().jsonPath();
        phones.put(created.getLong("id"), created.getString("phone_number"));
        return created.getLong("id");
    }

    /** POSTs for the call's number: the Call API here ignores idempotency keys, so each one would ring. */
    private int postsFor(long id) {
        return callApi.findAll(postRequestedFor(urlEqualTo("/api/call"))
                .withRequestBody(WireMock.matchingJsonPath("$.phone_number", WireMock.equalTo(phones.get(id))))).size();
    }
}
