// Static server for the demo: www-demo/ at "/", the built package at "/pkg/", and the local
// devnet's addresses at "/devnet.json" — one origin, so the page needs no CORS for its own files.
// node:http only; binds 127.0.0.1.
//
//   node www-demo/serve.mjs [--port 8080] [--pkg pkg] [--csp]
//
// PORT (or --port; 0 picks a free port) and MAV2_DEMO_PKG (or --pkg: a wasm-pack out dir, e.g.
// target/demo-pkg) override the defaults; MAV2_DEVNET_STATE points at devnet.json (default
// .ci/state/devnet.json). --csp sends a strict Content-Security-Policy: no inline script or style,
// scripts and wasm from this origin only, requests to this origin and to http(s) RPC endpoints.
// Prints "demo: http://127.0.0.1:<port>/" once listening.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const port = Number(arg("port", process.env.PORT ?? 8080));
const pkgDir = resolve(ROOT, arg("pkg", process.env.MAV2_DEMO_PKG ?? "pkg"));
const devnetState = resolve(ROOT, process.env.MAV2_DEVNET_STATE ?? ".ci/state/devnet.json");
const csp = process.argv.includes("--csp");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  // the devnet on 127.0.0.1 and whatever bundler/RPC the settings panel names
  "connect-src 'self' http: https:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

// Map a URL path to a file under one of the two roots; null if it escapes them.
function locate(pathname) {
  let root = HERE;
  let rel = pathname;
  if (pathname === "/pkg" || pathname.startsWith("/pkg/")) {
    root = pkgDir;
    rel = pathname.slice(4);
  }
  if (rel === "" || rel.endsWith("/")) rel += "index.html";
  const file = resolve(join(root, rel));
  if (file !== root && !file.startsWith(root + sep)) return null;
  if (root === HERE && file.startsWith(join(HERE, "node_modules"))) return null;
  return file;
}

function send(res, status, body, type = "text/plain; charset=utf-8") {
  const headers = {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  };
  if (csp) headers["content-security-policy"] = CSP;
  res.writeHead(status, headers);
  res.end(body);
}

const server = createServer(async (req, res) => {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
  } catch {
    return send(res, 400, "bad path\n");
  }
  if (pathname === "/devnet.json") {
    try {
      return send(res, 200, await readFile(devnetState), TYPES[".json"]);
    } catch {
      return send(res, 404, '{"error":"no local devnet state: run bash .ci/devnet up"}\n', TYPES[".json"]);
    }
  }
  const file = locate(pathname);
  if (!file) return send(res, 403, "forbidden\n");
  try {
    const s = await stat(file);
    if (!s.isFile()) return send(res, 404, "not found\n");
    const body = await readFile(file);
    return send(res, 200, req.method === "HEAD" ? undefined : body, TYPES[extname(file)] ?? "application/octet-stream");
  } catch {
    const hint = file.startsWith(pkgDir) ? "not found — build the package first: bash .ci/build-pkg\n" : "not found\n";
    return send(res, 404, hint);
  }
});

server.listen(port, "127.0.0.1", () => {
  const { port: actual } = server.address();
  console.log(`demo: http://127.0.0.1:${actual}/${csp ? "  (strict CSP)" : ""}  package: ${pkgDir}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
