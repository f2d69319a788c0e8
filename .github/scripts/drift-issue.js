// Keeps one GitHub issue per drifted stack, labelled drift:<stack>: opened or updated with the refresh diff on
// drift, closed when the stack is clean again. Only drift (the cloud differs from the recorded state) is filed;
// pending changes (main ahead of the deployed stack) never are. Called by actions/github-script in drift.yml.
const fs = require("fs");
const { capBody } = require("./comment-body.js");

module.exports = async ({ github, context, stack, result, diffPath }) => {
  const label = `drift:${stack}`;
  const { owner, repo } = context.repo;
  const runUrl = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: "open", labels: label });
  const existing = open.find((i) => !i.pull_request);
  if (result === "clean") {
    if (existing) {
      await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: `Stack \`${stack}\` is clean again (${runUrl}).` });
      await github.rest.issues.update({ owner, repo, issue_number: existing.number, state: "closed" });
    }
    return;
  }
  if (result !== "drift") throw new Error(`drift-issue.js: result must be clean or drift, got '${result}'`);
  const diff = fs.readFileSync(diffPath, "utf8");
  const body = capBody(
    `Drift detected in stack \`${stack}\` by ${runUrl}: the cloud differs from the stack's recorded state ` +
      "(`pulumi refresh --preview-only --expect-no-changes`).\n\n````diff\n" + diff + "\n````\n",
    runUrl);
  if (existing) {
    await github.rest.issues.update({ owner, repo, issue_number: existing.number, body });
  } else {
    await github.rest.issues.create({ owner, repo, title: `Drift in stack ${stack}`, body, labels: [label, "drift"] });
  }
};
