/** The one error type handlers throw; the error middleware turns it into {error:{code,message,details}}. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  static notFound(what = 'Resource') {
    return new AppError(404, 'not_found', `${what} not found`);
  }

  static unauthorized(message = 'A valid API token is required: Authorization: Bearer <token>') {
    return new AppError(401, 'unauthorized', message, undefined, { 'www-authenticate': 'Bearer' });
  }
}
