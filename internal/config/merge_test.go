package config

import (
	"reflect"
	"testing"
	"time"
)

func TestMergeFunctionNil(t *testing.T) {
	if got := MergeFunction(nil, nil); got != nil {
		t.Errorf("MergeFunction(nil, nil) = %+v, want nil", got)
	}
	d := &Function{Handler: "d.main", Environment: map[string]string{"A": "1"}}
	if got := MergeFunction(d, nil); !reflect.DeepEqual(got, d) || got == d {
		t.Errorf("MergeFunction(d, nil) = %+v, want a copy of d", got)
	}
	r := &Function{Handler: "r.main", Layers: []string{"l"}}
	if got := MergeFunction(nil, r); !reflect.DeepEqual(got, r) || got == r {
		t.Errorf("MergeFunction(nil, r) = %+v, want a copy of r", got)
	}
}

func TestMergeFunctionScalarsFromRouteWhenSet(t *testing.T) {
	d := &Function{Handler: "d.main", Runtime: "nodejs20.x", Timeout: 20 * time.Second, MemoryMB: 1024, ReservedConcurrency: 10}
	r := &Function{Handler: "r.main", Runtime: "python3.12", Timeout: 10 * time.Second, MemoryMB: 512, ReservedConcurrency: 2}
	got := MergeFunction(d, r)
	want := &Function{Handler: "r.main", Runtime: "python3.12", Timeout: 10 * time.Second, MemoryMB: 512, ReservedConcurrency: 2}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want the route's props %+v", got, want)
	}
}

func TestMergeFunctionScalarsFromDefaultsWhenUnset(t *testing.T) {
	d := &Function{Handler: "d.main", Runtime: "nodejs20.x", Timeout: 20 * time.Second, MemoryMB: 1024, ReservedConcurrency: 10}
	got := MergeFunction(d, &Function{})
	if !reflect.DeepEqual(got, d) {
		t.Errorf("got %+v, want the defaults' props %+v", got, d)
	}
}

func TestMergeFunctionEnvironmentRouteWins(t *testing.T) {
	d := &Function{Environment: map[string]string{"TABLE": "t", "MODE": "default"}}
	r := &Function{Environment: map[string]string{"BUCKET": "b", "MODE": "route"}}
	got := MergeFunction(d, r).Environment
	want := map[string]string{"TABLE": "t", "BUCKET": "b", "MODE": "route"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("environment = %v, want %v", got, want)
	}
	got["TABLE"] = "changed"
	if d.Environment["TABLE"] != "t" {
		t.Error("the merged environment shares its map with the defaults")
	}
}

func TestMergeFunctionPermissionsConcatenatedWithoutDuplicates(t *testing.T) {
	stmt := Permission{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"*"}}
	d := &Function{Permissions: []Permission{{String: "dynamodb"}, stmt}}
	r := &Function{Permissions: []Permission{{String: "s3"}, {String: "dynamodb"}, stmt, {String: "sns"}}}
	got := MergeFunction(d, r).Permissions
	want := []Permission{{String: "dynamodb"}, stmt, {String: "s3"}, {String: "sns"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("permissions = %+v, want %+v", got, want)
	}
	got[1].Actions[0] = "changed"
	if stmt.Actions[0] != "s3:GetObject" {
		t.Error("the merged permissions share their action lists with the inputs")
	}
}

func TestMergeFunctionLayersConcatenatedWithoutDuplicates(t *testing.T) {
	d := &Function{Layers: []string{"a", "b"}}
	r := &Function{Layers: []string{"c", "a", "d", "c"}}
	if got, want := MergeFunction(d, r).Layers, []string{"a", "b", "c", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("layers = %q, want %q", got, want)
	}
}
