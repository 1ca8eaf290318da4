package org.callscheduler.scaleout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deleting pending calls at the moment they come due, on two instances sharing PostgreSQL: each delete
 * either removes the call, which is then never dialled (204), or finds it already being dialled, which
 * it then is exactly once (409). Never both, never neither.
 */
class DeleteRaceIT {

    private static final int CALLS = 400;
    private static final List<String> NAMES = List.of("race-a", "race-b");

    private RecordingCallApi callApi;
    private Cluster cluster;

    @BeforeEach
    void start() throws Exception {
        Postgres.deleteAllCalls();
        callApi = new RecordingCallApi();
        cluster = Cluster.start(callApi, Map.of(), NAMES.toArray(String[]::new));
        Postgres.deleteAllCalls();
    }

    @AfterEach
    void stop() {
        cluster.close();
        callApi.close();
    }

    @Test
    void aDeleteAtTheDueMomentEitherPreventsTheCallOrIsRefusedBecauseItIsDialled() throws Exception {
        Instant due = Instant.now().plusSeconds(15);
        Map<Long, Instant> calls = cluster.schedule(CALLS, due, NAMES);
        List<Long> ids = new ArrayList<>(new TreeMap<>(calls).keySet());

        // Deletes spread from 300 ms before the due time to 100 ms after it, half through each instance.
        Map<Long, Integer> answers = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> deletes = new ArrayList<>();
            Instant firstDelete = due.minusMillis(300);
            while (Instant.now().isBefore(firstDelete)) {
                Thread.onSpinWait();
            }
            for (int i = 0; i < ids.size(); i++) {
                long id = ids.get(i);
                String via = NAMES.get(i % NAMES.size());
                Instant at = firstDelete.plusMillis(i * 400L / ids.size());
                deletes.add(clients.submit(() -> {
                    long wait = Duration.between(Instant.now(), at).toMillis();
                    if (wait > 0) {
                        Thread.sleep(wait); // the moment this delete is aimed at, not a wait for a job
                    }
                    answers.put(id, cluster.delete(via, id));
                    return null;
                }));
            }
            for (Future<?> delete : deletes) {
                delete.get();
            }
        } finally {
            clients.shutdown();
        }

        // Whatever was not deleted is dialled: wait until no call is pending any more.
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> Postgres.count("status = 'pending'") == 0);
        Map<Long, Long> posts = callApi.postsPerCall();
        Map<Long, Postgres.Row> rows = Postgres.calls();
        long deleted = answers.values().stream().filter(status -> status == 204).count();
        long refused = answers.values().stream().filter(status -> status == 409).count();
        System.out.printf("DeleteRaceIT: %d deletes around the due time: %d deleted (204), %d already dialled (409)%n",
                CALLS, deleted, refused);

        for (long id : ids) {
            int status = answers.get(id);
            if (status == 204) {
                assertTrue(!posts.containsKey(id), "call " + id + " was deleted (204) and dialled");
                assertTrue(!rows.containsKey(id), "call " + id + " was deleted (204) but is still stored");
            } else {
                assertEquals(409, status, "call " + id + ": delete answered " + status);
                assertEquals(1L, posts.getOrDefault(id, 0L), "call " + id + " was refused (409): dialled once; now "
                        + rows.get(id));
            }
        }
        assertEquals(CALLS, deleted + refused);
    }
}
