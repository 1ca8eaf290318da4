package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The list's indexes after the migrations (V8): the id last where the list's order needs it to break ties of
 * scheduled_time, except the status index on H2, whose planner would then choose the due index for a status page.
 */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class ListIndexesTest {

    @Inject
    DataSource dataSource;

    @Test
    void theListIndexesEndWithTheIdWhereTheOrderNeedsIt() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            boolean postgresql = connection.getMetaData().getDatabaseProductName().equals("PostgreSQL");
            assertEquals(List.of("scheduled_time", "id"), columns(connection, "scheduled_calls_time_idx", postgresql));
            assertEquals(List.of("reference", "scheduled_time", "id"),
                    columns(connection, "scheduled_calls_reference_idx", postgresql));
            assertEquals(postgresql ? List.of("status", "scheduled_time", "id") : List.of("status", "scheduled_time"),
                    columns(connection, "scheduled_calls_status_time_idx", postgresql));
            assertEquals(List.of("phone_number", "scheduled_time"),
                    columns(connection, "scheduled_calls_phone_time_idx", postgresql));
        }
    }

    /** The columns of an index of the connection's schema in order, lower case (H2 keeps names in upper case). */
    private static List<String> columns(Connection connection, String index, boolean postgresql) throws SQLException {
        String table = postgresql ? "scheduled_calls" : "SCHEDULED_CALLS";
        String name = postgresql ? index : index.toUpperCase(Locale.ROOT);
        List<String> columns = new ArrayList<>();
        DatabaseMetaData metadata = connection.getMetaData();
        try (ResultSet rows = metadata.getIndexInfo(null, connection.getSchema(), table, false, false)) {
            while (rows.next()) {
                if (name.equals(rows.getString("INDEX_NAME"))) {
                    int position = rows.getShort("ORDINAL_POSITION");
                    while (columns.size() < position) {
                        columns.add(null);
                    }
                    columns.set(position - 1, rows.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
                }
            }
        }
        return columns;
    }
}
