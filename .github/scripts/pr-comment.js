// Posts a "pull request" run's rendered diff and previews as one PR comment, updated in place. Called by
// actions/github-script in pr-comment.yml, a workflow_run workflow: it runs with this repository's token, while
// the artifacts it reads were written by the pull request's code, a fork's included. So the artifacts are
// untrusted text (GitHub Security Lab, "Preventing pwn requests":
// https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/):
// - the PR is resolved through the API from the run's head SHA and head repository (set by GitHub, not by the
//   run); a PR number claimed by the artifacts must be that PR, or nothing is posted;
// - a run whose head SHA is no longer its PR's head (a newer push) posts nothing, so an older run never
//   overwrites a newer comment;
// - preview sections are included only for runs from this repository: a fork gets no secrets, so a "preview"
//   in its artifacts would be forged;
// - the body is capped under GitHub's 65,536-character limit (comment-body.js) with a link to the run.
const fs = require("fs");
const path = require("path");
const { capBody } = require("./comment-body.js");

const MARKER = "<!-- voice-edge-pr -->";

function read(dir, name) {
  const file = path.join(dir, name);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
}

async function resolvePullRequest({ github, owner, repo, run }) {
  const headRepo = run.head_repository && run.head_repository.full_name;
  const headOwner = run.head_repository && run.head_repository.owner && run.head_repository.owner.login;
  if (!headRepo || !headOwner || !run.head_branch || !/^[0-9a-f]{40}$/.test(run.head_sha || "")) {
    throw new Error("pr-comment.js: the workflow_run event lacks its head repository, branch or SHA");
  }
  const pulls = await github.paginate(github.rest.pulls.list, {
    owner, repo, state: "open", head: `${headOwner}:${run.head_branch}`, per_page: 100,
  });
  return pulls.filter((p) => p.head && p.head.repo && p.head.repo.full_name === headRepo && p.head.sha === run.head_sha);
}

function assemble({ dir, sameRepo }) {
  const parts = [MARKER];
  const diff = read(dir, "rendered-diff.md");
  parts.push(diff !== null ? diff.trim() : "_The rendered diff is missing from the run's artifacts._");
  parts.push("", "### pulumi preview --diff");
  if (!sameRepo) {
    parts.push("Not run: previews need the repository's read-only credentials, which pull requests from forks do not get.");
  } else {
    const previews = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^preview-[a-z0-9-]+\.md$/.test(f)).sort() : [];
    if (previews.length === 0) parts.push("_No preview in the run's artifacts (a job failed or was skipped; see the run)._");
    for (const f of previews) parts.push(read(dir, f).trim());
    const prStack = read(dir, "pr-stack.md");
    if (prStack !== null) parts.push("", prStack.trim());
  }
  return parts.join("\n");
}

module.exports = async ({ github, context, core, artifactsDir }) => {
  const { owner, repo } = context.repo;
  const run = context.payload.workflow_run;
  const runUrl = run.html_url;
  const sameRepo = run.head_repository && run.head_repository.full_name === `${owner}/${repo}`;
  const matches = await resolvePullRequest({ github, owner, repo, run });
  const claimed = read(artifactsDir, "pr-number.txt");
  const claimedNumber = claimed === null ? null : Number(claimed.trim());

  if (matches.length === 0) {
    core.notice(`No open PR has head ${run.head_sha} from ${run.head_repository.full_name} (closed, or pushed again since): nothing posted.`);
    return { posted: false };
  }
  let pr;
  if (claimedNumber !== null) {
    pr = matches.find((p) => p.number === claimedNumber);
    if (!pr) {
      throw new Error(`pr-comment.js: the artifacts name PR #${claimed.trim().slice(0, 20)}, but the PR with head ${run.head_sha} from ${run.head_repository.full_name} is #${matches.map((p) => p.number).join(", #")}; refusing to post`);
    }
  } else if (matches.length === 1) {
    pr = matches[0];
  } else {
    throw new Error(`pr-comment.js: ${matches.length} open PRs have head ${run.head_sha}, and the artifacts name none; refusing to guess`);
  }

  const body = capBody(assemble({ dir: artifactsDir, sameRepo }), runUrl);
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number: pr.number, per_page: 100 });
  const mine = comments.find((c) => c.user && c.user.type === "Bot" && c.user.login === "github-actions[bot]" && (c.body || "").startsWith(MARKER));
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number: pr.number, body });
  }
  return { posted: true, number: pr.number };
};

module.exports.MARKER = MARKER;
