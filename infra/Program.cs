using System.CommandLine;
using VoiceEdge.Infra.Cli;

var stack = new Argument<string>("stack") { Description = "Stack name: dev, prod, or pr-<number> (rendered from stacks/preview.template.yaml)" };
var projectDir = new Option<string?>("--project-dir") { Description = "The Pulumi project folder (default: the nearest folder with Pulumi.yaml)" };

var render = new Command("render", "Print the Pulumi YAML program of a stack, rendered offline from its Pulumi.<stack>.yaml") { stack, projectDir };
render.SetAction(p => Commands.Render(p.GetValue(stack)!, p.GetValue(projectDir)));

var format = new Option<string>("--format") { Description = "text (the readable plan) or mermaid (the stack as a Mermaid flowchart)", DefaultValueFactory = _ => "text" };
format.AcceptOnlyFromAmong("text", "mermaid");
var added = new Option<string[]>("--added") { Description = "mermaid: resources to mark as added (comma-separated)" };
var changed = new Option<string[]>("--changed") { Description = "mermaid: resources to mark as changed (comma-separated)" };
var removed = new Option<string[]>("--removed") { Description = "mermaid: resources to mark as removed (comma-separated; drawn apart)" };
var plan = new Command("plan", "Print a readable plan of everything a stack declares, offline") { stack, projectDir, format, added, changed, removed };
plan.SetAction(p => Commands.Plan(p.GetValue(stack)!, p.GetValue(projectDir), p.GetValue(format)!,
    Marks.From(p.GetValue(added), p.GetValue(changed), p.GetValue(removed))));

var validate = new Command("validate", "Validate every committed stack (Pulumi.*.yaml) and the rules between them") { projectDir };
validate.SetAction(p => Commands.Validate(p.GetValue(projectDir)));

var compile = new Command("compile", "Pulumi's YAML-runtime compiler: reads PULUMI_STACK and PULUMI_CONFIG, prints the program") { projectDir };
compile.SetAction(p => Commands.Compile(p.GetValue(projectDir)));

var skipAzure = new Option<bool>("--skip-azure") { Description = "Check Cloudflare only; the Azure rows are reported as skipped" };
var preflight = new Command("preflight", "Check the real Cloudflare and Azure accounts (token, permissions, zone plan, existing rulesets, VM size) before `pulumi up`") { stack, projectDir, skipAzure };
preflight.SetAction(p => Commands.Preflight(p.GetValue(stack)!, p.GetValue(projectDir), p.GetValue(skipAzure)));

var root = new RootCommand("voice-edge infra: declares the voice path through Cloudflare to the relay VM as a Pulumi YAML program")
{
    render, plan, validate, compile, preflight,
};
return root.Parse(args).Invoke();
