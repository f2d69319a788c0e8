// Runs a .github/scripts module the way actions/github-script does ({ github, context, core, ...args }) against a
// stand-in for the GitHub REST API that keeps the rules these scripts depend on:
// - GET /repos/{o}/{r}/pulls?head=user:ref lists open PRs whose head repository's owner is `user` and whose head
//   branch is `ref` (https://docs.github.com/rest/pulls/pulls#list-pull-requests);
// - comment and issue bodies over 65,536 characters are refused with 422 "Body is too long (maximum is 65536
//   characters)" (https://docs.github.com/rest/issues/comments#create-an-issue-comment);
// - a comment can only be updated if it exists.
// Usage: node run-script.js <module> <scenario.json>; prints { result, error, comments, issues } as JSON.
const fs = require("fs");
const [, , modulePath, scenarioPath] = process.argv;
const scenario = JSON.parse(fs.readFileSync(scenarioPath, "utf8"));
const [owner, repo] = scenario.repo.split("/");
const comments = scenario.comments || {};
const issues = scenario.issues || [];
let nextId = 1000;

function unprocessable(body) {
  if (typeof body !== "string") throw Object.assign(new Error("body must be a string"), { status: 422 });
  if (body.length > 65536) throw Object.assign(new Error("Validation Failed: Body is too long (maximum is 65536 characters)"), { status: 422 });
}
function sameRepo(p) {
  if (p.owner !== owner || p.repo !== repo) throw new Error(`the token of ${scenario.repo} cannot act on ${p.owner}/${p.repo}`);
}

const github = {
  paginate: async (fn, params) => (await fn(params)).data,
  rest: {
    pulls: {
      list: async (p) => {
        sameRepo(p);
        const [user, ref] = (p.head || ":").split(":");
        return { data: (scenario.pulls || []).filter((pr) => (p.state !== "open" || pr.state === "open") && (!p.head || (pr.head.repo && pr.head.repo.owner.login === user && pr.head.ref === ref))) };
      },
    },
    issues: {
      listComments: async (p) => { sameRepo(p); return { data: comments[p.issue_number] || [] }; },
      createComment: async (p) => {
        sameRepo(p); unprocessable(p.body);
        const c = { id: nextId++, body: p.body, user: { login: "github-actions[bot]", type: "Bot" } };
        (comments[p.issue_number] = comments[p.issue_number] || []).push(c);
        return { data: c };
      },
      updateComment: async (p) => {
        sameRepo(p); unprocessable(p.body);
        const c = Object.values(comments).flat().find((x) => x.id === p.comment_id);
        if (!c) throw Object.assign(new Error("Not Found"), { status: 404 });
        c.body = p.body;
        return { data: c };
      },
      listForRepo: async (p) => { sameRepo(p); return { data: issues.filter((i) => i.state === p.state && (!p.labels || i.labels.includes(p.labels))) }; },
      create: async (p) => { sameRepo(p); unprocessable(p.body); const i = { number: nextId++, state: "open", title: p.title, body: p.body, labels: p.labels }; issues.push(i); return { data: i }; },
      update: async (p) => {
        sameRepo(p);
        if (p.body !== undefined) unprocessable(p.body);
        const i = issues.find((x) => x.number === p.issue_number);
        Object.assign(i, p.body !== undefined ? { body: p.body } : {}, p.state ? { state: p.state } : {});
        return { data: i };
      },
    },
  },
};
const notices = [];
const core = { notice: (m) => notices.push(m), info: () => {}, warning: (m) => notices.push(m) };
const context = { repo: { owner, repo }, payload: scenario.payload || {}, runId: 4242, serverUrl: "https://github.com" };

(async () => {
  const out = { result: null, error: null };
  try {
    out.result = (await require(modulePath)({ github, context, core, ...(scenario.args || {}) })) ?? null;
  } catch (e) {
    out.error = e.message;
  }
  fs.writeSync(1, JSON.stringify({ ...out, notices, comments, issues }));
})();
