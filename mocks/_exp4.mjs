import http from 'node:http';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const cliReq = createRequire(require.resolve('@stoplight/prism-cli/package.json'));
const prismHttp = cliReq('@stoplight/prism-http');
const { createLogger } = cliReq('@stoplight/prism-core');
const ops = await prismHttp.getHttpOperationsFromSpec('/work/main/generated/openapi.yaml');
const logger = createLogger('mock', { level: 'silent' });
const prism = prismHttp.createInstance({ validateRequest: true, validateResponse: true, checkSecurity: false, errors: true, mock: { dynamic: false }, isProxy: false }, { logger });
const HACK = process.argv[2] === 'hack';
function readBody(req) { return new Promise((res, rej) => { const chunks = []; req.on('data', c => chunks.push(c)); req.on('end', () => res(Buffer.concat(chunks))); req.on('error', rej); }); }
const bare = http.createServer(async (req, res) => { const b = await readBody(req); JSON.parse(b.toString('utf8')); res.writeHead(200, {'content-type':'application/json'}); res.end('{"data":{"ok":true},"error_code":null}'); });
const mock = http.createServer(async (req, res) => {
  const t = performance.now();
  const b = await readBody(req); const body = JSON.parse(b.toString('utf8'));
  if (HACK) Object.defineProperty(body, 'toJSON', { value: () => '[body]', enumerable: false });
  const r = await prism.request({ method: 'post', url: { path: req.url, query: {} }, headers: req.headers, body }, ops)();
  const out = r.right.output;
  res.writeHead(out.statusCode, out.headers); res.end(JSON.stringify(out.body));
  if (process.argv[3]) process.stdout.write(`${req.method} ${req.url} ${out.statusCode} ${(performance.now()-t).toFixed(1)}ms\n`);
});
await new Promise(r => bare.listen(0, '127.0.0.1', r)); await new Promise(r => mock.listen(0, '127.0.0.1', r));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const img = Buffer.alloc(375000, 7).toString('base64');
const big = Buffer.from(JSON.stringify({ face_1: img, face_2: img+'', face_3: img, image: img, transaction_id: '81f404b3-d7dc-4f08-b4fe-934853c86282' }));
const small = Buffer.from(JSON.stringify({ face_1: 'abcd', face_2: 'abcd', face_3: 'abcd', transaction_id: '81f404b3-d7dc-4f08-b4fe-934853c86282' }));
function send(port, body) { return new Promise((res, rej) => { const t = performance.now(); const rq = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/api/DigitalIdentity/verify/liveness/multi', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, apikey: 'k', authorization: 'Bearer x' } }, (rs) => { rs.resume(); rs.on('end', () => res(performance.now() - t)); }); rq.on('error', rej); rq.end(body); }); }
const med = a => { const s = [...a].sort((x,y)=>x-y); return s[s.length>>1]; };
for (const [name, body] of [['small', small], ['2MB', big]]) {
  const A = [], B = [];
  for (let i = 0; i < 200; i++) { A.push(await send(bare.address().port, body)); B.push(await send(mock.address().port, body)); }
  console.log(name, 'bare', med(A).toFixed(2), 'mock', med(B).toFixed(2), 'ratio', (med(B)/med(A)).toFixed(2));
}
process.exit(0);
