// Keeps a comment or issue body under GitHub's limit: the REST API refuses an issue/PR comment or issue body
// over 65,536 characters with 422 "Body is too long (maximum is 65536 characters)"
// (https://docs.github.com/rest/issues/comments#create-an-issue-comment). Bodies are capped well below it, at
// 60,000, and a capped body ends with a note linking the run whose log has the whole output.
const GITHUB_BODY_LIMIT = 65536;
const CAP = 60000;

function capBody(body, runUrl, cap = CAP) {
  if (body.length <= cap) return body;
  const note = `\n\n---\n**Truncated**: this text is ${body.length.toLocaleString("en")} characters, over the ${cap.toLocaleString("en")} kept here. The whole output is in the run's log and artifacts: ${runUrl}\n`;
  let head = body.slice(0, cap - note.length);
  // Close an open code fence so the note renders as text.
  const fences = head.match(/^(`{3,}|~{3,})/gm) || [];
  const closing = fences.length % 2 === 1 ? `\n${fences[fences.length - 1]}\n` : "";
  head = head.slice(0, cap - note.length - closing.length);
  return head + closing + note;
}

module.exports = { capBody, CAP, GITHUB_BODY_LIMIT };
