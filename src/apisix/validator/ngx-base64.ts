const BASE64_ALPHABET = /^[A-Za-z0-9+/]*$/;

/**
 * Whether `ngx.decode_base64` (nginx `ngx_decode_base64`) decodes `text`: the text up to the
 * first '=' must be of the base64 alphabet, and its length must not leave a single dangling
 * character (padding is not required).
 */
export function isNgxBase64(text: string): boolean {
  const end = text.indexOf('=');
  const data = end < 0 ? text : text.slice(0, end);
  return BASE64_ALPHABET.test(data) && data.length % 4 !== 1;
}
