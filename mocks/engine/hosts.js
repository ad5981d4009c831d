// Which Host names the control API answers (DNS rebinding). A public page can make its own name
// resolve to 127.0.0.1; its requests then carry that name as Host and its own origin as Origin, which
// agree, so an origin check alone lets it read and reset tenants. Dev servers refuse unknown names for
// this reason (webpack-dev-server's allowedHosts, Vite's server.allowedHosts); so does the control API
// when a network adapter tells it the Host. Names no public DNS answers stay allowed: loopback names,
// IP literals (a phone on the LAN, the Android emulator's 10.0.2.2), single-label names (a container's
// service name such as `vlens`) and mDNS `.local` names.

/**
 * The host name of a Host header (`name`, `name:port`, `[v6]:port`), lower case, without a trailing dot;
 * null when it is not one.
 * @param {string} host
 */
export function hostNameOf(host) {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host.trim());
  return match?.[1] ? match[1].toLowerCase().replace(/\.$/, '') : null;
}

/**
 * Whether the control API answers a request whose Host header is `host`.
 * @param {string} host the Host header as sent ('' when none was)
 * @param {string[]} allowHosts --allow-host names: `qa.example.com`, or `.example.com` for it and every subdomain, or `*`
 * @param {string[]} allowOrigins --allow-origin origins, whose host names are allowed too
 */
export function hostAllowed(host, allowHosts, allowOrigins) {
  if (host === '') return true;
  const name = hostNameOf(host);
  if (name === null) return false;
  if (name.startsWith('[') || isIPv4(name)) return true;
  if (name === 'localhost' || name.endsWith('.localhost') || !name.includes('.') || name.endsWith('.local')) return true;
  for (const allowed of allowHosts) {
    if (allowed === '*' || allowed === name) return true;
    if (allowed.startsWith('.') && (name === allowed.slice(1) || name.endsWith(allowed))) return true;
  }
  return allowOrigins.some((origin) => {
    const allowed = hostNameOf(origin.replace(/^https?:\/\//, '').replace(/:\*$/, ''));
    return allowed === name;
  });
}

/** @param {string} name */
function isIPv4(name) {
  const parts = name.split('.');
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}
