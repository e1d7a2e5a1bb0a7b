// A long-running node-postgres program for `hpgshim env --restart-on-change`:
// connects with DATABASE_URL, appends "PID connected USER ssl=BOOL" to the
// file named by argv[2], keeps its connection, and appends a line for
// each signal it gets.  SIGINT ends it with exit status 5; SIGTERM ends it
// with 0 unless IGNORE_SIGTERM is set (then hpgshim env must SIGKILL it).
const fs = require('fs');
const { Client } = require('pg');

const log = (line) => fs.appendFileSync(process.argv[2], `${process.pid} ${line}\n`);
const client = new Client({ connectionString: process.env.DATABASE_URL });

process.on('SIGHUP', () => log('SIGHUP'));
process.on('SIGINT', () => { log('SIGINT'); process.exit(5); });
process.on('SIGTERM', () => {
  log('SIGTERM');
  if (!process.env.IGNORE_SIGTERM) process.exit(0);
});
client.on('error', (error) => log(`connection error: ${error.message}`));

client
  .connect()
  .then(() => client.query(
    'select current_user as "user", ssl from pg_stat_ssl where pid = pg_backend_pid()'))
  .then((result) => {
    log(`connected ${result.rows[0].user} ssl=${result.rows[0].ssl}`);
    setInterval(() => {}, 1000);
  })
  .catch((error) => {
    log(`failed: ${error.message}`);
    process.exit(1);
  });
