/**
 * The error vocabulary shared by the API, the WebSocket protocol and the client.
 *
 * Every refusal the server sends names one of these codes, so callers can narrow on it;
 * the human message beside it is for people and may change. This file maps codes to HTTP
 * statuses and nothing else: it does not format, log or localise messages.
 */

/** Machine-readable error codes, each with the HTTP status it travels with. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  /** The account is quarantined by the instance's admins (issue #16): it may read, not send, open DMs, upload or invite. */
  quarantined: 403,
  banned: 403,
  /** The account is suspended by the instance's admins (issue #16): it cannot sign in until they lift it. */
  suspended: 403,
  /** Registration without accepting the instance's current terms and privacy policy (issue #16 item 7). */
  terms_not_accepted: 400,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  /** One read of a batch answered more than a batch carries (POST /api/batch): read it on its own. */
  too_large: 413,
  /** An upload past the account's storage quota, or a pending-count cap (scheduled messages). */
  quota_exceeded: 413,
  unsupported_media_type: 415,
  /** A link preview of an address that is not public (issue #15: SSRF). */
  address_refused: 422,
  rate_limited: 429,
  internal: 500,
  storage_unavailable: 503,
  /** A site the server fetched for someone (a link preview) failed or answered with an error. */
  bad_gateway: 502,
  /** That site took longer than the server waits. */
  gateway_timeout: 504,
  /** A service the server depends on (the password hasher) did not answer. */
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The JSON body of every error response: `{ error: { code, message } }`. */
export interface ErrorBody {
  error: { code: ErrorCode | string; message: string; ref?: string };
}

/** An error that is safe to show to the caller: its message names the problem, never secrets. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}
