/** An error the local cloud answers with, shaped and statused like the cloud's. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
    /** Fields the service adds to this error's body (e.g. a RAM denial's AccessDeniedDetail). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
