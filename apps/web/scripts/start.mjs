// `pnpm --filter @llamats/web start`: builds the page and serves dist/ on 127.0.0.1 with cross-origin
// isolation. Port: PORT (default 8080; 0 picks a free one). Stop with Ctrl-C.
import { buildPage } from './build.mjs';
import { serveStatic } from './server.mjs';

const dir = await buildPage();
const port = Number(process.env.PORT ?? 8080);
const server = await serveStatic(dir, { port });
console.log(`llamats web demo: ${server.url}  (cross-origin isolated; Ctrl-C to stop)`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
