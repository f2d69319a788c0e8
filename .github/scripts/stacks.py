#!/usr/bin/env python3
"""Reads stacks/environments.yaml, the one list of committed stacks, for the workflows.

  stacks.py outputs            GitHub step outputs (name=value lines) every workflow's matrices derive from:
                               deploy-push, deploy-approval, drift, preview: {"include": [{"stack", "environment"}]}
                               any-deploy-push, any-deploy-approval, any-drift: true|false
  stacks.py check              the manifest is complete: one entry per Pulumi.<stack>.yaml and the reverse,
                               every environment it names is declared
  stacks.py environment STACK  the GitHub environment that may change STACK (a committed stack, or pr-<number>);
                               exit 2 with a message for anything else (the manual cancel workflow's input)

Standard library only (runners have python3, not necessarily PyYAML), so it reads the manifest's small YAML
subset itself and rejects anything outside it with the file, line and fix.
"""
import glob
import json
import os
import re
import sys

MANIFEST = "stacks/environments.yaml"
STACK_KEYS = {"name", "deploy", "environment", "readEnvironment", "drift"}
ENV_KEYS = {"name", "reviewers", "branches", "secrets"}


class ManifestError(Exception):
    pass


def scalar(text, line_no):
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [item.strip() for item in text[1:-1].split(",") if item.strip()]
    if text[:1] in "\"'" and text[-1:] == text[:1]:
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    if text == "" or text[:1] in "{&*!|>":
        raise ManifestError(f"{MANIFEST}:{line_no}: unsupported value '{text}'; write a plain scalar or [a, b]")
    return text


def parse(path=MANIFEST):
    """Top-level keys holding either a list of flat mappings or one flat mapping."""
    doc, key, item = {}, None, None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
            if not line.strip():
                continue
            if m := re.fullmatch(r"([A-Za-z][A-Za-z0-9]*):", line):
                key, item = m.group(1), None
                doc[key] = None
            elif key and (m := re.fullmatch(r"  - ([A-Za-z][A-Za-z0-9]*): *(.*)", line)):
                if doc[key] is None:
                    doc[key] = []
                if not isinstance(doc[key], list):
                    raise ManifestError(f"{MANIFEST}:{n}: '{key}' mixes a list and a mapping")
                item = {m.group(1): scalar(m.group(2), n)}
                doc[key].append(item)
            elif key and (m := re.fullmatch(r"    ([A-Za-z][A-Za-z0-9]*): *(.*)", line)) and item is not None:
                item[m.group(1)] = scalar(m.group(2), n)
            elif key and (m := re.fullmatch(r"  ([A-Za-z][A-Za-z0-9]*): *(.*)", line)):
                if doc[key] is None:
                    doc[key] = {}
                if not isinstance(doc[key], dict):
                    raise ManifestError(f"{MANIFEST}:{n}: '{key}' mixes a list and a mapping")
                doc[key][m.group(1)] = scalar(m.group(2), n)
            else:
                raise ManifestError(f"{MANIFEST}:{n}: cannot read '{line.strip()}'; keep to the layout the file's comments describe")
    return doc


def load(path=MANIFEST):
    doc = parse(path)
    problems = []
    stacks = doc.get("stacks") or []
    envs = doc.get("environments") or []
    if not isinstance(stacks, list) or not stacks:
        problems.append(f"{MANIFEST}: 'stacks' must list at least one stack")
        stacks = []
    if not isinstance(envs, list) or not envs:
        problems.append(f"{MANIFEST}: 'environments' must list the GitHub environments")
        envs = []
    declared = {e.get("name") for e in envs}
    for e in envs:
        for k in ENV_KEYS - e.keys():
            problems.append(f"{MANIFEST}: environment '{e.get('name')}' lacks '{k}'")
        if e.get("reviewers") not in ("required", "none"):
            problems.append(f"{MANIFEST}: environment '{e.get('name')}': reviewers must be required or none")
        if not isinstance(e.get("secrets", []), list):
            problems.append(f"{MANIFEST}: environment '{e.get('name')}': secrets must be a list [A, B]")
    seen = set()
    for s in stacks:
        name = s.get("name", "?")
        for k in STACK_KEYS - s.keys():
            problems.append(f"{MANIFEST}: stack '{name}' lacks '{k}'")
        for k in s.keys() - STACK_KEYS:
            problems.append(f"{MANIFEST}: stack '{name}': unknown key '{k}' (known: {', '.join(sorted(STACK_KEYS))})")
        if name in seen:
            problems.append(f"{MANIFEST}: stack '{name}' is listed twice")
        seen.add(name)
        if not re.fullmatch(r"[a-z][a-z0-9-]*", str(name)) or re.fullmatch(r"pr-[0-9]+", str(name)):
            problems.append(f"{MANIFEST}: stack name '{name}' must be lowercase letters, digits and '-', and not pr-<number>")
        if s.get("deploy") not in ("push", "approval"):
            problems.append(f"{MANIFEST}: stack '{name}': deploy must be push or approval")
        if not isinstance(s.get("drift"), bool):
            problems.append(f"{MANIFEST}: stack '{name}': drift must be true or false")
        for k in ("environment", "readEnvironment"):
            if k in s and s[k] not in declared:
                problems.append(f"{MANIFEST}: stack '{name}': {k} '{s[k]}' is not under 'environments'")
        if s.get("environment") and s.get("environment") == s.get("readEnvironment"):
            problems.append(f"{MANIFEST}: stack '{name}': readEnvironment must differ from environment (read-only identities)")
        read = next((e for e in envs if e.get("name") == s.get("readEnvironment")), None)
        if read and read.get("reviewers") != "none":
            problems.append(f"{MANIFEST}: stack '{name}': readEnvironment '{read['name']}' must have no required reviewers "
                            "(drift runs on a schedule; every job naming it would wait for a reviewer)")
        if s.get("deploy") == "approval":
            env = next((e for e in envs if e.get("name") == s.get("environment")), None)
            if env and env.get("reviewers") != "required":
                problems.append(f"{MANIFEST}: stack '{name}': deploy: approval needs environment '{env['name']}' with reviewers: required")
    preview = doc.get("previewStacks") or {}
    if not isinstance(preview, dict) or preview.get("environment") not in declared:
        problems.append(f"{MANIFEST}: previewStacks.environment must name an environment under 'environments'")
    files = sorted(os.path.basename(p)[len("Pulumi."):-len(".yaml")] for p in glob.glob("Pulumi.*.yaml"))
    for f in files:
        if f not in seen:
            problems.append(f"{MANIFEST}: Pulumi.{f}.yaml is committed but has no entry under 'stacks'; add one")
    for name in seen:
        if name not in files:
            problems.append(f"{MANIFEST}: stack '{name}' has no Pulumi.{name}.yaml; remove the entry or commit the file")
    if problems:
        raise ManifestError("\n".join(problems))
    return stacks, preview, envs


def matrix(entries, env_key):
    return json.dumps({"include": [{"stack": s["name"], "environment": s[env_key]} for s in entries]}, separators=(",", ":"))


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    try:
        stacks, preview, _ = load()
    except (ManifestError, OSError) as e:
        print(e, file=sys.stderr)
        return 1
    if command == "check" and len(argv) == 2:
        print(f"{MANIFEST}: {len(stacks)} stacks: {', '.join(s['name'] for s in stacks)}")
        return 0
    if command == "outputs" and len(argv) == 2:
        groups = {
            "deploy-push": [s for s in stacks if s["deploy"] == "push"],
            "deploy-approval": [s for s in stacks if s["deploy"] == "approval"],
            "drift": [s for s in stacks if s["drift"]],
        }
        for name, entries in groups.items():
            print(f"{name}={matrix(entries, 'readEnvironment' if name == 'drift' else 'environment')}")
            print(f"any-{name}={'true' if entries else 'false'}")
        print(f"preview={matrix(stacks, 'readEnvironment')}")
        return 0
    if command == "environment" and len(argv) == 3:
        stack = argv[2]
        for s in stacks:
            if s["name"] == stack:
                print(s["environment"])
                return 0
        if re.fullmatch(r"pr-[1-9][0-9]*", stack):
            print(preview["environment"])
            return 0
        names = ", ".join(s["name"] for s in stacks)
        print(f"stacks.py: '{stack}' is not a stack: use one of {names} (from {MANIFEST}) or pr-<number>", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
