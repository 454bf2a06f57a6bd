package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.sink.SchemaMigrator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class SchemaMigratorIT {

    @Test
    void createsTheSchemaOnceAndIsIdempotent() throws Exception {
        String schema = "Mixed \"Case\" schema";
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema))
                .isEqualTo(SchemaMigrator.MIGRATIONS.size());
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema)).isZero();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                        + schema.replace("'", "''") + "' ORDER BY 1")) {
            StringBuilder tables = new StringBuilder();
            while (rs.next()) {
                tables.append(rs.getString(1)).append(' ');
            }
            assertThat(tables.toString().trim()).isEqualTo(
                    "rejected_events schema_migrations user_metrics user_metrics_daily user_metrics_hourly");
        }
    }
}
