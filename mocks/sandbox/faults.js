// Faults armed with `POST /__vlens/faults`: the next calls of an operation (or of any operation) fail
// the way networks and gateways do. `hang`, `reset` and `html502` strike before the sandbox sees the
// request, so nothing changes; `delay` and `truncated` strike after it was handled, so the state
// changed and the answer is late or lost.

export const FAULTS = {
  delay: 'The answer comes delayMs later (default 1000).',
  hang: 'No answer ever: the connection stays open until the client gives up or the mock stops.',
  reset: 'The connection is dropped before any answer.',
  html502: "A gateway's HTML error page with status 502.",
  truncated: "The answer's headers promise the whole body; half of it is sent, then the connection is dropped.",
};
export const BEFORE_HANDLING = new Set(['hang', 'reset', 'html502']);
export const ANY_OPERATION = '*';
export const DEFAULT_DELAY_MS = 1000;

const GATEWAY_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** Takes the next fault armed for the operation (its own first, then one for every operation), or null. */
export function takeFault(tenant, operationId) {
  for (const key of [operationId, ANY_OPERATION]) {
    const armed = tenant.faults.get(key);
    if (!armed?.length) continue;
    const fault = armed[0];
    fault.remaining -= 1;
    if (fault.remaining <= 0) armed.shift();
    if (armed.length === 0) tenant.faults.delete(key);
    return { fault: fault.fault, delayMs: fault.delayMs };
  }
  return null;
}

/** Strikes a fault that comes before any handling: the request is drained or dropped, never answered as asked. */
export function strikeBefore(fault, request, response, corsHeaders) {
  if (fault.fault === 'reset') {
    request.socket.destroy();
    return;
  }
  if (fault.fault === 'html502') {
    request.resume();
    response.writeHead(502, { ...corsHeaders, 'content-type': 'text/html', 'content-length': Buffer.byteLength(GATEWAY_PAGE) });
    response.end(GATEWAY_PAGE);
    return;
  }
  // hang: read what comes and never answer; the server closes the socket when it stops.
  request.resume();
}

/** Sends an answer (`payload` already has its content-length in `headers`) through a fault that strikes after handling. */
export function strikeAfter(fault, response, status, headers, payload) {
  if (fault.fault === 'delay') {
    const timer = setTimeout(() => {
      if (response.destroyed) return;
      response.writeHead(status, headers);
      response.end(payload);
    }, fault.delayMs);
    response.on('close', () => clearTimeout(timer));
    return;
  }
  // truncated: the promised length, half the bytes, then the connection goes.
  const bytes = Buffer.from(payload ?? '');
  response.writeHead(status, headers);
  response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => response.socket?.destroy());
}
