package org.callscheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The Kubernetes manifest that {@code ./mvnw package} writes (quarkus-kubernetes), read as YAML.
 * A Failsafe test because the manifest only exists after {@code package}. The YAML parser is
 * jackson-dataformat-yaml, which smallrye-open-api already puts on the class path.
 */
class KubernetesManifestIT {

    private static final Path MANIFEST = Path.of("target", "kubernetes", "kubernetes.yml");
    private static final String APP = "call-scheduler";
    private static final Pattern SENSITIVE = Pattern.compile("PASSWORD|SECRET|KEY|TOKEN", Pattern.CASE_INSENSITIVE);

    private static List<JsonNode> resources;
    private static JsonNode deployment;
    private static JsonNode container;
    private static int httpPort;

    @BeforeAll
    static void readManifest() throws IOException {
        if (!Files.exists(MANIFEST)) {
            fail(MANIFEST + " is missing: it is written by ./mvnw package");
        }
        resources = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class)
                .readValues(MANIFEST.toFile())) {
            documents.forEachRemaining(document -> {
                if (document != null && !document.isEmpty()) {
                    resources.add(document);
                }
            });
        }
        deployment = resource("Deployment", APP);
        JsonNode containers = deployment.at("/spec/template/spec/containers");
        assertEquals(1, containers.size(), "containers of the Deployment");
        container = containers.get(0);
        httpPort = stream(container.path("ports"))
                .filter(port -> "http".equals(port.path("name").asText()))
                .mapToInt(port -> port.path("containerPort").asInt())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named http"));
    }

    @Test
    void probesPointAtTheHealthEndpointsOnTheHttpPort() {
        assertProbe("livenessProbe", "/q/health/live");
        assertProbe("readinessProbe", "/q/health/ready");
        assertProbe("startupProbe", "/q/health/started");
    }

    @Test
    void cpuAndMemoryAreRequestedAndLimited() {
        for (String kind : List.of("requests", "limits")) {
            for (String resource : List.of("cpu", "memory")) {
                assertFalse(container.at("/resources/" + kind + "/" + resource).asText().isBlank(),
                        "resources." + kind + "." + resource + " is not set");
            }
        }
    }

    /**
     * The image's run-java.sh gives the heap JAVA_MAX_MEM_RATIO percent of the memory limit: that heap must be the one
     * the large benchmark ran with (-Xmx256m), and the limit above the 605 MB it peaked at.
     */
    @Test
    void theHeapIsTheOneMeasuredAndTheLimitAboveThePeakMeasured() {
        int ratio = stream(container.path("env"))
                .filter(variable -> "JAVA_MAX_MEM_RATIO".equals(variable.path("name").asText()))
                .mapToInt(variable -> Integer.parseInt(variable.path("value").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no JAVA_MAX_MEM_RATIO"));
        String limit = container.at("/resources/limits/memory").asText();
        assertTrue(limit.endsWith("Mi"), "memory limit in Mi: " + limit);
        long limitMb = Long.parseLong(limit.substring(0, limit.length() - 2));
        long heapMb = limitMb * ratio / 100;
        assertTrue(heapMb >= 240 && heapMb <= 272, "heap " + heapMb + " MB (" + ratio + "% of " + limit + ")");
        assertTrue(limitMb * 1024 * 1024 >= 605L * 1000 * 1000 * 6 / 5, "limit " + limit + " leaves 20% above 605 MB");
    }

    @Test
    void settingsComeFromTheConfigMapAndCredentialsFromTheSecret() {
        assertTrue(stream(container.path("envFrom"))
                .anyMatch(source -> "call-scheduler-config".equals(source.at("/configMapRef/name").asText())),
                "envFrom names the ConfigMap call-scheduler-config");
        assertTrue(stream(container.path("envFrom"))
                .anyMatch(source -> "call-scheduler-secrets".equals(source.at("/secretRef/name").asText())),
                "envFrom names the Secret call-scheduler-secrets");
    }

    /** Every container of every resource (init containers and Jobs included): credentials only by reference. */
    @Test
    void noCredentialIsWrittenIntoTheManifest() {
        for (JsonNode resource : resources) {
            assertFalse("Secret".equals(resource.path("kind").asText()), "the manifest defines a Secret with its values");
            for (JsonNode env : resource.findValues("env")) {
                for (JsonNode variable : env) {
                    String name = variable.path("name").asText();
                    if (SENSITIVE.matcher(name).find()) {
                        assertFalse(variable.has("value"), name + " has an inline value in the manifest");
                    }
                }
            }
        }
    }

    @Test
    void aServiceExposesTheHttpPort() {
        JsonNode service = resource("Service", APP);
        assertTrue(stream(service.at("/spec/ports")).anyMatch(port -> isHttpPort(port.path("targetPort"))),
                "the Service targets the http port " + httpPort);
    }

    @Test
    void aStoppingPodHasTimeToFinishItsDials() {
        int grace = deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asInt(0);
        assertTrue(grace >= 30, "terminationGracePeriodSeconds is " + grace + ", less than 30");
    }

    /** The default build keeps its calls in one H2 file: a single pod, on a persistent volume, never two at once. */
    @Test
    void theH2BuildRunsOneReplicaOnAPersistentVolume() {
        assertEquals(1, deployment.at("/spec/replicas").asInt(-1), "replicas");
        assertEquals("Recreate", deployment.at("/spec/strategy/type").asText(), "strategy");
        String dataDir = stream(container.path("env"))
                .filter(variable -> "DATA_DIR".equals(variable.path("name").asText()))
                .map(variable -> variable.path("value").asText())
                .findFirst()
                .orElseThrow(() -> new AssertionError("DATA_DIR is not set"));
        String volume = stream(container.path("volumeMounts"))
                .filter(mount -> dataDir.equals(mount.path("mountPath").asText()))
                .map(mount -> mount.path("name").asText())
                .findFirst()
                .orElseThrow(() -> new AssertionError("nothing is mounted at DATA_DIR " + dataDir));
        String claim = stream(deployment.at("/spec/template/spec/volumes"))
                .filter(v -> volume.equals(v.path("name").asText()))
                .map(v -> v.at("/persistentVolumeClaim/claimName").asText())
                .findFirst()
                .orElse("");
        assertFalse(claim.isBlank(), "volume " + volume + " is not a persistent volume claim");
        resource("PersistentVolumeClaim", claim);
    }

    /** The application runs Flyway itself at start: no init Job, no init container waiting for one. */
    @Test
    void noFlywayInitJob() {
        assertTrue(resources.stream().noneMatch(r -> "Job".equals(r.path("kind").asText())), "a Job is generated");
        assertTrue(deployment.at("/spec/template/spec/initContainers").isMissingNode(), "init containers are generated");
    }

    private static void assertProbe(String probe, String path) {
        JsonNode get = container.path(probe).path("httpGet");
        assertEquals(path, get.path("path").asText(), probe + " path");
        assertTrue(isHttpPort(get.path("port")), probe + " port is " + get.path("port") + ", not the http port " + httpPort);
    }

    /** A port given by number or by name. */
    private static boolean isHttpPort(JsonNode port) {
        return String.valueOf(httpPort).equals(port.asText()) || "http".equals(port.asText());
    }

    private static JsonNode resource(String kind, String name) {
        return resources.stream()
                .filter(r -> kind.equals(r.path("kind").asText()) && name.equals(r.at("/metadata/name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + MANIFEST));
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }
}
