import { startDevInbox, type DevInbox, type ReceivedMail, type RefuseMode } from '@herald/email';

/**
 * The dev inbox, restartable on the same port: an SMTP server that goes away and comes back.
 * Mails from every incarnation stay in `messages`.
 */
export class MailSink {
  private readonly inboxes: DevInbox[] = [];
  private current: DevInbox | null;

  private constructor(first: DevInbox) {
    this.current = first;
    this.inboxes.push(first);
  }

  static async start(): Promise<MailSink> {
    return new MailSink(await startDevInbox({ smtpPort: 0, httpPort: null }));
  }

  get port(): number {
    return this.inboxes[0]!.smtpPort;
  }

  get messages(): ReceivedMail[] {
    return this.inboxes.flatMap((inbox) => inbox.messages);
  }

  get isUp(): boolean {
    return this.current !== null;
  }

  /**
   * Resolves when the next mail has been stored, before the sink has answered the sender (its
   * waiters run as the mail is stored): a test can act inside the sender's window.
   */
  nextMessage(timeoutMs = 30_000): Promise<void> {
    const inbox = this.current;
    if (!inbox) return Promise.reject(new Error('the sink is stopped'));
    return inbox.waitForMessages(inbox.messages.length + 1, timeoutMs).then(() => undefined);
  }

  /** Resolves once at least `count` mails have been stored, counting those already there. */
  async waitForMessages(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline)
        throw new Error(`the sink holds ${this.messages.length} of ${count} mails after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** 'tempfail' answers 451 (senders retry), null accepts again. */
  refuse(mode: RefuseMode): void {
    this.current?.refuse(mode);
  }

  /** The server goes away: connections are cut and new ones refused. */
  async stop(): Promise<void> {
    const running = this.current;
    this.current = null;
    await running?.close();
  }

  async resume(): Promise<void> {
    if (this.current) return;
    for (let attempt = 0; ; attempt++) {
      try {
        this.current = await startDevInbox({ smtpPort: this.port, httpPort: null });
        this.inboxes.push(this.current);
        return;
      } catch (error) {
        // The old socket may linger a moment in the kernel.
        if (attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async close(): Promise<void> {
    await this.stop();
  }
}
