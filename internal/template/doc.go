// Package template reads AWS definitions of WebSocket APIs into Switchboard configs, and writes
// a config as a SAM template.
//
// Use Load (Parse for bytes in memory) to read a SAM or CloudFormation template — YAML with the
// short-form tags or JSON with the Fn:: forms, cdk.out's *.template.json included — or a Serverless
// Framework serverless.yml. It evaluates the intrinsic functions over Parameters (with
// Options.Parameters as overrides), pseudo parameters, Conditions and Mappings, merges SAM's
// Globals.Function, gives Ref and Fn::GetAtt of every resource the value CloudFormation would,
// and translates each WebSocket API and stage (AWS::ApiGatewayV2::* and the functions they
// invoke) into a tree in the config file's shape whose nodes carry the template's positions. That
// tree goes through config.FromTree, so a Result's configs are validated like config files and
// every problem, the template's own and the config checks', is reported at once with the
// template's file:line:column and the resource's key path. Result.NotRun and Result.Notes list
// what Switchboard does not run or use.
//
// Use Synth to turn a config into a SAM template that deploys the same API with `sam deploy`.
//
// The package imports only config; docs/templates.md is the user-facing reference.
package template
