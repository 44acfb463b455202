/**
 * Size limits shared by server and client. Each is a named constant with its reason, so the
 * client can refuse early what the server would refuse anyway.
 */

/** Largest JSON request body the API parses: requests are small; files use their own path. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;
/** The instance's terms and privacy policy (PUT /api/admin/legal): two texts of 100,000 characters, JSON-escaped. */
export const MAX_LEGAL_BODY_BYTES = 1024 * 1024;

/** Largest WebSocket frame a channel accepts: an envelope plus its routing header fits well under it. */
export const MAX_FRAME_BYTES = 96 * 1024;

/** Largest ciphertext in one envelope (base64 characters): 64 KiB of ciphertext; files go through the files path. */
export const MAX_CIPHERTEXT_CHARS = Math.ceil((64 * 1024) / 3) * 4;

/** Most envelopes a catch-up or history page returns at once: bounds one frame burst per request. */
export const MAX_HISTORY_PAGE = 500;

/** Most reads one `POST /api/batch` carries: what the chat screen asks for as it opens, with room. */
export const MAX_BATCH_PATHS = 20;
/** Largest answer of one read in a batch; a larger one is answered `too_large` and read on its own (a big export, say). */
export const MAX_BATCH_ITEM_BYTES = 1024 * 1024;
/** Largest answer of a whole batch: the reads past it are answered `too_large` like one past MAX_BATCH_ITEM_BYTES. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
