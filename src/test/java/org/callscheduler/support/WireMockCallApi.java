package org.callscheduler.support;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A WireMock server on a free loopback port standing in for the Call API, so that 5xx answers,
 * slow answers, malformed bodies and refused connections are real. It can be stopped and started
 * again on the same port to refuse connections for a while.
 */
public class WireMockCallApi implements QuarkusTestResourceLifecycleManager {

    private static WireMockServer server;

    public static WireMockServer server() {
        return server;
    }

    /** The server running (a test may have stopped it to refuse connections), with no stubs and no requests logged. */
    public static WireMockServer reset() {
        if (!server.isRunning()) {
            server.start();
        }
        server.resetAll();
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").port(freePort()).containerThreads(64));
        server.start();
        return Map.of("call-scheduler.call-api.url", "http://127.0.0.1:" + server.port());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
