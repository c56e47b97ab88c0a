package template

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/internal/config"
)

// The values CloudFormation gives Ref and Fn::GetAtt of a resource: its physical name (the name
// property when the template sets one, else a generated "{stack}-{LogicalId}-{SUFFIX}"), ids, and
// ARNs and URLs of the right shape, so that environment variables built from them look as they
// do on AWS. They are deterministic: the same template gives the same values at every start.

// nameProps is the property that names a resource of each type, when the template may set it.
var nameProps = map[string]string{
	"AWS::DynamoDB::Table":                      "TableName",
	"AWS::Serverless::SimpleTable":              "TableName",
	"AWS::SQS::Queue":                           "QueueName",
	"AWS::SNS::Topic":                           "TopicName",
	"AWS::S3::Bucket":                           "BucketName",
	"AWS::IAM::Role":                            "RoleName",
	"AWS::IAM::User":                            "UserName",
	"AWS::IAM::ManagedPolicy":                   "ManagedPolicyName",
	"AWS::Lambda::Function":                     "FunctionName",
	"AWS::Serverless::Function":                 "FunctionName",
	"AWS::Lambda::LayerVersion":                 "LayerName",
	"AWS::Serverless::LayerVersion":             "LayerName",
	"AWS::Logs::LogGroup":                       "LogGroupName",
	"AWS::SSM::Parameter":                       "Name",
	"AWS::Kinesis::Stream":                      "Name",
	"AWS::Events::EventBus":                     "Name",
	"AWS::Events::Rule":                         "Name",
	"AWS::SecretsManager::Secret":               "Name",
	"AWS::StepFunctions::StateMachine":          "StateMachineName",
	"AWS::Serverless::StateMachine":             "Name",
	"AWS::ApiGatewayV2::DomainName":             "DomainName",
	"AWS::ApiGatewayV2::Stage":                  "StageName",
	"AWS::Route53::RecordSet":                   "Name",
	"AWS::Cognito::UserPool":                    "UserPoolName",
	"AWS::ElastiCache::ReplicationGroup":        "ReplicationGroupId",
	"AWS::KinesisFirehose::DeliveryStream":      "DeliveryStreamName",
	"AWS::CloudWatch::Alarm":                    "AlarmName",
	"AWS::ApiGatewayV2::Api":                    "Name",
	"AWS::CertificateManager::Certificate":      "DomainName",
	"AWS::ApiGateway::RestApi":                  "Name",
	"AWS::AppSync::GraphQLApi":                  "Name",
	"AWS::EC2::SecurityGroup":                   "GroupName",
	"AWS::Scheduler::Schedule":                  "Name",
	"AWS::Pipes::Pipe":                          "Name",
	"AWS::CodeBuild::Project":                   "Name",
	"AWS::ECS::Cluster":                         "ClusterName",
	"AWS::RDS::DBInstance":                      "DBInstanceIdentifier",
	"AWS::OpenSearchService::Domain":            "DomainName",
	"AWS::ElasticLoadBalancingV2::LoadBalancer": "Name",
}

// idResources are resources whose Ref is a short generated id rather than a name.
var idResources = map[string]bool{
	"AWS::ApiGatewayV2::Route": true, "AWS::ApiGatewayV2::Integration": true,
	"AWS::ApiGatewayV2::Authorizer": true, "AWS::ApiGatewayV2::Deployment": true,
	"AWS::ApiGatewayV2::RouteResponse": true, "AWS::ApiGatewayV2::IntegrationResponse": true,
	"AWS::ApiGatewayV2::ApiMapping": true, "AWS::ApiGatewayV2::Model": true,
	"AWS::Lambda::Permission": true, "AWS::IAM::Policy": true, "AWS::ApiGateway::Deployment": true,
}

// suffix derives CloudFormation-like random characters from a logical id, deterministically:
// n characters of alphabet.
func suffix(seed string, n int, alphabet string) string {
	sum := sha256.Sum256([]byte(seed))
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(sum[i%len(sum)]+byte(i/len(sum)))%len(alphabet)]
	}
	return string(out)
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits  = "0123456789abcdef"
)

// uuidFrom makes a UUID-shaped string from seed.
func uuidFrom(seed string) string {
	h := suffix(seed, 32, hexDigits)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// generatedName is the name CloudFormation gives a resource whose template names none:
// {stack}-{LogicalId}-{SUFFIX}, at most max characters (the logical id is cut to fit).
func (t *tmpl) generatedName(r *resource, max int, lower bool) string {
	sfx := suffix(r.id, 12, upperAlnum)
	id := r.id
	if extra := len(t.stackName()) + len(id) + len(sfx) + 2 - max; extra > 0 && extra < len(id) {
		id = id[:len(id)-extra]
	}
	name := t.stackName() + "-" + id + "-" + sfx
	if lower {
		name = strings.ToLower(name)
	}
	return name
}

func (t *tmpl) stackName() string { return t.ev.pseudo["AWS::StackName"].Value }
func (t *tmpl) region() string    { return t.ev.pseudo["AWS::Region"].Value }
func (t *tmpl) account() string   { return t.ev.pseudo["AWS::AccountId"].Value }
func (t *tmpl) partition() string { return t.ev.pseudo["AWS::Partition"].Value }

// physicalName returns the resource's name: its name property when set, else a generated one;
// nil when the name property could not be evaluated, an unresolved value when it cannot be known.
func (t *tmpl) physicalName(r *resource, at *yaml.Node) *yaml.Node {
	if r.typ == "AWS::ApiGatewayV2::Api" {
		return str(t.apiID(r), at)
	}
	if idResources[r.typ] {
		return str(suffix(r.id, 7, lowerAlnum), at)
	}
	if prop, ok := nameProps[r.typ]; ok {
		props := t.props(r)
		if isUnresolved(props) {
			return props
		}
		if v := get(props, prop); v != nil {
			if isUnresolved(v) {
				return v
			}
			if s, ok := text(v); ok {
				return str(s, at)
			}
		}
	}
	switch r.typ {
	case "AWS::S3::Bucket":
		return str(t.generatedName(r, 63, true), at)
	case "AWS::Lambda::Function", "AWS::Serverless::Function", "AWS::IAM::Role", "AWS::Events::Rule":
		return str(t.generatedName(r, 64, false), at)
	case "AWS::SQS::Queue", "AWS::SNS::Topic":
		return str(t.generatedName(r, 80, false), at)
	case "AWS::KMS::Key":
		return str(uuidFrom(r.id), at)
	case "AWS::Cognito::UserPool":
		return str(t.region()+"_"+suffix(r.id, 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), at)
	}
	return str(t.generatedName(r, 128, false), at)
}

// refValue is what Ref gives for the resource r.
func (t *tmpl) refValue(r *resource, at *yaml.Node) *yaml.Node {
	name := t.physicalName(r, at)
	if name == nil || isUnresolved(name) {
		return name
	}
	n := name.Value
	switch r.typ {
	case "AWS::SQS::Queue":
		return str(t.queueURL(n), at)
	case "AWS::SNS::Topic":
		return str(t.arn("sns", n), at)
	case "AWS::IAM::ManagedPolicy":
		return str(fmt.Sprintf("arn:%s:iam::%s:policy/%s", t.partition(), t.account(), n), at)
	case "AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion":
		return str(t.arn("lambda", "layer:"+n+":1"), at)
	case "AWS::SecretsManager::Secret":
		return str(t.arn("secretsmanager", "secret:"+n+"-"+suffix(r.id, 6, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")), at)
	case "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine":
		return str(t.arn("states", "stateMachine:"+n), at)
	case "AWS::CertificateManager::Certificate":
		return str(t.arn("acm", "certificate/"+uuidFrom(r.id)), at)
	}
	return name
}

// attValue is what Fn::GetAtt gives for attribute attr of r.
func (t *tmpl) attValue(r *resource, attr string, at *yaml.Node) (*yaml.Node, error) {
	name := t.physicalName(r, at)
	if name == nil || isUnresolved(name) {
		return name, nil
	}
	n := name.Value
	s := func(v string) (*yaml.Node, error) { return str(v, at), nil }
	switch r.typ + "." + attr {
	case "AWS::Lambda::Function.Arn", "AWS::Serverless::Function.Arn":
		return s(t.arn("lambda", "function:"+n))
	case "AWS::DynamoDB::Table.Arn", "AWS::Serverless::SimpleTable.Arn":
		return s(t.arn("dynamodb", "table/"+n))
	case "AWS::DynamoDB::Table.StreamArn":
		return s(t.arn("dynamodb", "table/"+n+"/stream/2024-01-01T00:00:00.000"))
	case "AWS::SQS::Queue.Arn":
		return s(t.arn("sqs", n))
	case "AWS::SQS::Queue.QueueName", "AWS::SNS::Topic.TopicName":
		return s(n)
	case "AWS::SQS::Queue.QueueUrl":
		return s(t.queueURL(n))
	case "AWS::SNS::Topic.TopicArn":
		return s(t.arn("sns", n))
	case "AWS::S3::Bucket.Arn":
		return s(fmt.Sprintf("arn:%s:s3:::%s", t.partition(), n))
	case "AWS::S3::Bucket.DomainName":
		return s(n + ".s3." + t.urlSuffix())
	case "AWS::S3::Bucket.RegionalDomainName":
		return s(n + ".s3." + t.region() + "." + t.urlSuffix())
	case "AWS::S3::Bucket.WebsiteURL":
		return s("http://" + n + ".s3-website-" + t.region() + "." + t.urlSuffix())
	case "AWS::IAM::Role.Arn":
		return s(fmt.Sprintf("arn:%s:iam::%s:role/%s", t.partition(), t.account(), n))
	case "AWS::IAM::Role.RoleId":
		return s("AROA" + suffix(r.id, 17, upperAlnum))
	case "AWS::IAM::User.Arn":
		return s(fmt.Sprintf("arn:%s:iam::%s:user/%s", t.partition(), t.account(), n))
	case "AWS::Logs::LogGroup.Arn":
		return s(t.arn("logs", "log-group:"+n+":*"))
	case "AWS::Kinesis::Stream.Arn":
		return s(t.arn("kinesis", "stream/"+n))
	case "AWS::Events::EventBus.Arn":
		return s(t.arn("events", "event-bus/"+n))
	case "AWS::Events::Rule.Arn":
		return s(t.arn("events", "rule/"+n))
	case "AWS::KMS::Key.Arn":
		return s(t.arn("kms", "key/"+n))
	case "AWS::KMS::Key.KeyId":
		return s(n)
	case "AWS::StepFunctions::StateMachine.Name", "AWS::Serverless::StateMachine.Name":
		return s(n)
	case "AWS::StepFunctions::StateMachine.Arn", "AWS::Serverless::StateMachine.Arn":
		return s(t.arn("states", "stateMachine:"+n))
	case "AWS::Cognito::UserPool.Arn":
		return s(t.arn("cognito-idp", "userpool/"+n))
	case "AWS::Cognito::UserPool.ProviderName":
		return s("cognito-idp." + t.region() + "." + t.urlSuffix() + "/" + n)
	case "AWS::SSM::Parameter.Value":
		props := t.props(r)
		if v := get(props, "Value"); v != nil {
			return relocate(v, at), nil
		}
	case "AWS::ApiGatewayV2::Api.ApiEndpoint":
		return s(t.apiEndpoint(r, "wss"))
	case "AWS::ApiGatewayV2::Api.ApiId", "AWS::ApiGatewayV2::Authorizer.AuthorizerId",
		"AWS::ApiGatewayV2::Route.RouteId", "AWS::ApiGatewayV2::Integration.IntegrationId",
		"AWS::ApiGatewayV2::Deployment.DeploymentId", "AWS::ApiGatewayV2::RouteResponse.RouteResponseId",
		"AWS::ApiGatewayV2::ApiMapping.ApiMappingId":
		return s(n)
	case "AWS::ApiGatewayV2::DomainName.RegionalDomainName":
		return s("d-" + suffix(r.id, 10, lowerAlnum) + ".execute-api." + t.region() + "." + t.urlSuffix())
	case "AWS::ApiGatewayV2::DomainName.RegionalHostedZoneId":
		return s("Z" + suffix(r.id, 13, upperAlnum))
	case "AWS::ApiGatewayV2::DomainName.DomainNameArn":
		return s(fmt.Sprintf("arn:%s:apigateway:%s::/domainnames/%s", t.partition(), t.region(), n))
	case "AWS::Lambda::LayerVersion.LayerVersionArn", "AWS::Serverless::LayerVersion.Arn":
		return s(t.arn("lambda", "layer:"+n+":1"))
	case "AWS::SecretsManager::Secret.Id":
		return t.refValue(r, at), nil
	}
	if attr == "Arn" {
		return s(t.arn(serviceOf(r.typ), strings.ToLower(resourceName(r.typ))+"/"+n))
	}
	if r.typ == "AWS::CloudFormation::Stack" || r.typ == "AWS::Serverless::Application" {
		return unresolved(at, fmt.Sprintf("%s of the nested stack %s is not known locally", attr, r.id)), nil
	}
	return unresolved(at, fmt.Sprintf("Fn::GetAtt %s.%s (%s) has no local value", r.id, attr, r.typ)), nil
}

// apiID is the API id of an AWS::ApiGatewayV2::Api: derived from its Name as Switchboard derives
// an API's id (so that ARNs built with Ref match requestContext.apiId), from the Name and the
// logical id when two APIs of the template share a name.
func (t *tmpl) apiID(r *resource) string {
	if id, ok := t.apiIDs[r.id]; ok {
		return id
	}
	name := func(r *resource) string {
		s, _ := text(get(t.props(r), "Name"))
		return s
	}
	id := defaultAPIID(name(r))
	for _, other := range t.order {
		o := t.resources[other]
		if o != r && o.typ == r.typ && name(o) == name(r) {
			id = defaultAPIID(name(r) + "/" + r.id)
			break
		}
	}
	t.apiIDs[r.id] = id
	return id
}

// apiEndpoint is the execute-api URL of an API ("wss" or "https").
func (t *tmpl) apiEndpoint(r *resource, scheme string) string {
	return scheme + "://" + t.apiID(r) + ".execute-api." + t.region() + "." + t.urlSuffix()
}

// arn builds arn:{partition}:{service}:{region}:{account}:{rest}.
func (t *tmpl) arn(service, rest string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", t.partition(), service, t.region(), t.account(), rest)
}

// queueURL is an SQS queue's URL.
func (t *tmpl) queueURL(name string) string {
	return fmt.Sprintf("https://sqs.%s.%s/%s/%s", t.region(), t.urlSuffix(), t.account(), name)
}

func (t *tmpl) urlSuffix() string { return t.ev.pseudo["AWS::URLSuffix"].Value }

// serviceOf returns the ARN service of a resource type ("AWS::DynamoDB::Table" -> "dynamodb").
func serviceOf(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) < 2 {
		return "unknown"
	}
	return strings.ToLower(parts[1])
}

// resourceName returns the last part of a resource type ("AWS::DynamoDB::Table" -> "Table").
func resourceName(typ string) string {
	return typ[strings.LastIndex(typ, ":")+1:]
}

// defaultAPIID is the id a config named name gets by default (config.ApplyDefaults).
func defaultAPIID(name string) string {
	c := &config.Config{Name: name}
	config.ApplyDefaults(c)
	return c.APIID
}
