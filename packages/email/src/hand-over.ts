import type { Database } from '@herald/db';

/**
 * The hand-over mark: a pending delivery row that holds a Message-ID was handed to the SMTP
 * server by a worker that may have died before it heard back. A worker that finds one records
 * the mail as sent and never sends it again (SPEC §6: a crash never sends a mail twice).
 *
 * Exactly-once is out of reach over SMTP: between a durable record and the end-of-data line
 * that makes the server take the mail, a crash always leaves one of the two undone. Herald
 * keeps that window as small as it can be. The mark's UPDATE is written to PostgreSQL's socket,
 * and the end-of-data line to the SMTP server's right after it, in the same turn of the event
 * loop, without waiting for the UPDATE's reply: a process killed between the two writes is
 * the only one whose mail is lost (recorded as sent, never arrived), and that window is a few
 * microseconds of CPU, where waiting for the commit first made it a database round trip.
 * If the mark then fails (PostgreSQL went down), the mail is out all the same: the live worker
 * records it as sent the usual way.
 */
export interface HandOver {
  /** Rows marked, once PostgreSQL has answered. */
  readonly marked: Promise<number>;
}

/**
 * Issues `sql` (an UPDATE that writes the mark) on a client of its own, so that it is on the
 * wire when this resolves. Resolves after the write, not after PostgreSQL's reply; rejects only
 * when no connection can be had, before anything is sent.
 */
export async function startHandOver(
  pool: Database['pool'],
  sql: string,
  values: unknown[],
): Promise<HandOver> {
  const client = await pool.connect();
  // An idle client writes the query to its socket inside query(): nothing may be awaited in between.
  const marked = client.query(sql, values).then(
    (result) => {
      client.release();
      return result.rowCount ?? 0;
    },
    (error: unknown) => {
      client.release(error instanceof Error ? error : true);
      throw error;
    },
  );
  // Always observed: the caller looks at it only after the send.
  marked.catch(() => undefined);
  return { marked };
}
