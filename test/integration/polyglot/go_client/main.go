// Command go_client is a gRPC client in another language: Go's grpc-go (Debian's golang-google-grpc-dev,
// GOPATH mode) with the stubs generated from the contract (gen/go). It runs the same script as
// ../python_client.py against a flagwire server and prints the same JSON document, which
// test/support/polyglot-workflow.ts checks.
//
// usage: go_client HOST:PORT
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "flagwire/gen/go/flagwire/v1"
)

var asJSON = protojson.MarshalOptions{EmitUnpopulated: true}

// asDict is a message in proto JSON, as Python's json_format prints it.
func asDict(m proto.Message) json.RawMessage {
	b, err := asJSON.Marshal(m)
	must(err)
	return b
}

// watchMessage is a stream message as the test compares it: its change, or the heartbeat's revision.
func watchMessage(r *pb.WatchChangesResponse) map[string]interface{} {
	if r.GetChange() != nil {
		return map[string]interface{}{"change": asDict(r.GetChange())}
	}
	return map[string]interface{}{"heartbeat": strconv.FormatInt(r.GetHeartbeat().GetRevision(), 10)}
}

// codeName turns grpc-go's "NotFound" into the canonical "NOT_FOUND".
func codeName(err error) map[string]string {
	s := status.Convert(err)
	name := regexp.MustCompile(`([a-z])([A-Z])`).ReplaceAllString(s.Code().String(), "${1}_${2}")
	return map[string]string{"code": strings.ToUpper(name), "details": s.Message()}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func customer(id string) *pb.Target { return &pb.Target{Kind: &pb.Target_CustomerId{CustomerId: id}} }
func user(id string) *pb.Target     { return &pb.Target{Kind: &pb.Target_UserId{UserId: id}} }

func main() {
	conn, err := grpc.Dial(os.Args[1], grpc.WithInsecure())
	must(err)
	defer conn.Close()
	flags := pb.NewFeatureFlagServiceClient(conn)
	base, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx := metadata.AppendToOutgoingContext(base, "x-flagwire-actor", "go-client")
	out := map[string]interface{}{}
	call := func(_ interface{}, err error) { must(err) }
	recv := func(s pb.FeatureFlagService_WatchChangesClient) map[string]interface{} {
		r, err := s.Recv()
		must(err)
		return watchMessage(r)
	}

	// A first watcher, from the start: it sees the workflow's writes live, then drops out.
	firstCtx, dropFirst := context.WithCancel(ctx)
	first, err := flags.WatchChanges(firstCtx, &pb.WatchChangesRequest{SinceRevision: proto.Int64(0)})
	must(err)
	out["first_stream_start"] = recv(first)

	call(flags.CreateFeature(ctx, &pb.CreateFeatureRequest{Name: "dashboard", Enabled: true}))
	call(flags.CreateCustomer(ctx, &pb.CreateCustomerRequest{Id: "101"}))
	call(flags.CreateCustomer(ctx, &pb.CreateCustomerRequest{Id: "202"}))
	call(flags.CreateUser(ctx, &pb.CreateUserRequest{Id: "456", CustomerId: "202"}))
	call(flags.SetOverride(ctx, &pb.SetOverrideRequest{Feature: "dashboard", Target: customer("101"), Enabled: false}))
	call(flags.SetOverride(ctx, &pb.SetOverrideRequest{Feature: "dashboard", Target: user("456"), Enabled: false}))
	var firstStream []map[string]interface{}
	var lastSeen int64
	for len(firstStream) < 6 {
		r, err := first.Recv()
		must(err)
		lastSeen = r.GetChange().GetRevision()
		firstStream = append(firstStream, watchMessage(r))
	}
	out["first_stream"] = firstStream
	dropFirst()

	forCustomer := func(id string) json.RawMessage {
		r, err := flags.ListFeaturesForCustomer(ctx, &pb.ListFeaturesForCustomerRequest{CustomerId: id})
		must(err)
		return asDict(r)
	}
	withFeature := func(filter pb.CustomerFeatureFilter) json.RawMessage {
		r, err := flags.ListCustomersWithFeature(ctx, &pb.ListCustomersWithFeatureRequest{Feature: "dashboard", Filter: filter})
		must(err)
		return asDict(r)
	}
	evaluate := func(req *pb.EvaluateRequest) json.RawMessage {
		r, err := flags.Evaluate(ctx, req)
		must(err)
		return asDict(r)
	}
	out["features_for_101"] = forCustomer("101")
	out["features_for_202"] = forCustomer("202")
	out["customers_with"] = withFeature(pb.CustomerFeatureFilter_CUSTOMER_FEATURE_FILTER_UNSPECIFIED)
	out["explicitly_disabled"] = withFeature(pb.CustomerFeatureFilter_CUSTOMER_FEATURE_FILTER_EXPLICITLY_DISABLED)
	out["evaluate_customer_101"] = evaluate(&pb.EvaluateRequest{Feature: "dashboard", CustomerId: "101"})
	out["evaluate_user_456"] = evaluate(&pb.EvaluateRequest{Feature: "dashboard", UserId: "456"})
	out["evaluate_customer_202"] = evaluate(&pb.EvaluateRequest{Feature: "dashboard", CustomerId: "202"})
	if _, err := flags.Evaluate(ctx, &pb.EvaluateRequest{Feature: "dashbord"}); err != nil {
		out["not_found"] = codeName(err)
	}

	// Remove: the user's override, then customer 101 with its override.
	call(flags.ClearOverride(ctx, &pb.ClearOverrideRequest{Feature: "dashboard", Target: user("456")}))
	call(flags.DeleteCustomer(ctx, &pb.DeleteCustomerRequest{Id: "101"}))
	out["evaluate_user_456_cleared"] = evaluate(&pb.EvaluateRequest{Feature: "dashboard", UserId: "456"})
	customers, err := flags.ListCustomers(ctx, &pb.ListCustomersRequest{})
	must(err)
	out["customers_left"] = asDict(customers)
	out["explicitly_disabled_left"] = withFeature(pb.CustomerFeatureFilter_CUSTOMER_FEATURE_FILTER_EXPLICITLY_DISABLED)

	// Resume from the last revision the first watcher received: the replay up to a heartbeat, then a live write.
	second, err := flags.WatchChanges(ctx, &pb.WatchChangesRequest{SinceRevision: proto.Int64(lastSeen)})
	must(err)
	var resumed []map[string]interface{}
	for len(resumed) == 0 || resumed[len(resumed)-1]["heartbeat"] == nil {
		resumed = append(resumed, recv(second))
	}
	call(flags.SetFeatureEnabled(ctx, &pb.SetFeatureEnabledRequest{Name: "dashboard", Enabled: false}))
	resumed = append(resumed, recv(second))
	out["resumed_from"] = strconv.FormatInt(lastSeen, 10)
	out["resumed"] = resumed
	must(json.NewEncoder(os.Stdout).Encode(out))
}
