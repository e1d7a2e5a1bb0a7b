// node-postgres (pure JavaScript, no libpq) under `hpgshim env`: connects
// with the URL in the variable named by argv[2] (default DATABASE_URL),
// asks the server who it is and whether the session uses TLS, and prints
// that as one JSON line.  Errors go to stderr with exit status 1.
const { Client } = require('pg');

const name = process.argv[2] || 'DATABASE_URL';
const client = new Client({ connectionString: process.env[name] });
client
  .connect()
  .then(() => client.query(
    'select current_user as "user", ssl from pg_stat_ssl where pid = pg_backend_pid()'))
  .then((result) => {
    console.log(JSON.stringify(result.rows[0]));
    return client.end();
  })
  .catch((error) => {
    console.error(`pg_query.js: ${error.message}`);
    process.exit(1);
  });
