import type pg from 'pg';

/** Console sign-in rows past use: links that expired (used or not) and sessions that ended. */
export interface ExpiredSignIns {
  links: number;
  sessions: number;
}

// A link or session is worthless once expired; an hour's grace keeps a row a person is looking
// at right now (a link clicked at its last second) from vanishing under them.
const EXPIRED = `"expiresAt" < now() - interval '1 hour'`;

export async function countExpiredSignIns(pool: pg.Pool): Promise<ExpiredSignIns> {
  const { rows } = await pool.query<{ links: string; sessions: string }>(
    `SELECT (SELECT count(*) FROM "SignInLink" WHERE ${EXPIRED}) AS links,
            (SELECT count(*) FROM "ConsoleSession" WHERE ${EXPIRED}) AS sessions`,
  );
  return { links: Number(rows[0]?.links ?? 0), sessions: Number(rows[0]?.sessions ?? 0) };
}

/** Removes them; both tables are small next to the ledger, so one statement each will do. */
export async function removeExpiredSignIns(pool: pg.Pool): Promise<ExpiredSignIns> {
  const links = await pool.query(`DELETE FROM "SignInLink" WHERE ${EXPIRED}`);
  const sessions = await pool.query(`DELETE FROM "ConsoleSession" WHERE ${EXPIRED}`);
  return { links: links.rowCount ?? 0, sessions: sessions.rowCount ?? 0 };
}
