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
export class HandOver {
  private marked: Promise<number> | null = null;
  private hasEnded = false;

  /**
   * `sql` is an UPDATE that writes the mark, given `values(messageId)`; it must change nothing
   * once the row is no longer pending.
   */
  constructor(
    private readonly pool: Database['pool'],
    private readonly sql: string,
    private readonly values: (messageId: string) => unknown[],
  ) {}

  /**
   * The transport's beforeAccepted: issues the mark on a client of its own, so that the UPDATE is
   * on the wire when this resolves (after the write, not after PostgreSQL's reply). Rejects, and
   * so abandons the mail, when no connection can be had or the send has already ended.
   */
  async mark(messageId: string): Promise<void> {
    const client = await this.pool.connect();
    if (this.hasEnded) {
      // nodemailer reads a refused message to its end all the same: no mark for a mail that is not going out.
      client.release();
      throw new Error('The send ended before the hand-over');
    }
    // An idle client writes the query to its socket inside query(): nothing may be awaited in between.
    this.marked = client.query(this.sql, this.values(messageId)).then(
      (result) => {
        client.release();
        return result.rowCount ?? 0;
      },
      (error: unknown) => {
        client.release(error instanceof Error ? error : true);
        throw error;
      },
    );
    // Observed by ended(), after the send.
    this.marked.catch(() => undefined);
  }

  /**
   * Call once the send has ended, before writing the delivery's outcome: no mark is issued after
   * this. Resolves with the rows the mark changed (0 without one), or the error that stopped it.
   */
  async ended(): Promise<{ rows: number; error?: unknown }> {
    this.hasEnded = true;
    if (!this.marked) return { rows: 0 };
    return this.marked.then(
      (rows) => ({ rows }),
      (error: unknown) => ({ rows: 0, error }),
    );
  }
}
