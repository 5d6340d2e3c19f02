/** The largest body POST /data accepts: 64 KiB of UTF-8. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

export type PayloadCheck = { ok: true; body: string } | { ok: false; message: string };

/**
 * What the API would refuse, refused here before any request: not JSON, not one JSON object, or larger
 * than the API's limit. The body sent is the text as typed.
 */
export function checkPayload(text: string): PayloadCheck {
  const bytes = utf8Length(text);
  if (bytes > MAX_PAYLOAD_BYTES) {
    return { ok: false, message: `The record is ${bytes.toLocaleString('en')} bytes; at most ${MAX_PAYLOAD_BYTES.toLocaleString('en')} are accepted.` };
  }
  if (text.trim() === '') {
    return { ok: false, message: 'Type a JSON object, for example {"informationOne": "aaa23"}.' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `This is not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { ok: false, message: `A record must be one JSON object ({…}), not ${kind}.` };
  }
  return { ok: true, body: text };
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
