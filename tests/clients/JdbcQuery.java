// pgJDBC under `hpgshim env`: connects with JDBC_DATABASE_URL (or the
// variable named by args[0]) and the _USERNAME and _PASSWORD beside it, as
// Heroku's JVM buildpack sets them, and prints "USER ssl=BOOL".  Run as a
// single source file: java -cp /usr/share/java/postgresql.jar JdbcQuery.java
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

public class JdbcQuery {
    public static void main(String[] args) throws Exception {
        String name = args.length > 0 ? args[0] : "JDBC_DATABASE_URL";
        String prefix = name.substring(0, name.length() - "_URL".length());
        try (Connection conn = DriverManager.getConnection(System.getenv(name),
                System.getenv(prefix + "_USERNAME"), System.getenv(prefix + "_PASSWORD"));
             ResultSet rs = conn.createStatement().executeQuery(
                "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()")) {
            rs.next();
            System.out.println(rs.getString(1) + " ssl=" + rs.getBoolean(2));
        }
    }
}
