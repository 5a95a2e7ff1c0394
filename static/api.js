// Talking to Gatehouse: JSON over /api/v1 with the session cookie and its CSRF token.

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token;
}

export class ApiError extends Error {
  constructor(status, code, message, retryAfter, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    // The request field at fault, when the server names one (`mobileNumber`).
    this.field = field || null;
  }
}

/**
 * Sends one request (`body` as JSON, or as text of `type`); resolves to the parsed answer (null for 204; the text of an answer that is
 * not JSON, such as a CSV file), rejects with ApiError.
 */
export async function api(method, path, body, type = 'application/json') {
  const headers = { Accept: 'application/json', 'X-Requested-With': 'gatehouse-admin' };
  if (body !== undefined) headers['Content-Type'] = type;
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      // A body of another type (a file's text) is sent as it is.
      body: body === undefined || type !== 'application/json' ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check the network connection and try again.');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  const json = (response.headers.get('Content-Type') || '').includes('json');
  let data = json ? null : text;
  try {
    if (json && text) data = JSON.parse(text);
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = data && typeof data === 'object' && data.error ? data.error : { code: 'error', message: text || response.statusText };
    const error = new ApiError(response.status, detail.code, detail.message, response.headers.get('Retry-After'), detail.field);
    if (response.status === 401 && path !== '/api/v1/auth/login') {
      window.dispatchEvent(new CustomEvent('gatehouse:signed-out', { detail: error }));
    }
    throw error;
  }
  return data;
}

/** Builds a query string from the non-empty values of an object. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
