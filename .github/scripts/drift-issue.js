// Keeps one GitHub issue per drifted stack, labelled drift:<stack>: opened or updated with the diff on drift,
// closed when the stack is clean again. Called by actions/github-script in drift.yml.
const fs = require("fs");

module.exports = async ({ github, context, stack, result, diffPath }) => {
  const label = `drift:${stack}`;
  const { owner, repo } = context.repo;
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: "open", labels: label });
  const existing = open[0];
  if (result === "clean") {
    if (existing) {
      await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: `Stack \`${stack}\` is clean again (run ${context.runId}).` });
      await github.rest.issues.update({ owner, repo, issue_number: existing.number, state: "closed" });
    }
    return;
  }
  const diff = fs.readFileSync(diffPath, "utf8").slice(-60000);
  const body = `Drift detected in stack \`${stack}\` by run ${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}.\n\n\`\`\`diff\n${diff}\n\`\`\`\n`;
  if (existing) {
    await github.rest.issues.update({ owner, repo, issue_number: existing.number, body });
  } else {
    await github.rest.issues.create({ owner, repo, title: `Drift in stack ${stack}`, body, labels: [label, "drift"] });
  }
};
