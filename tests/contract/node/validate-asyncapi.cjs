// Validates an AsyncAPI document with the official parser; prints its diagnostics as JSON.
// Usage: node validate-asyncapi.cjs <document.json>   (exit 0; the caller judges severities)
"use strict";
const fs = require("fs");
const path = require("path");

const modules = path.resolve(__dirname, "..", "..", "node", "node_modules");
const { Parser, DiagnosticSeverity } = require(path.join(modules, "@asyncapi", "parser"));

async function main() {
  const file = process.argv[2];
  const source = fs.readFileSync(file, "utf8");
  const parser = new Parser();
  const diagnostics = await parser.validate(source, { source: path.resolve(file) });
  const names = Object.fromEntries(
    Object.entries(DiagnosticSeverity).map(([name, value]) => [value, name.toLowerCase()])
  );
  const out = diagnostics.map((d) => ({
    severity: names[d.severity] || String(d.severity),
    code: String(d.code),
    message: d.message,
    path: (d.path || []).join("/"),
  }));
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err));
  process.exit(2);
});
