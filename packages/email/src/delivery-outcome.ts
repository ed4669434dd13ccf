export interface DeliverAttempt {
  /** 1-based attempt of the queue job. */
  attempt: number;
  maxAttempts: number;
}

export interface DeliveryOutcome {
  status: 'sent' | 'skipped' | 'failed' | 'already-done' | 'held';
  reason?: string;
  messageId?: string;
  /** For a held delivery: the digest that will carry it, and when that digest is due. */
  digest?: { key: string; sendAt: Date; organizationId: string; userId: string };
}
